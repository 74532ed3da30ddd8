"""The results store: a round trip of every table, replacement without duplicates, refusal of files
that are not ours (left byte for byte untouched), migrations, newer stores, read-only paths and a
full disk (no half-written rows)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import stavka
from stavka import storage
from stavka.storage import Store, StoreError
from stavka.sweep import save_results, simulate_keeping

STAVKA = [sys.executable, "-m", "stavka.cli"]
RUNS, SEED, KEEP = 12, 4, 5


def run_cli(*args: str, cwd: Path | None = None, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own."""
    return subprocess.run([*(prefix or STAVKA), *args], capture_output=True, text=True, timeout=600, cwd=cwd)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """The command in this process (its kernels are loaded already): exit code, stdout, stderr."""
    from stavka.cli import main

    capsys.readouterr()
    argv, sys.argv = sys.argv, ["stavka", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = argv
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def result() -> stavka.SimulationResult:
    return simulate_keeping("default", "terror", range(RUNS), SEED, KEEP)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory, result: stavka.SimulationResult) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("store") / "results.duckdb"
    exp = save_results(db, "run", [result], RUNS, SEED, KEEP, spec={"doctrine": "terror"})
    return db, exp


def _engine_columns(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    return frame[list(like.columns)].reset_index(drop=True)


def test_round_trip_of_every_table(stored: tuple[Path, str], result: stavka.SimulationResult) -> None:
    db, exp = stored
    back = stavka.load(db)
    assert back.experiment is None and back.meta["format"] == storage.FORMAT
    assert int(back.meta["schema_version"]) == storage.SCHEMA_VERSION
    for table in ("metrics", "events", "official", "series"):
        want = getattr(result, table).reset_index(drop=True)
        got = _engine_columns(back[table], want)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=table)
        assert (back[table]["experiment"] == exp).all()
    # careers and officers for the runs whose events are kept
    for table in ("careers", "officers"):
        want = getattr(result, table).reset_index(drop=True)
        assert set(want["run"]) == set(range(KEEP))
        got = _engine_columns(back[table], want)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=table)
    assert back.runs["follow_record_until"].isna().all()
    # ledgers only for the runs kept; seq numbers events within a run in emission order
    assert set(back.events["run"]) == set(range(KEEP))
    assert (back.events.groupby(["cell", "run"])["seq"].apply(lambda s: list(s) == list(range(len(s))))).all()
    m = back.metrics
    assert list(m.columns[:5]) == ["experiment", "doctrine", "cell", "run", "seed"]
    assert (m["doctrine"] == "terror").all() and (m["seed"] == SEED).all() and list(m["run"]) == list(range(RUNS))
    runs = back.runs
    assert len(runs) == RUNS and runs[["cell", "run"]].drop_duplicates().shape[0] == RUNS
    meta = result.meta
    assert (runs["version"] == stavka.__version__).all() and (runs["scenario"] == meta["scenario"]).all()
    assert (runs["scenario_hash"] == meta["scenario_hash"]).all() and (runs["seed"] == SEED).all()
    assert json.loads(runs["parameters"].iloc[0])["doctrine"] == meta["doctrine_params"]
    assert runs["created"].notna().all()
    e = back.experiments.iloc[0]
    assert (e["experiment"], e["kind"], e["status"], e["total_runs"], e["keep_events"]) == (exp, "run", "complete", RUNS, KEEP)
    cell = back.cells.iloc[0]
    assert cell["doctrine"] == "terror" and json.loads(cell["doctrine_params"]) == meta["doctrine_params"]
    assert json.loads(cell["scenario_config"]) == result.scenario.config.model_dump(mode="json")
    assert back.chunks["n_runs"].sum() == RUNS
    # one experiment, one table, by prefix
    only = stavka.load(db, experiment=exp[:8], tables=["metrics"])
    assert only.experiment == exp and len(only.metrics) == RUNS and only.events.empty


def test_store_sql_and_arrow(stored: tuple[Path, str]) -> None:
    db, exp = stored
    with Store(db, read_only=True) as store:
        fronts = store.sql(
            "SELECT run, count(*) AS n FROM careers WHERE experiment = ? AND post_kind = 'front' AND from_month <= '1941-06' "
            "AND (to_month IS NULL OR to_month > '1941-06') GROUP BY run ORDER BY run",
            [exp],
        ).df()
        assert list(fronts["run"]) == list(range(KEEP)) and (fronts["n"] <= 14).all()
        fates = store.sql("SELECT fate, count(*) FROM officers WHERE experiment = ? GROUP BY fate", [exp]).fetchall()
        assert sum(n for _, n in fates) >= KEEP * 320
        table = store.sql("SELECT run, executions FROM metrics WHERE experiment = ? ORDER BY run", [exp]).to_arrow_table()
        assert table.num_rows == RUNS
        assert store.resolve(None) == exp
        with pytest.raises(StoreError, match="no experiment 'nope'"):
            store.resolve("nope")


def test_rerun_replaces_without_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.duckdb"
    for _ in range(2):
        res = cli(capsys, "run", "--runs", "3", "--seed", "2", "--keep-events", "1", "--db", str(db), "--json")
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["store"]["db"] == str(db)
    back = stavka.load(db)
    assert len(back.experiments) == 1 and len(back.metrics) == 3 and len(back.runs) == 3
    assert back.series.groupby("run").size().nunique() == 1
    assert set(back.events["run"]) == {0}
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "run", "--runs", "2", "--no-db", "--json").returncode == 0
    assert listing(tmp_path) == ["s.duckdb"]  # --no-db stores nothing
    assert cli(capsys, "run", "--runs", "2").returncode == 0  # ./stavka.duckdb by default
    assert listing(tmp_path) == ["s.duckdb", "stavka.duckdb"]
    listed = json.loads(cli(capsys, "experiments", "--json").stdout)
    assert [e["experiment"].startswith("run-historical-") for e in listed] == [True]


def _foreign_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE important (x INTEGER, note VARCHAR)")
    con.execute("INSERT INTO important VALUES (1, 'do not touch')")
    con.close()


@pytest.mark.parametrize("kind", ["text", "empty", "fake_magic", "duckdb"])
def test_foreign_file_is_refused_and_untouched(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "thesis.duckdb"
    if kind == "text":
        path.write_text("chapter 1\n" * 100)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "fake_magic":
        path.write_bytes(b"\0" * 8 + b"DUCK" + os.urandom(5000))
    else:
        _foreign_duckdb(path)
    before, files = digest(path), listing(tmp_path)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert "stavka store" in str(info.value) or "cannot" in str(info.value)
    with pytest.raises(StoreError):
        stavka.load(path)
    assert digest(path) == before and listing(tmp_path) == files
    if kind == "duckdb":
        con = duckdb.connect(str(path), read_only=True)
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("important",)]
        con.close()


def test_cli_refuses_foreign_files_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, db = tmp_path / "notes.txt", tmp_path / "other.duckdb"
    text.write_text("not a database")
    _foreign_duckdb(db)
    sweep = tmp_path / "s.toml"
    sweep.write_text('doctrines = ["terror"]\nruns = 2\n')
    cases = [(text, ("run", "--runs", "2"))] + [
        (db, args) for args in (("run", "--runs", "2"), ("compare", "--runs", "2"), ("sweep", str(sweep)), ("report",))
    ]
    before = {path: digest(path) for path in (text, db)}
    for path, args in cases:
        res = cli(capsys, *args, "--db", str(path))
        assert res.returncode == 2, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "not a stavka store" in lines[0] and str(path) in lines[0], res.stderr
        assert "Traceback" not in res.stderr
    assert {path: digest(path) for path in (text, db)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "other.duckdb", "s.toml"]


def test_newer_store_is_refused(tmp_path: Path, stored: tuple[Path, str]) -> None:
    db = tmp_path / "future.duckdb"
    db.write_bytes(stored[0].read_bytes())
    con = duckdb.connect(str(db))
    con.execute("UPDATE stavka_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    before = digest(db)
    with pytest.raises(StoreError, match="newer stavka"):
        Store(db)
    assert digest(db) == before


def test_older_store_is_migrated(tmp_path: Path, stored: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "old.duckdb"
    db.write_bytes(stored[0].read_bytes())
    old = storage.SCHEMA_VERSION

    def add_notes(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("ALTER TABLE experiments ADD COLUMN notes VARCHAR DEFAULT ''")

    monkeypatch.setattr(storage, "SCHEMA_VERSION", old + 1)
    monkeypatch.setattr(storage, "MIGRATIONS", {old: add_notes})
    back = stavka.load(db)  # a newer package opens (and upgrades) the older store
    assert int(back.meta["schema_version"]) == old + 1
    assert "notes" in back.experiments.columns and len(back.metrics) == RUNS
    with Store(db) as store:  # and keeps writing to it
        assert store.meta()["schema_version"] == str(old + 1)


def test_a_store_of_schema_3_is_upgraded_with_empty_careers(tmp_path: Path, stored: tuple[Path, str]) -> None:
    """A store written before the careers and officers tables: upgraded when opened, its results intact."""
    db = tmp_path / "v3.duckdb"
    db.write_bytes(stored[0].read_bytes())
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE careers")
    con.execute("DROP TABLE officers")
    con.execute("ALTER TABLE runs DROP COLUMN follow_record_until")
    con.execute("UPDATE stavka_meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    back = stavka.load(db)
    assert int(back.meta["schema_version"]) == storage.SCHEMA_VERSION
    assert back.careers.empty and back.officers.empty and len(back.metrics) == RUNS
    assert back.runs["follow_record_until"].isna().all()


def test_new_engine_columns_are_added(tmp_path: Path, result: stavka.SimulationResult) -> None:
    """A metric the engine adds later becomes a column; the older rows read NULL."""
    db = tmp_path / "grow.duckdb"
    save_results(db, "run", [result], RUNS, SEED, 0)
    newer = simulate_keeping("default", "passive", range(3), SEED, 0)
    newer.metrics["new_metric"] = np.arange(3.0)
    save_results(db, "run", [newer], 3, SEED, 0)
    m = stavka.load(db).metrics
    assert m.loc[m["doctrine"] == "passive", "new_metric"].tolist() == [0.0, 1.0, 2.0]
    assert m.loc[m["doctrine"] == "terror", "new_metric"].isna().all()


def test_missing_directory_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = cli(capsys, "run", "--runs", "2", "--db", str(tmp_path / "nowhere" / "s.duckdb"))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "does not exist" in res.stderr and "Traceback" not in res.stderr


def _mount_read_only(source: Path, target: Path) -> bool:
    target.mkdir()
    ok = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True).returncode == 0
    if ok and subprocess.run(["mount", "-o", "remount,ro,bind", str(target)], capture_output=True).returncode == 0:
        return True
    if ok:
        subprocess.run(["umount", str(target)], capture_output=True)
    return False


def test_read_only_path_gives_one_line_and_keeps_the_store(
    tmp_path: Path, stored: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    rw, ro = tmp_path / "rw", tmp_path / "ro"
    rw.mkdir()
    (rw / "s.duckdb").write_bytes(stored[0].read_bytes())
    if os.geteuid() != 0 or not _mount_read_only(rw, ro):
        pytest.skip("needs a read-only bind mount (root)")
    try:
        before = digest(ro / "s.duckdb")
        for db in (ro / "s.duckdb", ro / "new.duckdb"):
            res = cli(capsys, "run", "--runs", "2", "--db", str(db))
            assert res.returncode == 2, res.stderr
            assert len(res.stderr.strip().splitlines()) == 1 and "Read-only file system" in res.stderr, res.stderr
        assert digest(ro / "s.duckdb") == before and listing(ro) == ["s.duckdb"]
        # reading a store on a read-only path works
        assert len(stavka.load(ro / "s.duckdb").metrics) == RUNS
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)


FULL_DISK = """
import resource, signal, sys
limit = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail (EFBIG) as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["stavka", *sys.argv[2:]]
from stavka.cli import main
main()
"""


def test_full_disk_gives_one_line_and_no_half_written_rows(tmp_path: Path, stored: tuple[Path, str]) -> None:
    db = tmp_path / "full.duckdb"
    db.write_bytes(stored[0].read_bytes())
    script = tmp_path / "limited.py"
    script.write_text(FULL_DISK)
    limit = db.stat().st_size + 64 * 1024
    res = run_cli(
        "run",
        "--runs",
        "16",
        "--seed",
        "9",
        "--keep-events",
        "16",
        "--db",
        str(db),
        prefix=[sys.executable, str(script), str(limit)],
    )
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0] and "Traceback" not in res.stderr, res.stderr
    back = stavka.load(db)  # opens cleanly, with the earlier experiment whole and nothing of the failed one
    assert list(back.experiments["experiment"]) == [stored[1]]
    for table in ("runs", "metrics", "chunks", "events", "official", "series"):
        assert set(back[table]["experiment"]) == {stored[1]}, table
    assert len(back.metrics) == RUNS and len(back.runs) == RUNS


def test_store_in_use_is_one_line(tmp_path: Path, stored: tuple[Path, str]) -> None:
    db = tmp_path / f"busy-{uuid.uuid4().hex}.duckdb"
    db.write_bytes(stored[0].read_bytes())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="in use by another process"):
            Store(db, wait=1.0)  # (a writer waits `storage.LOCK_WAIT` by default: tests/test_store_faults.py)
    finally:
        holder.kill()
        holder.wait()
