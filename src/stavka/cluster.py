"""The Dask cluster of a sweep: an existing cluster's address checked and connected to in bounded time,
its workers checked to run this very stavka, or a local cluster; and both closed quietly.

Every worker must run the same stavka as the client, down to the source: a chunk simulated by other code
would be stored as if this code had simulated it.  `source_hash` is what "the same source" means: a
SHA-256 over the package's own files (every ``.py`` file and the packaged data), in sorted order of
their paths relative to the package.  The workers of an existing cluster are asked for theirs right
after connecting, before any work goes out; a worker that joins later is caught by the chunk itself,
which carries the client's version and hash and refuses to run on a worker whose own differ
(`refuse_other_source`).  Workers of a local cluster are this process's own children, started from
the same interpreter and the same files, and are not asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import ConfigError
from .kernel_cache import hash_files

if TYPE_CHECKING:
    from distributed import Client

# Seconds an existing cluster's scheduler has to accept a connection and to answer a first question.
# A scheduler answers in milliseconds, even a busy one far away in well under a second; ten seconds
# leave room for a slow link and still end a wrong address's wait soon.
CONNECT_TIMEOUT = 10.0
# Seconds closing a cluster (or a client of one) may take before it is left to the process's exit.
CLOSE_TIMEOUT = 10.0
# The package's files that make its source (relative to the package directory); see `source_hash`.
SOURCE_FILES = ("**/*.py", "data/*.csv", "data/*.toml", "scenarios/*.toml")
# Loggers that speak of a cluster's comings and goings (reconnecting, a lost scheduler, closed comms,
# workers restarting): silenced while a sweep holds a cluster, which reports what matters in one line.
DASK_LOGGERS = (
    "distributed",
    "distributed.client",
    "distributed.comm",
    "distributed.worker",
    "distributed.nanny",
    "distributed.scheduler",
    "distributed.core",
    "distributed.batched",
    "distributed.deploy",
    "tornado",
    "tornado.application",
    "asyncio",
)

_ADDRESS = re.compile(
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
    r":(?P<port>[0-9]{1,5})"
)


class SourceMismatch(RuntimeError):
    """A worker runs another stavka than the client (raised on the worker; the message names it)."""


# --- the same stavka -------------------------------------------------------------------------------------


def tree_hash(root: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of the source of the package in directory `root`: every file matching
    `SOURCE_FILES` (``__pycache__`` left out), in sorted order of their paths relative to `root`, each
    as its path, its length and its bytes (so that a renamed or a moved file changes it too)."""
    base = Path(root)
    files = {p for pattern in SOURCE_FILES for p in base.glob(pattern) if p.is_file() and "__pycache__" not in p.parts}
    return hash_files(base, sorted(files, key=lambda p: p.relative_to(base).as_posix()))


@functools.cache
def source_hash() -> str:
    """`tree_hash` of this installed stavka (the package this module is part of), computed once per
    process: what a stored result can record as the code that made it."""
    return tree_hash(Path(__file__).resolve().parent)


def identity() -> tuple[str, str]:
    """This process's stavka: (version, source hash)."""
    return __version__, source_hash()


def _differs(where: str, theirs: tuple[str, str], mine: tuple[str, str]) -> str:
    return (
        f"{where} runs stavka {theirs[0]} with source {theirs[1][:12]}, this client {mine[0]} with source "
        f"{mine[1][:12]}; start the workers from the same stavka"
    )


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text.splitlines()[0]}" if text else name


def check_workers(client: Client) -> int:
    """Refuse (one-line ConfigError) a cluster any of whose workers runs another stavka version or
    source than this process; returns the number of workers asked."""
    mine = identity()
    answers: dict[str, Any] = client.run(identity, on_error="return")
    for address, theirs in sorted(answers.items()):
        if isinstance(theirs, BaseException):
            raise ConfigError(
                f"worker {address} cannot tell its stavka ({one_line(theirs)}); start the workers from the same stavka"
            )
        theirs = tuple(theirs)
        if theirs != mine:
            raise ConfigError(_differs(f"worker {address}", theirs, mine))
    return len(answers)


def refuse_other_source(expected: tuple[str, str]) -> None:
    """On a worker, at the top of a chunk: raise SourceMismatch unless this worker's stavka is `expected`
    (the client's version and source hash)."""
    mine = identity()
    if tuple(expected) == mine:
        return
    try:
        from distributed import get_worker

        where = f"worker {get_worker().address}"
    except (ImportError, ValueError):
        where = f"process {socket.gethostname()}:{os.getpid()}"
    raise SourceMismatch(_differs(where, mine, tuple(expected)))  # type: ignore[arg-type]


# --- an existing cluster's address --------------------------------------------------------------------


def scheduler_address(address: str) -> str:
    """'tcp://HOST:PORT' from 'tcp://HOST:PORT' or 'HOST:PORT' (HOST a name, an IPv4 address or an IPv6
    one in brackets); anything else is a one-line ConfigError.  Only tcp: a TLS cluster needs
    certificates, which `stavka sweep` has no way to pass."""
    text = address.strip()
    match = _ADDRESS.fullmatch(text)
    scheme = (match.group("scheme") or "tcp").lower() if match else ""
    if not match or scheme != "tcp" or not 1 <= int(match.group("port")) <= 65535:
        hint = ""
        if text.lower().startswith(("http://", "https://")):
            hint = " (http:// is the dashboard's; the scheduler listens on tcp://, port 8786 by default)"
        elif "://" in text and not text.lower().startswith("tcp://"):
            hint = " (only tcp:// clusters are supported)"
        raise ConfigError(f"--scheduler {address!r}: expected a Dask scheduler's address, tcp://HOST:PORT or HOST:PORT{hint}")
    return f"tcp://{match.group('host')}:{int(match.group('port'))}"


async def _ask_identity(address: str) -> Any:
    from distributed.comm import connect

    comm = await connect(address, timeout=CONNECT_TIMEOUT)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def probe_scheduler(address: str, timeout: float | None = None) -> None:
    """Refuse (one-line ConfigError), within about `timeout` seconds each for the TCP connection and for
    the answer, an address where no Dask scheduler answers: a refused connection at once, a host that
    does not answer or a server that accepts and says nothing after `timeout`, a server that is no Dask
    scheduler (a worker, the dashboard) when it answers."""
    wait = CONNECT_TIMEOUT if timeout is None else timeout
    silent = f"--scheduler: no Dask scheduler answered at {address} within {wait:g} s"
    refused = f"--scheduler: cannot connect to {address}"
    host, port = address[len("tcp://") :].rsplit(":", 1)
    host = host.strip("[]")
    try:
        with socket.create_connection((host, int(port)), timeout=wait):
            pass
    except ConnectionRefusedError:
        raise ConfigError(f"{refused}: connection refused (is a Dask scheduler running there?)") from None
    except socket.gaierror:
        raise ConfigError(f"{refused}: unknown host {host!r}") from None
    except TimeoutError:
        raise ConfigError(silent) from None
    except OSError as exc:
        raise ConfigError(f"{refused}: {exc.strerror or exc}") from None
    # The Dask handshake and one question, in a thread of its own with its own event loop (the caller may
    # be running one), bounded: distributed itself waits for a handshake without end.
    outcome: dict[str, Any] = {}

    def ask() -> None:
        try:
            outcome["answer"] = asyncio.run(asyncio.wait_for(_ask_identity(address), wait))
        except BaseException as exc:  # reported below, in the caller's thread
            outcome["error"] = exc

    with _quiet_dask():
        thread = threading.Thread(target=ask, name="stavka-probe-scheduler", daemon=True)
        thread.start()
        thread.join(wait + 2.0)
    error, answer = outcome.get("error"), outcome.get("answer")
    if thread.is_alive() or isinstance(error, TimeoutError):
        raise ConfigError(silent)
    if isinstance(answer, dict) and answer.get("type") == "Scheduler":
        return
    if isinstance(answer, dict) and answer.get("type"):
        raise ConfigError(f"--scheduler: the server at {address} is a Dask {answer['type']}, not a scheduler")
    why = f" ({one_line(error)})" if error is not None else ""
    raise ConfigError(f"--scheduler: the server at {address} does not answer as a Dask scheduler{why}")


# --- quiet -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Silence the `DASK_LOGGERS` (and every other logger under them that has a level of its own) inside;
    their levels are restored after."""
    names = {n for n in logging.root.manager.loggerDict if n.split(".")[0] in ("distributed", "tornado", "asyncio")}
    saved = {name: logging.getLogger(name).level for name in {*DASK_LOGGERS, *names}}
    for name in saved:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def silence_dask() -> None:
    """Silence the `DASK_LOGGERS` for good (the `stavka` command, whose process ends with the sweep:
    what distributed says while it shuts down is no news to the user)."""
    for name in DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


# --- a sweep's cluster ------------------------------------------------------------------------------------


def connect(address: str) -> Client:
    """A client of the existing cluster at `address` ('tcp://HOST:PORT' or 'HOST:PORT'), whose workers
    all run this stavka; every refusal is a one-line ConfigError, within about 2 x CONNECT_TIMEOUT."""
    from distributed import Client

    address = scheduler_address(address)
    probe_scheduler(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # the scheduler answered the probe but not the client: gone, or another distributed
        raise ConfigError(f"--scheduler: cannot connect to {address}: {one_line(exc)}") from None
    try:
        check_workers(client)
    except BaseException:
        _close(client)
        raise
    return client


def _close(*things: Any) -> None:
    for thing in things:
        with contextlib.suppress(BaseException):
            thing.close(timeout=CLOSE_TIMEOUT)


@contextlib.contextmanager
def _ignoring(name: str) -> Iterator[None]:
    """The signal `name` ignored inside (in the main thread; elsewhere, and where there is no such
    signal, nothing changes): processes started inside inherit the ignored signal."""
    sig: signal.Signals | None = getattr(signal, name, None)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(sig) if sig is not None and main else None
    if sig is None or previous is None:
        yield
        return
    signal.signal(sig, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(sig, previous)


@contextlib.contextmanager
def open_cluster(workers: int, scheduler: str | None) -> Iterator[tuple[Client, int | None]]:
    """A client of the existing cluster at `scheduler` (connected and checked, see `connect`), or of a
    local cluster of `workers` processes on 127.0.0.1; closed after, quietly (distributed's own logging
    is silenced inside: a lost scheduler or worker is the sweep's one-line error, not pages of logs).
    Yields the client and the Numba threads each local worker should use (None: leave as is)."""
    from distributed import Client, LocalCluster

    with _quiet_dask():
        if scheduler:
            client = connect(scheduler)
            try:
                yield client, None
            finally:
                _close(client)
            return
        # multiprocessing's resource tracker, which the worker processes need, ignores SIGINT and SIGTERM
        # but not SIGHUP: a hang-up would kill it, and its relaunched successor print tracebacks.  It is
        # started here, inheriting an ignored SIGHUP.
        with _ignoring("SIGHUP"):
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
        # Worker processes inherit an ignored SIGINT: Ctrl-C stops the sweep here, once, and the cluster
        # is closed below (workers left without their scheduler also exit by themselves).
        with _ignoring("SIGINT"):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            )
        try:
            client = Client(cluster)
        except BaseException:
            _close(cluster)
            raise
        try:
            yield client, max(1, (os.cpu_count() or 1) // workers)
        finally:
            _close(client, cluster)


def warm_up(numba_threads: int | None = None) -> float:
    """Load (or compile) the kernels once in this process; optionally cap Numba's threads."""
    if numba_threads:
        import numba

        numba.set_num_threads(max(1, min(numba_threads, int(numba.config.NUMBA_NUM_THREADS))))  # type: ignore[attr-defined]
    from .api import simulate

    start = time.perf_counter()
    simulate("default", "historical", seed=0, run_ids=[0], events=True)
    return time.perf_counter() - start
