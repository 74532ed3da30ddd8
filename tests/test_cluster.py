"""Sweeps and their clusters: nothing lost, nothing silently wrong.

An existing cluster's workers must run this very stavka (checked before any work, and by each chunk for
a worker that joins later); a wrong, refused or silent scheduler address fails at once or within a
bound, in one line; SIGTERM, SIGHUP and SIGINT stop a sweep with one line and a store the same command
resumes; a lost scheduler is one line too.  Real processes throughout (`dask scheduler`, `dask worker`,
`stavka sweep`), on 127.0.0.1, every wait bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stavka import cluster
from stavka.config import ConfigError
from stavka.storage import Store
from stavka.sweep import run_sweep

BIN = Path(sys.executable).parent
STAVKA = [sys.executable, "-m", "stavka.cli"]
SRC = Path(cluster.__file__).resolve().parent  # the package directory
SMALL = 'name = "{name}"\ndoctrines = ["passive"]\nruns = {runs}\nchunk = {chunk}\nevents = 1\nseed = 3\n'
WARNING = re.compile(r"^\S+:\d+: \w*Warning: ")
PROGRESS = re.compile(r"^(stored \d+/\d+ runs|sweep \S+: \d+ runs.*)$")  # what `stavka sweep` prints as it goes


def sweep_file(folder: Path, runs: int = 4, chunk: int = 2, name: str = "small") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SMALL.format(name=name, runs=runs, chunk=chunk))
    return path


def messages(stderr: str) -> list[str]:
    """stderr's lines that are not progress (nor a Python warning and its source line, which a model's
    statistics may print: not this file's subject)."""
    return [
        line
        for line in stderr.replace("\r", "\n").splitlines()
        if line.strip() and not PROGRESS.match(line) and not WARNING.search(line) and not line.startswith(" ")
    ]


def stored_runs(db: Path) -> int:
    with Store(db, read_only=True) as store:
        return int(store.sql("SELECT count(*) FROM runs").fetchall()[0][0])


# --- processes, bounded ---------------------------------------------------------------------------------


def start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=log.open("a"), text=True, cwd=log.parent, env=env, start_new_session=True
    )


def stop(*procs: subprocess.Popen[str]) -> None:
    """SIGKILL each process's group (the process and its children), then reap it."""
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


class Lines:
    """A process's stderr read line by line in a thread: `wait` for a line, bounded."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc, self.seen, self._q = proc, [], queue.Queue()  # type: ignore[var-annotated]
        assert proc.stderr is not None
        threading.Thread(target=self._read, args=(proc.stderr,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._q.put(line)
        self._q.put(None)

    def wait(self, predicate: Callable[[str], bool], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._q.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"ended (exit {self.proc.wait(timeout=10)}) before the line:\n{self.text()}")
            self.seen.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"no such line within {timeout} s:\n{self.text()}")

    def rest(self, timeout: float) -> str:
        """Everything until the end of the stream (the process's exit), bounded."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._q.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                return self.text()
            self.seen.append(line)
        raise AssertionError(f"still running after {timeout} s:\n{self.text()}")

    def text(self) -> str:
        return "".join(self.seen)


def sweep_process(args: list[str]) -> tuple[subprocess.Popen[str], Lines]:
    proc = subprocess.Popen(
        [*STAVKA, "sweep", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    return proc, Lines(proc)


@contextlib.contextmanager
def scheduler(folder: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    """A `dask scheduler` on 127.0.0.1 (a free port; its http server too); yields its address, its scheduler file and itself."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "scheduler.json"
    proc = start(
        [
            str(BIN / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--dashboard-address",
            "127.0.0.1:0",
            "--scheduler-file",
            str(file),
        ],
        folder / "scheduler.log",
    )
    try:
        deadline = time.monotonic() + 30
        while not file.exists() or not file.read_text().strip():
            assert proc.poll() is None and time.monotonic() < deadline, (folder / "scheduler.log").read_text()
            time.sleep(0.1)
        time.sleep(0.1)  # the file is written in one go; be sure it is complete
        yield json.loads(file.read_text())["address"], file, proc
    finally:
        stop(proc)


def worker(file: Path, pythonpath: Path | None = None) -> subprocess.Popen[str]:
    """A `dask worker` (one process, one thread, no nanny) of the scheduler in `file`; with `pythonpath`,
    importing stavka from there."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return start(
        [
            str(BIN / "dask"),
            "worker",
            "--scheduler-file",
            str(file),
            "--nthreads",
            "1",
            "--nworkers",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--dashboard-address",
            "127.0.0.1:0",
            "--host",
            "127.0.0.1",
            "--death-timeout",
            "20",
            "--local-directory",
            str(file.parent),
        ],
        file.parent / "worker.log",
        env,
    )


def wait_for_workers(address: str, n: int, timeout: float = 60) -> list[str]:
    from distributed import Client

    with Client(address, timeout=10) as client:
        client.wait_for_workers(n, timeout=timeout)
        return sorted(client.scheduler_info()["workers"])


@pytest.fixture(scope="module")
def other_stavka(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this stavka with one comment changed: the parent directory to put on PYTHONPATH."""
    root = tmp_path_factory.mktemp("other") / "site"
    shutil.copytree(SRC, root / "stavka", ignore=shutil.ignore_patterns("__pycache__"))
    with (root / "stavka" / "names.py").open("a") as f:
        f.write("# this comment makes another stavka\n")
    return root


# --- the source hash --------------------------------------------------------------------------------------


def test_source_hash_is_the_code_and_the_data(tmp_path: Path) -> None:
    copy = tmp_path / "stavka"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    base = cluster.tree_hash(copy)
    assert re.fullmatch(r"[0-9a-f]{64}", base) and cluster.source_hash() == cluster.source_hash()
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.py").write_text("compiled, not source")
    (copy / "notes.txt").write_text("not source")
    assert cluster.tree_hash(copy) == base
    changes: list[Callable[[], object]] = [
        lambda: (copy / "doctrines" / "passive.py").write_text((copy / "doctrines" / "passive.py").read_text() + "#\n"),
        lambda: (copy / "data" / "commanders.csv").write_text((copy / "data" / "commanders.csv").read_text() + "\n"),
        lambda: (copy / "scenarios" / "default.toml").rename(copy / "scenarios" / "other.toml"),
    ]
    seen = {base}
    for change in changes:
        change()
        seen.add(cluster.tree_hash(copy))
    assert len(seen) == 1 + len(changes)


# --- addresses: wrong, refused, silent -------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("localhost:8786", "tcp://localhost:8786"),
        ("TCP://node-1.lan:40123", "tcp://node-1.lan:40123"),
        ("[::1]:8786", "tcp://[::1]:8786"),
    ],
)
def test_scheduler_addresses_accepted(given: str, expected: str) -> None:
    assert cluster.scheduler_address(given) == expected


@pytest.mark.parametrize(
    "given, hint",
    [
        ("foo", ""),
        ("http://127.0.0.1:8787", "dashboard"),
        ("tls://127.0.0.1:8786", "only tcp://"),
        ("tcp://127.0.0.1:0", ""),
        ("127.0.0.1:99999", ""),
        ("tcp://127.0.0.1", ""),
        ("tcp://a:1/x", ""),
        ("", ""),
    ],
)
def test_scheduler_addresses_refused(given: str, hint: str) -> None:
    with pytest.raises(
        ConfigError,
        match=f"--scheduler {re.escape(repr(given))}: expected a Dask scheduler's "
        r"address, tcp://HOST:PORT or HOST:PORT",
    ) as info:
        cluster.scheduler_address(given)
    assert hint in str(info.value) and "\n" not in str(info.value)


def test_wrong_address_is_a_usage_error_before_the_store(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    res = subprocess.run(
        [*STAVKA, "sweep", str(sweep_file(tmp_path)), "--db", str(db), "--scheduler", "http://127.0.0.1:8787"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert messages(res.stderr) == [
        "error: --scheduler 'http://127.0.0.1:8787': expected a Dask scheduler's address, tcp://HOST:PORT or "
        "HOST:PORT (http:// is the dashboard's; the scheduler listens on tcp://, port 8786 by default)"
    ]
    assert not db.exists()


def test_refused_connection_fails_at_once(tmp_path: Path) -> None:
    with socket.socket() as held:  # bound, not listening: connections to it are refused
        held.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{held.getsockname()[1]}"
        db = tmp_path / "x.duckdb"
        begin = time.monotonic()
        with pytest.raises(ConfigError) as info:
            run_sweep(sweep_file(tmp_path), db=db, scheduler=address)
        elapsed = time.monotonic() - begin
    assert str(info.value) == (
        f"--scheduler: cannot connect to {address}: connection refused (is a Dask scheduler running there?)"
    )
    assert elapsed < 2 and not db.exists()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        with server:
            while True:
                try:
                    held.append(server.accept()[0])
                except OSError:
                    return

    threading.Thread(target=accept, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


def test_silent_server_fails_within_the_bound(tmp_path: Path, silent_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2.0)
    db = tmp_path / "x.duckdb"
    begin = time.monotonic()
    with pytest.raises(ConfigError) as info:
        run_sweep(sweep_file(tmp_path), db=db, scheduler=silent_server)
    elapsed = time.monotonic() - begin
    assert str(info.value) == f"--scheduler: no Dask scheduler answered at {silent_server} within 2 s"
    assert 2 <= elapsed < 2 + 3 and not db.exists()


# --- an existing cluster: the same stavka, or no work -------------------------------------------------


def test_workers_of_another_stavka_are_refused(tmp_path: Path, other_stavka: Path) -> None:
    """A worker of another source that joins after the sweep connected is refused by the chunk itself;
    once it is there, the next sweep refuses the cluster before any work and before the store."""
    theirs, ours = cluster.tree_hash(other_stavka / "stavka")[:12], cluster.source_hash()[:12]
    assert theirs != ours
    with scheduler(tmp_path / "cluster") as (address, file, _):
        db = tmp_path / "late.duckdb"
        proc, lines = sweep_process([str(sweep_file(tmp_path)), "--db", str(db), "--scheduler", address])
        other: subprocess.Popen[str] | None = None
        try:
            lines.wait(lambda line: line.startswith("sweep "), timeout=60)  # connected, checked (no workers yet)
            other = worker(file, other_stavka)
            lines.rest(timeout=60)
            assert proc.wait(timeout=10) == 1, lines.text()
            (message,) = messages(lines.text())
            assert re.fullmatch(
                rf"error: worker tcp://127\.0\.0\.1:\d+ runs stavka \S+ with source {theirs}, this "
                rf"client \S+ with source [0-9a-f]{{12}}; start the workers from the same stavka; the "
                rf"0 runs stored are kept: run the same command again to resume",
                message,
            ), message
            (joined,) = wait_for_workers(address, 1)
            db2 = tmp_path / "early.duckdb"
            begin = time.monotonic()
            with pytest.raises(ConfigError) as info:
                run_sweep(sweep_file(tmp_path), db=db2, scheduler=address)
            assert str(info.value) == (
                f"worker {joined} runs stavka 0.1.0 with source {theirs}, this client 0.1.0 "
                f"with source {ours}; start the workers from the same stavka"
            )
            assert time.monotonic() - begin < 10 and not db2.exists()
        finally:
            stop(proc, *([other] if other else []))


@pytest.fixture(scope="module")
def same_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A scheduler and one worker of this very stavka; yields the address and the scheduler process."""
    with scheduler(tmp_path_factory.mktemp("same")) as (address, file, proc):
        cluster.source_hash.cache_clear()  # the worker hashes the files as they are now: so does this process
        one = worker(file)
        try:
            wait_for_workers(address, 1)
            yield address, proc
        finally:
            stop(one)


def test_a_cluster_of_the_same_stavka_runs_the_sweep(tmp_path: Path, same_cluster: tuple[str, subprocess.Popen[str]]) -> None:
    address, _ = same_cluster
    summary = run_sweep(sweep_file(tmp_path, runs=4, chunk=2), db=tmp_path / "ok.duckdb", scheduler=address[6:])
    assert summary.simulated == 4 and summary.workers == 1 and stored_runs(tmp_path / "ok.duckdb") == 4
    (joined,) = wait_for_workers(address, 1)
    with pytest.raises(ConfigError, match=f"the server at {joined} is a Dask Worker, not a scheduler"):
        cluster.probe_scheduler(joined)


def test_a_lost_scheduler_is_one_line_and_the_sweep_resumes(
    tmp_path: Path, same_cluster: tuple[str, subprocess.Popen[str]]
) -> None:
    address, sched = same_cluster
    # 15 chunks, 2 in flight: the sweep cannot finish without its scheduler
    spec, db = sweep_file(tmp_path, runs=60, chunk=4, name="lost"), tmp_path / "lost.duckdb"
    proc, lines = sweep_process([str(spec), "--db", str(db), "--scheduler", address])
    try:
        lines.wait(lambda line: line.startswith("stored "), timeout=120)
        stop(sched)  # SIGKILL: the scheduler is gone at once
        begin = time.monotonic()
        lines.rest(timeout=40)
        code = proc.wait(timeout=10)
        elapsed = time.monotonic() - begin
    finally:
        stop(proc)
    said = messages(lines.text())
    assert code == 1 and elapsed < 30 and "Traceback" not in lines.text() and 1 <= len(said) <= 3, lines.text()
    assert re.fullmatch(
        r"error: (the cluster's scheduler was lost|a chunk failed): .+; the \d+ runs stored are "
        r"kept: run the same command again to resume",
        said[-1],
    ), said
    kept = stored_runs(db)
    assert 4 <= kept < 60 and kept % 4 == 0
    with scheduler(tmp_path / "again") as (other, file, _):
        again = worker(file)
        try:
            res = subprocess.run(
                [*STAVKA, "sweep", str(spec), "--db", str(db), "--scheduler", other], capture_output=True, text=True, timeout=180
            )
        finally:
            stop(again)
    assert res.returncode == 0, res.stderr
    assert f"{kept} already stored (resuming)" in res.stderr and f"{60 - kept} simulated now, {kept} resumed" in res.stdout
    assert stored_runs(db) == 60


def test_run_chunk_refuses_a_task_of_another_stavka() -> None:
    from stavka.sweep import ChunkTask, make_cell, run_chunk

    cell = make_cell(0, "default", "passive")
    task = ChunkTask(
        cell=0,
        first_run=0,
        n_runs=1,
        seed=0,
        keep_events=0,
        scenario=cell.scenario,
        doctrine=cell.doctrine,
        source=("0.0.9", "0" * 64),
    )
    with pytest.raises(
        cluster.SourceMismatch,
        match=r"^process \S+:\d+ runs stavka \S+ with source [0-9a-f]{12}, "
        r"this client 0\.0\.9 with source 000000000000; start",
    ):
        run_chunk(task)


# --- signals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig, group", [(signal.SIGTERM, False), (signal.SIGHUP, True), (signal.SIGINT, True)])
def test_a_signal_stops_the_sweep_in_one_line_and_it_resumes(tmp_path: Path, sig: signal.Signals, group: bool) -> None:
    """SIGTERM to the sweep (a process manager), SIGHUP and SIGINT to its whole process group (a closed
    terminal, Ctrl-C): one line, exit 128 + the signal's number, the chunks stored kept."""
    spec, db = sweep_file(tmp_path, runs=40, chunk=4, name="signals"), tmp_path / "signals.duckdb"
    args = [str(spec), "--db", str(db), "--workers", "1"]
    proc, lines = sweep_process(args)
    try:
        lines.wait(lambda line: line.startswith("stored "), timeout=120)
        begin = time.monotonic()
        (os.killpg if group else os.kill)(proc.pid, sig)
        lines.rest(timeout=30)
        code = proc.wait(timeout=10)
        elapsed = time.monotonic() - begin
    finally:
        stop(proc)
    assert code == 128 + sig and elapsed < 20, lines.text()
    assert "Traceback" not in lines.text() and messages(lines.text()) == [
        f"interrupted by {sig.name}: the chunks stored in {db} are kept; run the same command again to resume"
    ], lines.text()
    kept = stored_runs(db)
    assert kept >= 4 and kept % 4 == 0  # whole chunks
    if sig != signal.SIGTERM:
        return
    res = subprocess.run([*STAVKA, "sweep", *args], capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    assert f"{kept} already stored (resuming)" in res.stderr and f"{kept} resumed" in res.stdout
    assert stored_runs(db) == 40


def _catches(pid: int, sig: int) -> bool:
    """Whether process `pid` has a handler for `sig` installed (Linux: /proc/PID/status, SigCgt)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next((int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:")), 0)
    return bool(mask >> (sig - 1) & 1)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see the handler installed")
def test_a_signal_stops_run_in_one_line_storing_nothing(tmp_path: Path) -> None:
    db = tmp_path / "run.duckdb"
    proc = subprocess.Popen(
        [*STAVKA, "run", "--runs", "5000", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _catches(proc.pid, signal.SIGTERM):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(1.0)  # simulating by now
        begin = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        elapsed = time.monotonic() - begin
    finally:
        stop(proc)
    assert proc.returncode == 128 + signal.SIGTERM and elapsed < 20, stderr
    assert "Traceback" not in stderr and not db.exists()
    assert messages(stderr) == ["interrupted by SIGTERM: stopped; nothing half-written is stored"]
