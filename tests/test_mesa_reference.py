"""The Mesa reference (benchmarks/mesa_reference.py) and the engine are the same model: for the same
(seed, run) they write the same true event log, event for event, and the same metrics, to the last bit.

Which test, and why an exact one: the reference draws every random number from stavka's counter-based
streams with the engine's keys (seed, run, month, purpose, officer or front, sub-draw), iterates officers in
slot order as the kernels do, and evaluates every floating-point expression in the kernels' order with the
same libm functions (exp, log, cos, sqrt).  Nothing is left to chance or to summation order, so equality can
be required exactly; a distribution test (which could hide a real divergence) is not needed.  It is checked
for every built-in doctrine on a few runs each (Mesa is slow: about a second a run), with no tolerance.
`python benchmarks/compare_mesa.py --agree` checks more runs (it prints how many logs match).

Skipped where the optional `bench` extra (Mesa) is not installed: `pip install -e ".[test,bench]"`.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mesa", reason="the Mesa reference needs the optional extra: pip install -e '.[bench]'")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import mesa_reference  # noqa: E402

import stavka  # noqa: E402
from stavka.doctrines import BUILTINS, get_doctrine  # noqa: E402
from stavka.engine.driver import Engine  # noqa: E402
from stavka.metrics import METRICS  # noqa: E402
from stavka.scenario import Scenario  # noqa: E402

SEED = 7
RUNS = [0, 13]  # two runs per doctrine: about 10 s of Mesa on an idle machine for the five doctrines
DOCTRINES = ["passive", "terror", "historical", "break_and_use", "meritocratic"]

Event = tuple[int, int, int, int, int, int, int, float]


@pytest.fixture(autouse=True, scope="module")
def one_thread():  # type: ignore[no-untyped-def]
    """Batches of two runs: one thread avoids waiting on a second one on a busy machine (results do not
    depend on the number of threads)."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def engine_logs(doctrine: str, runs: list[int]) -> dict[int, list[Event]]:
    """The engine's true log of each run, as (month, kind, officer, other, post, front, cause, value)."""
    engine = Engine(Scenario.load("default"), SEED, np.array(runs, dtype=np.int64))
    engine.run_to_end(get_doctrine(doctrine).decide)
    out: dict[int, list[Event]] = {r: [] for r in runs}
    for t, rows, rec in engine.log.events:
        for row, e in zip(rows.tolist(), rec.tolist(), strict=True):
            kind, officer, other, post, front, cause, value = e
            out[runs[row]].append((t, kind, officer, other, post, front, cause, float(value)))
    return out


def mesa_log(model: mesa_reference.StavkaModel) -> list[Event]:
    """The reference's log, values stored as the engine stores them (float32)."""
    return [(t, k, o, ot, p, f, c, float(np.float32(v))) for (t, k, o, ot, p, f, c, v) in model.events]


def first_difference(a: list[Event], b: list[Event]) -> str:
    for j, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"event {j}: mesa {x} vs engine {y}"
    return f"lengths differ: mesa {len(a)} vs engine {len(b)}"


def missing(x: object) -> bool:
    """None or NaN: pandas may store an undefined `victory_month` as either."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def same_value(a: object, b: object) -> bool:
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return bool(a == b)


def test_every_builtin_doctrine_is_covered() -> None:
    # (`human`, also registered, has no rules of its own: without orders it is its fallback, a built-in)
    assert set(DOCTRINES) == set(BUILTINS)


@pytest.mark.parametrize("doctrine", DOCTRINES)
def test_identical_event_logs_and_metrics(doctrine: str) -> None:
    expected = engine_logs(doctrine, RUNS)
    sim = stavka.simulate(doctrine=doctrine, seed=SEED, run_ids=RUNS)
    for run in RUNS:
        model = mesa_reference.simulate_model(doctrine, SEED, run)
        got = mesa_log(model)
        assert got == expected[run], f"{doctrine} run {run}: {first_difference(got, expected[run])}"
        metrics = model.metrics()
        row = sim.metrics.set_index("run").loc[run]
        assert list(metrics) == list(METRICS)
        wrong = {k: (metrics[k], row[k]) for k in METRICS if not same_value(metrics[k], row[k])}
        assert not wrong, f"{doctrine} run {run}: metrics differ (mesa, stavka): {wrong}"


def test_event_table_matches_the_api() -> None:
    """The reference's event table (the input of the official history) has the API's rows and columns."""
    run = 13
    model = mesa_reference.simulate_model("historical", SEED, run)
    mine = model.events_frame()
    api = stavka.simulate(doctrine="historical", seed=SEED, run_ids=[run]).events
    cols = ["run", "month", "kind", "officer", "officer_id", "other_id", "post", "front", "cause", "value"]
    assert list(mine.columns) == list(api.columns)
    assert mine[cols].reset_index(drop=True).equals(api[cols].reset_index(drop=True))


def test_run_returns_the_metrics_of_simulate() -> None:
    got = mesa_reference.run("terror", SEED, 5)
    assert set(got) == set(METRICS)
    row = stavka.simulate(doctrine="terror", seed=SEED, run_ids=[5]).metrics.iloc[0]
    assert all(same_value(got[k], row[k]) for k in METRICS)
