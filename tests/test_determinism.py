"""Property 1: same seed, same scenario, same doctrine: identical event logs, whether a run is
simulated alone, in a batch, in another order, or with another number of worker threads.

This is an exact property, not a statistical one: it is checked run by run on all RUNS = 200 runs
of a batch (every run must match, no tolerance), and for run 13 alone.  The NumPy copy of the
random streams is checked against the compiled one in test_rng.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from conftest import RUNS, SEED, sim

import stavka

DOCTRINE = "terror"  # the doctrine with the most personnel actions, so the most to get wrong


def by_run(df: pd.DataFrame) -> dict[int, pd.DataFrame]:
    return {int(r): g.reset_index(drop=True) for r, g in df.groupby("run", sort=True)}


def run_digests(df: pd.DataFrame) -> dict[int, str]:
    """One hash per run of its rows in order (content of every column)."""
    out = {}
    for r, g in df.groupby("run", sort=True):
        h = pd.util.hash_pandas_object(g.reset_index(drop=True), index=True).to_numpy()
        out[int(r)] = f"{len(g)}:{hashlib.sha256(h.tobytes()).hexdigest()[:20]}"
    return out


def differing(a: dict[int, pd.DataFrame], b: dict[int, pd.DataFrame]) -> list[int]:
    runs = sorted(set(a) | set(b))
    return [r for r in runs if r not in a or r not in b or not a[r].equals(b[r])]


@pytest.fixture(scope="module")
def batch() -> stavka.SimulationResult:
    return sim(DOCTRINE)


@pytest.fixture(scope="module")
def alone() -> stavka.SimulationResult:
    return stavka.simulate(doctrine=DOCTRINE, seed=SEED, run_ids=[13], events=True)


@pytest.fixture(scope="module")
def reversed_batch() -> stavka.SimulationResult:
    return stavka.simulate(doctrine=DOCTRINE, seed=SEED, run_ids=range(RUNS - 1, -1, -1), events=True)


def test_true_log_alone_equals_batch(batch: stavka.SimulationResult, alone: stavka.SimulationResult) -> None:
    one = alone.events.reset_index(drop=True)
    assert len(one) > 100
    assert by_run(batch.events)[13].equals(one), "run 13's true event log differs alone and in a batch of 200"


def test_true_log_reversed_order(batch: stavka.SimulationResult, reversed_batch: stavka.SimulationResult) -> None:
    bad = differing(by_run(batch.events), by_run(reversed_batch.events))
    assert not bad, f"true event logs differ in reversed order for {len(bad)} of {RUNS} runs, e.g. {bad[:5]}"


def test_official_history_alone_equals_batch(batch: stavka.SimulationResult, alone: stavka.SimulationResult) -> None:
    """The second ledger is an event log too: the official history of run 13 must not depend on
    the batch it was simulated in."""
    a, b = by_run(batch.official)[13], alone.official.reset_index(drop=True)
    if not a.equals(b):
        diff = a.merge(b, how="outer", indicator=True)
        n = int((diff["_merge"] != "both").sum())
        kinds = diff.loc[diff["_merge"] != "both", "kind"].value_counts().to_dict()
        pytest.fail(
            f"run 13's official history differs alone and in a batch of 200: {n} rows of {len(a)}/{len(b)} differ (kinds {kinds})"
        )


def test_official_history_reversed_order(batch: stavka.SimulationResult, reversed_batch: stavka.SimulationResult) -> None:
    bad = differing(by_run(batch.official), by_run(reversed_batch.official))
    assert not bad, f"official histories differ in reversed order for {len(bad)} of {RUNS} runs: {bad[:5]}"


def test_metrics_alone_equal_batch(batch: stavka.SimulationResult, alone: stavka.SimulationResult) -> None:
    a = batch.metrics[batch.metrics["run"] == 13].reset_index(drop=True)
    b = alone.metrics.reset_index(drop=True)
    diff = a.compare(b)
    assert diff.empty, f"run 13's metrics differ alone and in a batch of 200:\n{diff.to_string()}"


def test_metrics_reversed_order(batch: stavka.SimulationResult, reversed_batch: stavka.SimulationResult) -> None:
    a = batch.metrics.sort_values("run").reset_index(drop=True)
    b = reversed_batch.metrics.sort_values("run").reset_index(drop=True)
    diff = a.compare(b)
    assert diff.empty, f"metrics differ in reversed order for {diff.shape[0]} of {RUNS} runs:\n{diff.head()}"


# The child runs what `simulate` runs for the true ledger (one batch: the engine, then the ledger
# frame), leaving out the official history and metrics, which no thread ever touches.
_CHILD = textwrap.dedent("""
    import json, sys
    import numba, numpy as np
    sys.path.insert(0, {tests!r})
    from stavka.api import events_frame
    from stavka.doctrines import get_doctrine
    from stavka.engine.driver import Engine
    from stavka.scenario import Scenario
    from test_determinism import run_digests
    ids = np.arange({runs}, dtype=np.int64)
    engine = Engine(Scenario.load("default"), {seed}, ids)
    engine.run_to_end(get_doctrine({doctrine!r}).decide)
    digests = run_digests(events_frame(engine, ids))
    print(json.dumps({{"threads": numba.config.NUMBA_NUM_THREADS, "digests": digests}}))
""")


def _child(threads: int) -> subprocess.Popen[str]:
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads)}
    code = _CHILD.format(tests=os.path.dirname(__file__), doctrine=DOCTRINE, runs=RUNS, seed=SEED)
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_true_log_independent_of_thread_count(batch: stavka.SimulationResult) -> None:
    """The batch of 200 simulated in fresh processes with NUMBA_NUM_THREADS=1 and =2 gives, run by
    run, the same true event log as each other and as this process."""
    children = {n: _child(n) for n in (1, 2)}
    found = {}
    for n, proc in children.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"child with NUMBA_NUM_THREADS={n} failed:\n{err[-2000:]}"
        data = json.loads(out.strip().splitlines()[-1])
        assert data["threads"] == n
        found[n] = {int(k): v for k, v in data["digests"].items()}
    here = run_digests(batch.events)
    assert len(here) == RUNS
    for n, digests in found.items():
        bad = [r for r in here if digests.get(r) != here[r]]
        assert not bad, f"NUMBA_NUM_THREADS={n}: true event logs differ for {len(bad)} of {RUNS} runs: {bad[:5]}"


def test_a_workspace_kept_from_call_to_call_changes_nothing(batch: stavka.SimulationResult) -> None:
    """`simulate(..., workspace=...)` as a sweep worker calls it: calls of other sizes and doctrines on the
    same memory before and after; the batch's tables are those of a call with its own memory, and stay so
    when the memory is used again (nothing returned refers to it)."""
    from stavka.engine.state import Workspace

    workspace = Workspace()
    stavka.simulate(doctrine="meritocratic", seed=SEED + 1, runs=RUNS + 7, events=True, workspace=workspace)
    stavka.simulate(doctrine="passive", seed=SEED, runs=3, events=False, workspace=workspace)
    again = stavka.simulate(doctrine=DOCTRINE, seed=SEED, runs=RUNS, events=True, workspace=workspace)
    stavka.simulate(doctrine="break_and_use", seed=SEED + 2, runs=RUNS, events=True, workspace=workspace)
    pd.testing.assert_frame_equal(again.metrics, batch.metrics)
    pd.testing.assert_frame_equal(again.series, batch.series)
    pd.testing.assert_frame_equal(again.events, batch.events)
    pd.testing.assert_frame_equal(again.official, batch.official)
