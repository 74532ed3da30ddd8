"""The official history (M9), one compiled pass (`stavka.ledger.censor`): its rules on ledgers whose marks are
known, the same tables and stats as the pandas derivation it replaced (frozen in `legacy_history.py`) on
synthetic ledgers that exercise every rule and edge, and the columns and dtypes of the two tables.

Exact throughout: marks and names are decisions, the distortion one IEEE division of two counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from legacy_history import legacy_official_history

import stavka
from stavka.doctrines import Censorship
from stavka.engine.codes import Kind
from stavka.engine.state import EVENT
from stavka.history import CREDIT_STREAM, ERASE_STREAM, KIND_TEXT, official_history
from stavka.ledger import BLANKED, COLUMNS, LEFT_OUT, REATTRIBUTED, RELABELLED, TableOrder, censor, empty_ledger
from stavka.rng import Purpose, stream_keys, uniform_at

LABELS = ["1941-01", "1941-02", "1941-03"]


def table_of(events: list[tuple[int, Kind, int, int]]) -> TableOrder:
    """One run's ledger table: (month, kind, officer, other) per row, in the record's order."""
    rec = np.zeros(len(events), dtype=EVENT)
    rec["kind"] = [int(e[1]) for e in events]
    rec["officer"] = [e[2] for e in events]
    rec["other"] = [e[3] for e in events]
    return TableOrder(
        rec,
        np.arange(len(events), dtype=np.int64),
        np.array([e[0] for e in events], dtype=np.int64),
        np.array([0, len(events)], dtype=np.int64),
    )


def frame_of(events: list[tuple[int, Kind, int, int]], run: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run": run,
            "month": [LABELS[e[0]] for e in events],
            "kind": [KIND_TEXT[e[1]] for e in events],
            "officer": [f"officer {e[2]}" if e[2] >= 0 else "" for e in events],
            "officer_id": [e[2] for e in events],
            "other_id": [e[3] for e in events],
            "post": "",
            "front": "",
            "cause": "",
            "detail": [f"d{j}" for j in range(len(events))],
            "value": 1.0,
        }
    )


def test_rules_on_a_known_ledger() -> None:
    """Every rule once, with certain draws (probabilities 0 or 1): the marks, the stats and the official table."""
    events = [
        (0, Kind.DENUNCIATION, 1, 9),  # secret, hidden in month 0
        (0, Kind.TRANSFER, 2, -1),  # relabelled: reorganisation
        (0, Kind.APPOINTMENT, 4, -1),  # names a defector (below): erased with him
        (1, Kind.VICTORY, 3, -1),  # credit 1 in month 1: reattributed
        (1, Kind.DEFECTION, 4, -1),  # erased, always
        (1, Kind.APPOINTMENT, 5, 4),  # the other party is the defector: blanked
        (2, Kind.EXECUTION, 6, -1),  # erase probability 1 in month 2: erased
        (0, Kind.EXECUTION, 8, -1),  # erase probability 0 in month 0: kept, relabelled discipline
        (2, Kind.VICTORY, 3, 6),  # credit 0 in month 2: kept, but the other party (6) was erased
        (2, Kind.DENUNCIATION, 7, -1),  # month 2 does not hide secrets
    ]
    rules = {
        "1941-01": Censorship(erase_repressed=0.0, relabel=True, hide_secret=True),
        "1941-02": Censorship(erase_repressed=0.0, relabel=False, hide_secret=True),
        "1941-03": Censorship(erase_repressed=1.0, relabel=False, hide_secret=False),
    }
    credit = np.array([[0.0, 1.0, 0.0]])
    c = censor(table_of(events), np.array([11]), 5, rules.__getitem__, LABELS, credit)
    want = [LEFT_OUT, RELABELLED, LEFT_OUT, REATTRIBUTED, LEFT_OUT, BLANKED, LEFT_OUT, RELABELLED, BLANKED, 0]
    assert c.marks.tolist() == want
    assert c.erased_names.tolist() == [2] and c.distortion.tolist() == [9 / 10]
    assert c.fall_month.tolist() == [1, 2] and c.fall_pos.tolist() == [4, 6]  # by month, then officer id

    official, stats = official_history(frame_of(events, 11), 5, rules.__getitem__, lambda r, m: credit[0, LABELS.index(m)])
    assert stats.loc[11, "erased_names"] == 2 and stats.loc[11, "history_distortion"] == 9 / 10
    got = list(official[["month", "kind", "officer", "officer_id", "other_id", "detail"]].itertuples(index=False, name=None))
    assert [tuple(x if x == x else None for x in row) for row in got] == [
        ("1941-01", "relabelling", "officer 2", 2, -1.0, "reorganisation"),
        ("1941-01", "relabelling", "officer 8", 8, -1.0, "discipline"),
        (
            "1941-02",
            "reattribution",
            "collective leadership",
            3,
            -1.0,
            "victory credited to the collective leadership of the Stavka",
        ),
        ("1941-02", "appointment", "officer 5", 5, -1.0, "d5"),  # other_id 4 blanked
        ("1941-02", "erasure", "officer 4", 4, None, "name removed from the record"),
        ("1941-03", "victory", "officer 3", 3, -1.0, "d8"),  # other_id 6 blanked, not reattributed
        ("1941-03", "denunciation", "officer 7", 7, -1.0, "d9"),
        ("1941-03", "erasure", "officer 6", 6, None, "name removed from the record"),
    ]
    assert official["value"].isna().tolist() == [False] * 4 + [True] + [False] * 2 + [True]


def test_erasure_and_credit_by_their_streams() -> None:
    """Executed officers are erased, and victories reattributed, exactly when their documented draws say
    so: `ERASE_STREAM` indexed by officer id, `CREDIT_STREAM` by the row's position in its run."""
    seed, run = 3, 40
    n = 400
    events = [(0, Kind.EXECUTION, o, -1) for o in range(n)] + [(1, Kind.VICTORY, n + j, -1) for j in range(n)]
    rules = {m: Censorship(erase_repressed=0.4) for m in LABELS}
    c = censor(table_of(events), np.array([run]), seed, rules.__getitem__, LABELS, np.array([[0.0, 0.3, 0.0]]))
    ids = np.array([run])
    u_erase = uniform_at(np.repeat(stream_keys(seed, ids, ERASE_STREAM, Purpose.CENSOR), n), np.arange(n))
    u_credit = uniform_at(np.repeat(stream_keys(seed, ids, CREDIT_STREAM, Purpose.CENSOR), n), np.arange(n, 2 * n))
    assert np.array_equal(c.marks[:n] == LEFT_OUT, u_erase < 0.4)
    assert np.array_equal(c.marks[n:] == REATTRIBUTED, u_credit < 0.3)
    assert c.erased_names[0] == (u_erase < 0.4).sum()
    assert 100 < c.erased_names[0] < 220 and 60 < (u_credit < 0.3).sum() < 180  # the probabilities, roughly


# --- against the pandas derivation it replaced --------------------------------------------------------------


def synthetic_table(rng: np.random.Generator, n_runs: int) -> tuple[pd.DataFrame, dict[tuple[int, str], float]]:
    """Runs in no order of id, one without events; few officers, so that erased men reappear often; officer
    -1 even on fatal events; details, places and causes to carry through; months not sorted within a run."""
    kinds = [k for k in Kind]
    weights = np.array([4.0 if k in (Kind.DEFECTION, Kind.EXECUTION, Kind.VICTORY, Kind.TRANSFER) else 1.0 for k in kinds])
    ids = rng.permutation(1000)[:n_runs]
    rows = []
    for r, run in enumerate(ids):
        n = 0 if r == 1 else int(rng.integers(1, 60))
        months = rng.integers(0, 12, n) if r == 2 else np.sort(rng.integers(0, 12, n))
        for t in months:
            o = int(rng.integers(-1, 12))
            other = -1 if rng.random() < 0.5 else int(rng.integers(-1, 12))
            k = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
            rows.append(
                (
                    int(run),
                    f"1942-{t + 1:02d}",
                    KIND_TEXT[k],
                    f"officer {o}" if o >= 0 else "",
                    o,
                    other,
                    rng.choice(["", "Western Front"]),
                    rng.choice(["", "Kiev MD"]),
                    rng.choice(["", "quota"]),
                    f"detail {int(rng.integers(0, 5))}",
                    float(rng.normal()),
                )
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    credit = {(int(run), f"1942-{t:02d}"): float(rng.random() * (rng.random() < 0.7)) for run in ids for t in range(1, 13)}
    return table, credit


def censorship(month: str) -> Censorship:
    m = int(month[5:])
    return Censorship(erase_repressed=(0.0, 0.4, 1.0)[m % 3], relabel=m % 4 != 0, hide_secret=m % 5 < 3)


@pytest.mark.parametrize("case", range(8))
def test_same_as_the_pandas_derivation(case: int) -> None:
    rng = np.random.default_rng(case)
    table, credit = synthetic_table(rng, 12)
    seed = int(rng.integers(0, 2**31))
    official, stats = official_history(table, seed, censorship, lambda r, m: credit[(r, m)])
    want_official, want_stats = legacy_official_history(table, seed, censorship, lambda r, m: credit[(r, m)])
    pd.testing.assert_frame_equal(official, want_official, check_exact=True)
    pd.testing.assert_frame_equal(stats, want_stats, check_exact=True)
    assert (official["kind"] == "erasure").sum() == stats["erased_names"].sum() > 0


@pytest.mark.parametrize("doctrine", ["terror", "historical"])
def test_simulate_official_is_the_pandas_derivation_of_its_events(doctrine: str) -> None:
    """`simulate`'s official table and history metrics are what the old pandas derivation makes of its true
    table (run ids out of order, in two batches)."""
    from stavka import api

    ids = [17, 3, 250, 9, 1000, 0]
    before = api.BATCH
    api.BATCH = 4
    try:
        res = stavka.simulate(doctrine=doctrine, seed=9, run_ids=ids)
    finally:
        api.BATCH = before
    doc = stavka.get_doctrine(doctrine)
    credit = {(int(r), m): c for r, m, c in zip(res.series["run"], res.series["month"], res.series["credit"], strict=True)}
    parts = [res.events[res.events["run"].isin(ids[:4])], res.events[res.events["run"].isin(ids[4:])]]
    want = [legacy_official_history(p, 9, doc.censorship, lambda r, m: credit[(r, m)]) for p in parts]
    pd.testing.assert_frame_equal(res.official, pd.concat([w[0] for w in want], ignore_index=True), check_exact=True)
    stats = pd.concat([w[1] for w in want]).loc[ids]
    assert np.array_equal(res.metrics["erased_names"].to_numpy(), stats["erased_names"].to_numpy())
    assert res.metrics["history_distortion"].to_numpy().tobytes() == stats["history_distortion"].to_numpy().tobytes()
    erasures = res.official[res.official["kind"] == "erasure"].groupby("run").size()
    assert np.array_equal(erasures.reindex(ids, fill_value=0).to_numpy(), res.metrics["erased_names"].to_numpy())


# --- the tables' contract ------------------------------------------------------------------------------------


def test_columns_and_dtypes() -> None:
    res = stavka.simulate(doctrine="terror", runs=3, seed=2)
    text = [c for c in COLUMNS if c not in ("run", "officer_id", "other_id", "value")]
    for frame, other in ((res.events, "int64"), (res.official, "float64")):
        assert list(frame.columns) == COLUMNS
        assert all(frame[c].dtype == "str" for c in text)
        assert frame["run"].dtype == frame["officer_id"].dtype == "int64" and frame["value"].dtype == "float64"
        assert frame["other_id"].dtype == other
        assert frame.index.equals(pd.RangeIndex(len(frame)))
        assert not frame[text].isna().any().any()
    for official in (False, True):
        pd.testing.assert_frame_equal(empty_ledger(official), (res.official if official else res.events).iloc[0:0])
    erasure = res.official["kind"] == "erasure"
    assert erasure.any() and res.official.loc[erasure, "other_id"].isna().all()
    assert not res.official.loc[~erasure, "other_id"].isna().any()
    assert set(res.events["kind"]) <= set(KIND_TEXT.values())
    assert set(res.official["kind"]) - set(KIND_TEXT.values()) <= {"relabelling", "reattribution", "erasure"}
    # the store's Arrow conversion takes them as they are
    from stavka.storage import chunk_from_frames

    chunk = chunk_from_frames(0, 0, 3, res.metrics, res.events, res.official, res.series)
    assert chunk.events.num_rows == len(res.events) and chunk.official.num_rows == len(res.official)
