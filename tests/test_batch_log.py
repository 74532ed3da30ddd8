"""The engine's batch ledger (BatchLog) and the war-end snapshot: the flat event buffer gives, month by
month, exactly what the per-month buffers held, and `spearman_rho` is scipy's spearmanr bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import ConstantInputWarning, spearmanr

from stavka.api import events_frame
from stavka.doctrines import get_doctrine
from stavka.engine.codes import Cause, Kind
from stavka.engine.driver import Engine
from stavka.engine.log import BatchLog
from stavka.engine.spearman import spearman_rho
from stavka.engine.state import EVENT
from stavka.history import CAUSE_TEXT, KIND_TEXT
from stavka.scenario import Scenario


def test_log_holds_each_months_buffer() -> None:
    """Drive a batch month by month: after each month the log's last entry is that month's buffer (runs in
    batch order, each in emission order), and `events_frame` orders the whole by run, month, emission."""
    ids = np.array([5, 0, 17, 3, 9, 11], dtype=np.int64)
    engine = Engine(Scenario.load("default"), 2, ids)
    doc = get_doctrine("terror")
    expect = []
    while not engine.done:
        engine.begin_month()
        t = engine.month
        engine.end_month(doc.decide(engine.view()))
        mask = np.arange(engine.capacity)[None, :] < engine.ev_n[:, None]
        if mask.any():
            expect.append((t, np.repeat(np.arange(len(ids)), engine.ev_n), engine.ev[mask].copy()))
    got = engine.log.events
    assert len(got) == len(expect) > 100
    for (t, rows, rec), (t2, rows2, rec2) in zip(got, expect, strict=True):
        assert t == t2 and rows.dtype == np.int64
        assert np.array_equal(rows, rows2) and rec.dtype == rec2.dtype and rec.tobytes() == rec2.tobytes()
    assert engine.log.n_events == sum(len(r) for _, r, _ in expect)

    frame = events_frame(engine, ids)
    months = np.concatenate([np.full(len(r), t) for t, r, _ in expect])
    rows = np.concatenate([r for _, r, _ in expect])
    rec = np.concatenate([e for _, _, e in expect])
    order = np.lexsort((np.arange(len(rows)), months, rows))
    rec = rec[order]
    assert np.array_equal(frame["run"].to_numpy(), ids[rows[order]])
    assert list(frame["month"]) == [engine.scenario.calendar.label(int(m)) for m in months[order]]
    assert np.array_equal(frame["officer_id"].to_numpy(), rec["officer"].astype(np.int64))
    assert np.array_equal(frame["other_id"].to_numpy(), rec["other"].astype(np.int64))
    assert list(frame["kind"]) == [KIND_TEXT[Kind(k)] for k in rec["kind"]]
    assert list(frame["cause"]) == [CAUSE_TEXT[Cause(c)] for c in rec["cause"]]
    assert np.array_equal(frame["value"].to_numpy(), rec["value"].astype(float))


def test_append_grows_and_keeps_order() -> None:
    """A log with no reservation (or a small one) grows as months arrive; `events` and `rows_months`
    give back each month's buffer; a month cannot be appended twice."""
    rng = np.random.default_rng(1)
    n_runs, cap = 7, 40
    for reserve in (None, 1):
        log = BatchLog()
        if reserve is not None:
            log.reserve(n_runs, 5, reserve)
        expect = []
        for t in range(12):
            ev = np.zeros((n_runs, cap), dtype=EVENT)
            ev["officer"] = rng.integers(-1, 300, ev.shape)
            ev["value"] = rng.random(ev.shape)
            ev_n = rng.integers(0, cap + 1, n_runs) * (rng.random(n_runs) < 0.8)
            if t == 4:
                ev_n[:] = 0  # a month without events
            log.append(t, ev, ev_n)
            mask = np.arange(cap)[None, :] < ev_n[:, None]
            if mask.any():
                expect.append((t, np.repeat(np.arange(n_runs), ev_n), ev[mask].copy()))
        got = log.events
        assert [g[0] for g in got] == [e[0] for e in expect]
        for (_, rows, rec), (_, rows2, rec2) in zip(got, expect, strict=True):
            assert np.array_equal(rows, rows2) and rec.tobytes() == rec2.tobytes()
        rows, months = log.rows_months()
        assert np.array_equal(rows, np.concatenate([e[1] for e in expect]))
        assert np.array_equal(months, np.concatenate([np.full(len(e[1]), e[0]) for e in expect]))
        with pytest.raises(ValueError, match="already"):
            log.append(11, ev, ev_n)


def test_blocks_of_months_place_every_record() -> None:
    """Months appended one at a time (the Python path) and stretches appended as one block, run by run
    (the compiled path): `starts`, `rows_months` and `events` place every record in its run and month."""
    rng = np.random.default_rng(3)
    n_runs, n_months = 5, 30
    counts = rng.integers(0, 6, (n_months, n_runs)) * (rng.random((n_months, n_runs)) < 0.7)
    truth = {}  # (month, row) -> that run's records of the month
    for t in range(n_months):
        for r in range(n_runs):
            rec = np.zeros(counts[t, r], dtype=EVENT)
            rec["officer"] = 1000 * t + 10 * r + np.arange(counts[t, r])
            truth[t, r] = rec
    log = BatchLog()
    log.reserve(n_runs, n_months, 1)
    for t0, t1 in ((0, 3), (3, 4), (4, 20), (20, 21), (21, 30)):  # blocks of 3, 1, 16, 1, 9 months
        ledgers = np.zeros((n_runs, 100), dtype=EVENT)
        for r in range(n_runs):
            row = np.concatenate([truth[t, r] for t in range(t0, t1)])
            ledgers[r, : len(row)] = row
        log.append_months(t0, counts[t0:t1], ledgers)
    assert log.n_events == counts.sum() and log.blocks == [0, 3, 4, 20, 21]
    starts = log.starts()
    rows, months = log.rows_months()
    for (t, r), rec in truth.items():
        got = log.records[starts[t, r] : starts[t, r] + counts[t, r]]
        assert got.tobytes() == rec.tobytes()
        assert (rows[starts[t, r] : starts[t, r] + counts[t, r]] == r).all()
        assert (months[starts[t, r] : starts[t, r] + counts[t, r]] == t).all()
    for t, row_of, rec in log.events:
        want = np.concatenate([truth[t, r] for r in range(n_runs)])
        assert rec.tobytes() == want.tobytes()
        assert np.array_equal(row_of, np.repeat(np.arange(n_runs), counts[t]))
    assert [t for t, _, _ in log.events] == [t for t in range(n_months) if counts[t].any()]


def bits(x: float) -> int:
    return int(np.float64(x).view(np.int64))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")  # a constant rank column: both give NaN
def test_spearman_rho_is_scipys_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(300):
        n = int(rng.integers(3, 400))
        comp = rng.beta(2, 2, n)
        if rng.random() < 0.3:
            comp = np.round(comp, 1)  # ties in both columns
        rank = rng.integers(0, int(rng.integers(2, 7)), n).astype(np.int8)
        want = spearmanr(comp, rank).statistic
        assert bits(spearman_rho(comp, rank)) == bits(want)


def test_spearman_rho_constant_input() -> None:
    with pytest.warns(ConstantInputWarning):
        assert np.isnan(spearman_rho(np.array([0.1, 0.5, 0.3]), np.array([2, 2, 2], dtype=np.int8)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(spearman_rho(np.array([0.1, np.nan, 0.3]), np.array([1, 2, 2], dtype=np.int8)))


def test_a_log_before_any_month_has_no_events_and_metrics_read_it() -> None:
    """Before the first month: no records, and the metrics' event counts are all zero."""
    from stavka.metrics import COUNTS, kind_counts

    log = BatchLog()
    log.reserve(3, 4, 2)
    rows, months = log.rows_months()
    assert len(rows) == len(months) == 0 and log.events == []
    assert kind_counts(log, 3).shape[0] == 3 and not kind_counts(log, 3)[:, list(COUNTS.values())].any()
