"""Sweeps: the sweep file, a real sweep process killed with SIGKILL mid-way and resumed (no run lost,
none duplicated), equal stored results with 1 and 2 workers and any chunk size, an existing cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import stavka
from stavka.config import ConfigError
from stavka.storage import Store
from stavka.sweep import chunks_todo, load_sweep, plan, run_sweep

RUNS, CHUNK, KEEP = 20, 5, 3
SPEC = f"""
name = "killed"
scenario = "default"
doctrines = ["terror", "meritocratic"]
runs = {RUNS}
seed = 5
chunk = {CHUNK}
events = {KEEP}
"""
TOTAL = 2 * RUNS
DATA = ("metrics", "events", "official", "series")


def write(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


# --- the sweep file -------------------------------------------------------------------------------------------


def test_grid_cells_and_keys(tmp_path: Path) -> None:
    spec = load_sweep(
        write(tmp_path, SPEC + '[grid]\n"doctrine.rotate_popular" = [0.1, 0.5]\n"scenario.operations.noise_km" = [10, 30]\n')
    )
    exp, plans = plan(spec)
    assert len(exp.cells) == 2 * 4 and exp.total_runs == 8 * RUNS
    first = exp.cells[0]
    assert first.doctrine == "terror" and first.overrides == {"doctrine.rotate_popular": 0.1, "scenario.operations.noise_km": 10}
    assert first.doctrine_params["rotate_popular"] == 0.1
    assert plans[1].scenario.operations.noise_km == 30 and exp.cells[1].scenario_hash != first.scenario_hash
    assert exp.experiment.startswith("killed-")
    assert plan(load_sweep(write(tmp_path, SPEC + "[grid]\nrotate_popular = [0.1, 0.5]\n")))[0].cells[1].overrides == {
        "doctrine.rotate_popular": 0.5
    }  # plain names are doctrine parameters


def test_latin_hypercube_is_seeded_and_in_range(tmp_path: Path) -> None:
    text = SPEC + '[lhs]\nsamples = 6\n"doctrine.rotate_popular" = [0.0, 1.0]\n"scenario.operations.noise_km" = [5, 50]\n'
    a, b = load_sweep(write(tmp_path, text)).points(), load_sweep(write(tmp_path, text)).points()
    assert a == b and len(a) == 6
    r = sorted(p["doctrine.rotate_popular"] for p in a)
    assert all(k / 6 <= x <= (k + 1) / 6 for k, x in enumerate(r))  # one point in each stratum
    assert all(isinstance(p["scenario.operations.noise_km"], int) and 5 <= p["scenario.operations.noise_km"] <= 50 for p in a)


@pytest.mark.parametrize(
    "extra, needle",
    [
        ("colour = 3\n", "colour: unknown parameter"),
        ('[grid]\n"doctrine.rotate_popular" = []\n', "non-empty"),
        ('[grid]\n"doctrine.nonsense" = [1]\n', "unknown parameter 'nonsense'"),
        ('[grid]\n"scenario.operations" = [1]\n', "scenario.SECTION.PARAMETER"),
        ('[lhs]\n"doctrine.rotate_popular" = [0, 1]\n', "lhs.samples"),
        ('[lhs]\nsamples = 3\n"doctrine.rotate_popular" = [1, 0]\n', "low <= high"),
        ("[grid]\nrotate_popular = [0.1]\n[lhs]\nsamples = 2\nrotate_popular = [0, 1]\n", "not both"),
    ],
)
def test_sweep_file_mistakes_name_file_and_field(tmp_path: Path, extra: str, needle: str) -> None:
    path = write(tmp_path, SPEC + extra)
    with pytest.raises(ConfigError, match=needle) as info:
        plan(load_sweep(path))
    assert str(path) in str(info.value)


def test_chunks_cover_exactly_the_missing_runs() -> None:
    done = {0: [(7, 2), (0, 3)], 1: [(0, 4), (4, 6)]}
    todo = list(chunks_todo(10, 3, done, 3))
    assert todo == [(0, 3, 3), (0, 6, 1), (0, 9, 1), (2, 0, 3), (2, 3, 3), (2, 6, 3), (2, 9, 1)]


def test_chunks_of_a_huge_sweep_are_lazy() -> None:
    """The plan of 10^12 runs is a generator: its first chunks come at once, nothing is listed."""
    todo = chunks_todo(10**12, 2, {0: [(0, 10**12 - 5)]}, 250)
    assert next(todo) == (0, 10**12 - 5, 5) and next(todo) == (1, 0, 250)


# --- kill, resume, workers ---------------------------------------------------------------------------------------


def _stored_counts(db: Path) -> dict[str, int]:
    with Store(db, read_only=True) as store:
        return {t: int(store.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in ("runs", "metrics", "chunks")}


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A real `stavka sweep` process (1 worker) killed with SIGKILL after its second chunk, then the
    same command run again to completion."""
    folder = tmp_path_factory.mktemp("killed")
    spec, db = write(folder, SPEC), folder / "sweep.duckdb"
    cmd = [sys.executable, "-m", "stavka.cli", "sweep", str(spec), "--db", str(db), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    timer = threading.Timer(480, lambda: os.killpg(proc.pid, signal.SIGKILL))
    timer.start()
    seen = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if line.startswith(f"stored {2 * CHUNK}/"):
                os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-way
                break
        proc.wait(timeout=60)
    finally:
        timer.cancel()
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    time.sleep(0.5)
    at_kill = _stored_counts(db)
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stderr and "resumed" in resumed.stdout
    return db, at_kill


def test_killed_store_opens_cleanly_with_whole_chunks(killed_and_resumed: tuple[Path, dict[str, int]]) -> None:
    _, at_kill = killed_and_resumed
    assert 2 * CHUNK <= at_kill["runs"] < TOTAL  # some stored, not all
    assert at_kill["runs"] == at_kill["metrics"] == CHUNK * at_kill["chunks"]  # whole chunks only


def test_resumed_sweep_has_every_run_once(killed_and_resumed: tuple[Path, dict[str, int]]) -> None:
    db, _ = killed_and_resumed
    back = stavka.load(db)
    (exp,) = back.experiments.itertuples()
    assert exp.status == "complete" and exp.total_runs == TOTAL
    keys = set(zip(back.runs["cell"], back.runs["run"], strict=True))
    assert len(back.runs) == TOTAL and keys == {(c, r) for c in range(2) for r in range(RUNS)}
    assert set(zip(back.metrics["cell"], back.metrics["run"], strict=True)) == keys and len(back.metrics) == TOTAL
    n_months = back.series.groupby(["cell", "run"]).size()
    assert len(n_months) == TOTAL and n_months.nunique() == 1
    assert not back.series.duplicated(["cell", "run", "month"]).any()
    # the completed-chunk records tile the runs exactly
    covered = sorted((c.cell, r) for c in back.chunks.itertuples() for r in range(c.first_run, c.first_run + c.n_runs))
    assert covered == sorted(keys)
    # ledgers for the first runs of each cell, each event once
    assert set(zip(back.events["cell"], back.events["run"], strict=True)) == {(c, r) for c in range(2) for r in range(KEEP)}
    assert not back.events.duplicated(["cell", "run", "seq"]).any()
    assert not back.official.duplicated(["cell", "run", "seq"]).any()


def _data(db: Path) -> dict[str, pd.DataFrame]:
    back = stavka.load(db)
    keys = {
        "metrics": ["cell", "run"],
        "events": ["cell", "run", "seq"],
        "official": ["cell", "run", "seq"],
        "series": ["cell", "run", "month"],
    }
    return {t: back[t].sort_values(keys[t]).reset_index(drop=True) for t in DATA}


def test_two_workers_and_other_chunks_store_the_same(tmp_path: Path, killed_and_resumed: tuple[Path, dict[str, int]]) -> None:
    db2 = tmp_path / "two.duckdb"
    summary = run_sweep(write(tmp_path, SPEC), db=db2, workers=2, chunk=7)
    assert summary.simulated == TOTAL and summary.workers == 2
    one, two = _data(killed_and_resumed[0]), _data(db2)
    for table in DATA:
        pd.testing.assert_frame_equal(one[table], two[table], obj=table)
    again = run_sweep(write(tmp_path, SPEC), db=db2, workers=2)  # nothing left to do
    assert again.simulated == 0 and again.resumed == TOTAL


def test_existing_cluster_via_scheduler_address(tmp_path: Path, killed_and_resumed: tuple[Path, dict[str, int]]) -> None:
    from distributed import LocalCluster

    small = SPEC.replace(f"runs = {RUNS}", "runs = 6").replace('["terror", "meritocratic"]', '["meritocratic"]')
    db = tmp_path / "remote.duckdb"
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        summary = run_sweep(write(tmp_path, small), db=db, scheduler=cluster.scheduler_address, chunk=3)
    assert summary.simulated == 6
    got = stavka.load(db).metrics.drop(columns=["experiment", "cell"]).reset_index(drop=True)
    full = stavka.load(killed_and_resumed[0]).metrics
    want = full[(full["doctrine"] == "meritocratic") & (full["run"] < 6)].drop(columns=["experiment", "cell"])
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True))  # the same runs, whatever the cluster


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    small = SPEC.replace(f"runs = {RUNS}", "runs = 2")
    with pytest.raises(ConfigError, match="cannot connect"):
        run_sweep(write(tmp_path, small), db=tmp_path / "x.duckdb", scheduler="tcp://127.0.0.1:9")
