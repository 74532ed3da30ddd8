"""The store under misuse (issue 9): no output path overwrites the store or a file stavka did not write;
readers are not locked out while a sweep writes; two runs writing one store both keep their results; a
damaged store is one line; failed commands leave no empty experiment and no empty store file; sweep
files are bounded; an older store is upgraded.  Every subprocess is bounded in time."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import stavka
from stavka import storage
from stavka.config import ConfigError
from stavka.report import write_report
from stavka.storage import Store, StoreError
from stavka.sweep import load_sweep, plan, save_results, simulate_keeping

STAVKA = [sys.executable, "-m", "stavka.cli"]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*STAVKA, *args], capture_output=True, text=True, timeout=timeout)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(res: subprocess.CompletedProcess[str], needle: str) -> None:
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, res.stderr
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], res.stderr
    assert "Traceback" not in res.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("faults") / "s.duckdb"
    save_results(db, "run", [simulate_keeping("default", "passive", range(4), 3, 2)], 4, 3, 2)
    return db


# --- 1. output paths ------------------------------------------------------------------------------------------


def test_report_refuses_to_overwrite_the_store_or_a_foreign_file(tmp_path: Path, store: Path) -> None:
    db = tmp_path / "s.duckdb"
    db.write_bytes(store.read_bytes())
    foreign = tmp_path / "other.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE thesis (x INTEGER)")
    con.close()
    notes = tmp_path / "notes.html"
    notes.write_text("<html>my notes</html>")
    before = {p: digest(p) for p in (db, foreign, notes)}
    for target, needle in (
        (db, "results store itself"),
        (foreign, "not a stavka HTML output"),
        (notes, "not a stavka HTML output"),
        (tmp_path, "is a directory"),
    ):
        with pytest.raises(ConfigError, match=needle):
            write_report(db, target)
    figures = tmp_path / "figs"
    figures.mkdir()
    (figures / "front_line.png").write_bytes(b"\x89PNG not ours")
    with pytest.raises(ConfigError, match="not a stavka PNG output"):
        write_report(db, figures, fmt="png")
    with pytest.raises(ConfigError, match="expected a directory"):
        write_report(db, notes, fmt="pdf")
    assert {p: digest(p) for p in before} == before
    # stavka's own outputs are replaced
    ours = tmp_path / "report.html"
    write_report(db, ours)
    write_report(db, ours)
    pdfs = tmp_path / "pdfs"
    write_report(db, pdfs, fmt="pdf")
    assert len(write_report(db, pdfs, fmt="pdf")) == len(list(pdfs.glob("*.pdf")))


def test_cli_report_onto_the_store_is_one_line_and_keeps_it(tmp_path: Path, store: Path) -> None:
    db = tmp_path / "s.duckdb"
    db.write_bytes(store.read_bytes())
    before = digest(db)
    one_line_error(run_cli("report", "--db", str(db), "--out", str(db)), "results store itself")
    assert digest(db) == before and len(stavka.load(db).metrics) == 4


# --- 4. readers and writers share the store --------------------------------------------------------------------

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("open", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_reader_waits_for_a_short_write(tmp_path: Path, store: Path) -> None:
    """Another process holding the store for a moment (as a sweep does for each chunk): readers wait."""
    db = tmp_path / "s.duckdb"
    db.write_bytes(store.read_bytes())
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        start = time.monotonic()
        assert len(stavka.load(db).metrics) == 4
        assert time.monotonic() - start > 0.5  # it did wait for the holder
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_a_store_held_too_long_is_one_line(tmp_path: Path, store: Path) -> None:
    db = tmp_path / "s.duckdb"
    db.write_bytes(store.read_bytes())
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        start = time.monotonic()
        with pytest.raises(StoreError, match=rf"in use by another process \(PID {holder.pid}\) \(waited 1 s\)"):
            Store(db, read_only=True, wait=1.0)
        assert time.monotonic() - start < 10
    finally:
        holder.kill()
        holder.wait(timeout=30)


SWEEP = """scenario = "default"
doctrines = ["passive"]
runs = 48
seed = 5
chunk = 4
events = 2
"""


def test_readers_work_while_a_sweep_writes(tmp_path: Path) -> None:
    """`stavka experiments`, `stavka.load` and `stavka report` succeed during a sweep, on what it has stored
    so far, and the sweep completes."""
    spec, db = tmp_path / "s.toml", tmp_path / "s.duckdb"
    spec.write_text(SWEEP)
    proc = subprocess.Popen(
        [*STAVKA, "sweep", str(spec), "--db", str(db), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    seen: list[int] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("stored "):
                break
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline and len(seen) < 3:
            seen.append(len(stavka.load(db, tables=["runs"]).runs))
            listing = run_cli("experiments", "--db", str(db), "--json", timeout=120)
            assert listing.returncode == 0, listing.stderr
            time.sleep(0.5)
        if proc.poll() is None:
            write_report(db, tmp_path / "during.html")
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == 0, err
    assert seen and all(0 < n <= 48 for n in seen) and seen == sorted(seen)
    assert len(stavka.load(db).runs) == 48


def test_two_runs_writing_one_store_both_keep_their_results(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    procs = [
        subprocess.Popen(
            [*STAVKA, "run", "--runs", "30", "--seed", str(seed), "--doctrine", doctrine, "--db", str(db), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, doctrine in ((1, "passive"), (2, "terror"))
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    back = stavka.load(db)
    assert sorted(back.experiments["seed"]) == [1, 2] and len(back.runs) == 60


# --- 5. a damaged store ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.02, 0.1, 0.5])
def test_a_truncated_store_is_one_line(tmp_path: Path, store: Path, keep: float) -> None:
    data = store.read_bytes()
    db = tmp_path / "cut.duckdb"
    db.write_bytes(data[: max(16, int(len(data) * keep))])
    before = digest(db)
    with pytest.raises(StoreError) as info:
        stavka.load(db)
    assert "\n" not in str(info.value) and str(db) in str(info.value)
    with pytest.raises(StoreError):
        write_report(db, tmp_path / "r.html")
    assert digest(db) == before and not (tmp_path / "r.html").exists()


def test_cli_on_a_truncated_store_is_one_line(tmp_path: Path, store: Path) -> None:
    data = store.read_bytes()
    db = tmp_path / "cut.duckdb"
    db.write_bytes(data[: len(data) // 5])
    one_line_error(run_cli("experiments", "--db", str(db)), str(db))


# --- 6, 10. bounds and leftovers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, needle",
    [
        (SWEEP.replace("runs = 48", "runs = 10000000000000"), "runs"),
        (SWEEP.replace("seed = 5", "seed = 9223372036854775808"), "seed"),
        (SWEEP.replace("seed = 5", "seed = 1.5"), "seed"),
        (SWEEP.replace("runs = 48", "runs = true"), "runs"),
        (SWEEP + '[lhs]\nsamples = 100000000\n"doctrine.rotate_popular" = [0.0, 1.0]\n', "lhs.samples"),
        (
            SWEEP.replace("runs = 48", "runs = 100000000") + '[grid]\n"scenario.operations.noise_km" = [10, 11, 12, 13, 14, '
            "15, 16, 17, 18, 19, 20]\n",
            "more than a sweep may have",
        ),
    ],
)
def test_sweep_bounds(tmp_path: Path, text: str, needle: str) -> None:
    spec = tmp_path / "big.toml"
    spec.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        plan(load_sweep(spec))


def test_a_refused_sweep_leaves_no_store_and_no_experiment(tmp_path: Path, store: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP)
    new = tmp_path / "new.duckdb"
    res = run_cli("sweep", str(spec), "--db", str(new), "--scheduler", "tcp://127.0.0.1:9")
    assert res.returncode != 0 and "Traceback" not in res.stderr, res.stderr
    assert not new.exists() and not Path(f"{new}.wal").exists()
    old = tmp_path / "old.duckdb"
    old.write_bytes(store.read_bytes())
    res = run_cli("sweep", str(spec), "--db", str(old), "--scheduler", "tcp://127.0.0.1:9")
    assert res.returncode != 0
    back = stavka.load(old)
    assert list(back.experiments["kind"]) == ["run"]  # no empty "running" sweep for `stavka report` to pick


def test_the_latest_experiment_is_one_with_runs(tmp_path: Path, store: Path) -> None:
    db = tmp_path / "s.duckdb"
    db.write_bytes(store.read_bytes())
    exp, _ = plan(load_sweep(_write(tmp_path / "s.toml", SWEEP)))
    with Store(db) as s:
        s.begin_experiment(exp)  # as a sweep killed before its first chunk leaves it
        assert s.resolve(None) != exp.experiment
        assert s.drop_if_empty(exp.experiment) and s.experiment_status(exp.experiment) is None


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_failed_run_leaves_no_empty_store(tmp_path: Path) -> None:
    """`stavka run` checks the store before simulating but creates it only when it saves: interrupted
    while simulating, it leaves nothing."""
    db = tmp_path / "new.duckdb"
    proc = subprocess.Popen(
        [*STAVKA, "run", "--runs", "5000", "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(6)
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --- migration ---------------------------------------------------------------------------------------------------


def test_a_schema_1_store_is_upgraded(tmp_path: Path, store: Path) -> None:
    db = tmp_path / "v1.duckdb"
    db.write_bytes(store.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE cells DROP COLUMN doctrine_record")
    con.execute("ALTER TABLE experiments DROP COLUMN source_hash")
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'calibration%'").fetchall():
        con.execute(f"DROP TABLE {table}")  # schema 3's
    con.execute("DROP TABLE careers")  # schema 4's
    con.execute("DROP TABLE officers")
    con.execute("ALTER TABLE runs DROP COLUMN follow_record_until")
    con.execute("UPDATE stavka_meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    back = stavka.load(db)
    assert back.meta["schema_version"] == str(storage.SCHEMA_VERSION) == "4"
    assert "doctrine_record" in back.cells.columns and back.cells["doctrine_record"].isna().all()
    assert len(back.metrics) == 4
    save_results(db, "run", [simulate_keeping("default", "terror", range(2), 3, 0)], 2, 3, 0)
    assert len(stavka.load(db).experiments) == 2
