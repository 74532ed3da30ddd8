"""The history metrics without the ledgers (`stavka.ledger.history_stats`, used by `simulate(..., events=False)`)
against those with them, and against the pandas official history the compiled pass replaced (frozen in
`legacy_history.py`; issue 10 made the official history one compiled pass, which both paths read).

Both are exact: `erased_names` is a count, and `history_distortion` is a count of altered events divided
by the count of events of the run, one IEEE division of two integers (far below 2**53) on both sides,
so the two must be bit-equal, not merely close.  The tests require bit equality.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import RUNS, SEED, sim
from legacy_history import legacy_official_history

import stavka
from stavka.doctrines import REGISTRY, Censorship
from stavka.doctrines.terror import Terror
from stavka.engine.codes import Kind
from stavka.engine.log import BatchLog
from stavka.engine.state import EVENT
from stavka.history import KIND_TEXT
from stavka.ledger import history_stats


def assert_history_equal(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    a, b = fast["history_distortion"].to_numpy(), slow["history_distortion"].to_numpy()
    assert a.dtype == b.dtype == np.float64
    bad = np.flatnonzero(a.view(np.int64) != b.view(np.int64))
    assert not len(bad), (
        f"history_distortion differs (bits) in {len(bad)} runs, e.g. row {bad[0]}: {a[bad[0]]!r} != {b[bad[0]]!r}"
    )
    assert fast["erased_names"].dtype == slow["erased_names"].dtype == np.int64
    assert np.array_equal(fast["erased_names"].to_numpy(), slow["erased_names"].to_numpy())


@pytest.mark.parametrize("doctrine", sorted(REGISTRY))
def test_events_false_metrics_equal_events_true(doctrine: str) -> None:
    """simulate(events=False) (history metrics, no tables) gives exactly the metrics of simulate(events=True)
    (with both tables) on the same RUNS runs, for every built-in doctrine."""
    slow = sim(doctrine)  # events=True
    fast = stavka.simulate(doctrine=doctrine, runs=RUNS, seed=SEED, events=False)
    assert len(fast.metrics) == RUNS
    assert_history_equal(fast.metrics, slow.metrics)
    pd.testing.assert_frame_equal(fast.metrics, slow.metrics, check_exact=True)
    assert fast.metrics.equals(slow.metrics)
    # No ledgers, but tables of the same columns and dtypes as the kept ones.
    pd.testing.assert_frame_equal(fast.events, slow.events.iloc[0:0])
    pd.testing.assert_frame_equal(fast.official, slow.official.iloc[0:0])
    assert fast.metrics["erased_names"].sum() > 0  # defectors are erased under every doctrine
    if "censors" in REGISTRY[doctrine].traits:  # these exercise every rule
        assert (fast.metrics["erased_names"] > 0).mean() > 0.9
        assert (fast.metrics["history_distortion"] > 0).all()


class PhasedCensor(Terror):
    """Terror with censorship that changes month by month (no built-in doctrine's does)."""

    name = "phased_censor"

    def censorship(self, month: str) -> Censorship:
        return Censorship(
            erase_repressed=0.35 if month < "1941-06" else (1.0 if month < "1943-01" else 0.0),
            relabel=month >= "1942-07",
            hide_secret="1938-01" <= month < "1944-01",
        )


def test_month_by_month_censorship() -> None:
    doc = PhasedCensor()
    fast = stavka.simulate(doctrine=doc, runs=60, seed=5, events=False)
    slow = stavka.simulate(doctrine=doc, runs=60, seed=5, events=True)
    assert_history_equal(fast.metrics, slow.metrics)
    assert fast.metrics.equals(slow.metrics)
    assert (fast.metrics["erased_names"] > 0).all()


def test_run_order_and_single_runs() -> None:
    """The compiled metrics of a run do not depend on its batch: run ids out of order, and a run alone,
    against the same runs in the batch of RUNS."""
    ids = [13, 2, 40, 7]
    fast = stavka.simulate(doctrine="historical", seed=SEED, run_ids=ids, events=False).metrics
    alone = stavka.simulate(doctrine="historical", seed=SEED, run_ids=[40], events=False).metrics
    slow = sim("historical").metrics.set_index("run").loc[ids].reset_index()
    assert_history_equal(fast, slow)
    assert_history_equal(alone, slow.iloc[[2]].reset_index(drop=True))


# --- synthetic ledgers: every rule and edge of the pandas derivation ---------------------------------------

N_MONTHS = 12
LABELS = [f"1941-{m:02d}" for m in range(1, 13)]


def synthetic(rng: np.random.Generator, n_runs: int) -> tuple[list[list[tuple[int, int, int, int]]], np.ndarray]:
    """Per run, a list of (month, kind, officer, other) in month order; a few officers so that erased men
    reappear often; officer -1 (no officer) even on fatal events; one run with no events at all."""
    kinds = np.array([int(k) for k in Kind])
    weights = np.where(np.isin(kinds, [Kind.DEFECTION, Kind.EXECUTION, Kind.VICTORY, Kind.TRANSFER]), 4.0, 1.0)
    runs = []
    for r in range(n_runs):
        n = 0 if r == 1 else int(rng.integers(1, 60))
        months = np.sort(rng.integers(0, N_MONTHS, n))
        kind = rng.choice(kinds, n, p=weights / weights.sum())
        officer = rng.integers(-1, 12, n)
        other = np.where(rng.random(n) < 0.5, -1, rng.integers(-1, 12, n))
        runs.append([(int(t), int(k), int(o), int(x)) for t, k, o, x in zip(months, kind, officer, other, strict=True)])
    credit = rng.random((n_runs, N_MONTHS)) * (rng.random((n_runs, N_MONTHS)) < 0.7)
    return runs, credit


def as_batch_log(runs: list[list[tuple[int, int, int, int]]], credit: np.ndarray, one_block: bool = False) -> BatchLog:
    """The BatchLog the engine would write: month by month (the Python path: a block a month), runs in batch
    order, emission order; or, with `one_block`, as the compiled path writes all months at once: run by
    run, month and emission order."""
    flat = sorted(
        ((t, r, j, k, o, x) for r, evs in enumerate(runs) for j, (t, k, o, x) in enumerate(evs)),
        key=(lambda f: (f[1], f[0], f[2])) if one_block else None,
    )
    rec = np.zeros(len(flat), dtype=EVENT)
    rec["kind"] = [f[3] for f in flat]
    rec["officer"] = [f[4] for f in flat]
    rec["other"] = [f[5] for f in flat]
    counts = np.zeros((N_MONTHS, len(runs)), dtype=np.int64)
    np.add.at(counts, ([f[0] for f in flat], [f[1] for f in flat]), 1)
    return BatchLog(
        series={"credit": credit},
        records=rec,
        counts=counts,
        n_events=len(flat),
        next_month=N_MONTHS,
        blocks=[0] if one_block else list(range(N_MONTHS)),
    )


def as_table(runs: list[list[tuple[int, int, int, int]]], ids: np.ndarray) -> pd.DataFrame:
    """The ledger table the pandas derivation reads: by run (batch order), then month, emission order."""
    rows = [
        (int(ids[r]), LABELS[t], KIND_TEXT[Kind(k)], f"officer {o}" if o >= 0 else "", o, x)
        for r, evs in enumerate(runs)
        for t, k, o, x in evs
    ]
    df = pd.DataFrame(rows, columns=["run", "month", "kind", "officer", "officer_id", "other_id"])
    return df.assign(post="", front="", cause="", detail="", value=0.0)


def censorship(month: str) -> Censorship:
    m = int(month[5:])
    return Censorship(erase_repressed=(0.0, 0.4, 1.0)[m % 3], relabel=m % 4 != 0, hide_secret=m % 5 < 3)


@pytest.mark.parametrize("one_block", [False, True])
@pytest.mark.parametrize("case", range(6))
def test_synthetic_ledgers(case: int, one_block: bool) -> None:
    rng = np.random.default_rng(case)
    n_runs = 12
    ids = rng.permutation(1000)[:n_runs].astype(np.int64)
    runs, credit = synthetic(rng, n_runs)
    seed = int(rng.integers(0, 2**31))
    dist, erased = history_stats(as_batch_log(runs, credit, one_block), ids, seed, censorship, LABELS)
    credit_of = {(int(ids[r]), LABELS[t]): credit[r, t] for r in range(n_runs) for t in range(N_MONTHS)}
    _, stats = legacy_official_history(as_table(runs, ids), seed, censorship, lambda r, m: credit_of[(r, m)])
    want = pd.DataFrame({"run": ids}).merge(stats, left_on="run", right_index=True, how="left")
    want["history_distortion"] = want["history_distortion"].fillna(0.0)
    want["erased_names"] = want["erased_names"].fillna(0).astype(np.int64)
    assert_history_equal(pd.DataFrame({"history_distortion": dist, "erased_names": erased}), want)
    assert dist[1] == 0.0 and erased[1] == 0  # the run without events
    assert erased.sum() > 0 and 0 < dist.sum() < n_runs


def test_distinct_run_ids_required() -> None:
    runs, credit = synthetic(np.random.default_rng(0), 2)
    with pytest.raises(ValueError, match="distinct"):
        history_stats(as_batch_log(runs, credit), np.array([3, 3]), 0, censorship, LABELS)
    # and simulate refuses a run id given twice (each run id is one run)
    with pytest.raises(stavka.ConfigError, match="given twice"):
        stavka.simulate(doctrine="terror", seed=1, run_ids=[4, 4], events=False)
