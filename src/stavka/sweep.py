"""Sweeps: many runs of doctrines over a grid or a Latin hypercube, on Dask, streamed into the store.

The sweep file is read by `stavka.sweep_file`, its cells and experiment planned by `stavka.experiments`,
its chunks simulated on the workers by `stavka.chunks`; this module runs it.

The experiment's id is the sweep's name and a hash of everything that decides its results (package
version, cells, seed, runs, kept ledgers): running the same file again resumes the same experiment,
skipping the runs already stored; changing it starts a new one.  Work goes out in chunks of
contiguous run ids of one cell; a chunk's rows and its completed-chunk record are committed in one
transaction as soon as it finishes, and at most a few chunks are in flight, so memory stays bounded
however many runs the sweep has.  Results do not depend on the number of workers or the chunk size.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .chunks import ChunkTask, chunks_todo, run_chunk, simulate_keeping
from .cluster import SourceMismatch, identity, one_line, open_cluster, warm_up
from .config import ConfigError
from .experiments import make_cell, plan, rerun, save_results
from .storage import DEFAULT_DB, ChunkResult, Experiment, Store
from .sweep_file import SweepSpec, load_sweep

# The sweep's parts, importable from here as before the split
__all__ = [
    "ChunkTask",
    "SweepError",
    "SweepProgress",
    "SweepSpec",
    "SweepSummary",
    "chunks_todo",
    "load_sweep",
    "make_cell",
    "plan",
    "rerun",
    "run_chunk",
    "run_sweep",
    "save_results",
    "simulate_keeping",
]

if TYPE_CHECKING:
    from distributed import Client

IN_FLIGHT_PER_WORKER = 2  # chunks submitted ahead per worker: what bounds the sweep's memory


class SweepError(RuntimeError):
    """A chunk failed on a worker (or the cluster went away); the chunks stored are kept."""


@dataclass
class SweepProgress:
    experiment: str
    total: int  # runs of the whole sweep
    done: int  # runs stored (including those stored by an earlier, interrupted invocation)
    resumed: int  # runs that were already stored when this invocation started


@dataclass
class SweepSummary:
    experiment: str
    db: Path
    total: int
    resumed: int  # runs already stored at the start
    simulated: int  # runs simulated and stored by this invocation
    seconds: float
    workers: int
    warm_up_seconds: float = 0.0  # the slowest worker's kernel loading (or compiling)

    @property
    def runs_per_second(self) -> float:
        return self.simulated / self.seconds if self.seconds > 0 else float("nan")


def run_sweep(
    spec: SweepSpec | str | os.PathLike[str],
    db: str | os.PathLike[str] = DEFAULT_DB,
    workers: int = 2,
    scheduler: str | None = None,
    chunk: int | None = None,
    progress: Callable[[SweepProgress], None] | None = None,
) -> SweepSummary:
    """Run (or resume) a sweep into the store at `db`; returns what was done.  Chunks go to a local
    Dask cluster of `workers` processes, or to the cluster at `scheduler` ('tcp://host:port')."""
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    if workers < 1:
        raise ConfigError("--workers: expected at least 1")
    size = chunk or spec.chunk
    if size < 1:
        raise ConfigError("--chunk: expected at least 1")
    exp, plans = plan(spec)
    start = time.perf_counter()
    Store.check_writable(db)  # before any cluster is asked for: a store we cannot write is refused first
    existed = Path(db).exists()
    done: dict[int, list[tuple[int, int]]] = {}
    if existed:
        with Store(db, read_only=True) as store:
            done = store.completed_ranges(exp.experiment)
    resumed = sum(n for ranges in done.values() for _, n in ranges)
    todo = chunks_todo(exp.runs, len(exp.cells), done, size)
    first = next(todo, None)
    state = SweepProgress(exp.experiment, exp.total_runs, resumed, resumed)
    n_workers, warm = workers, 0.0
    try:
        if first is None:
            with Store(db) as store:
                store.begin_experiment(exp)
            if progress:
                progress(state)
        else:
            with open_cluster(workers, scheduler) as (client, threads):  # connected and checked
                with Store(db) as store:  # the cluster is connected and checked: now the experiment is recorded
                    store.begin_experiment(exp)
                if progress:
                    progress(state)
                warm = max(client.run(warm_up, threads).values(), default=0.0)
                n_workers = max(1, len(client.scheduler_info().get("workers", {})))
                source = identity() if scheduler else None  # workers not our own: each chunk checks its worker
                tasks = (
                    ChunkTask(
                        cell=c,
                        first_run=f,
                        n_runs=n,
                        seed=exp.seed,
                        keep_events=exp.keep_events,
                        scenario=plans[c].scenario,
                        doctrine=plans[c].doctrine,
                        source=source,
                    )
                    for c, f, n in itertools.chain([first], todo)
                )
                _stream(client, Path(db), exp, tasks, IN_FLIGHT_PER_WORKER * n_workers, state, progress)
        with Store(db) as store:
            store.finish_experiment(exp.experiment)
    except BaseException:
        if state.done == resumed:
            _forget_empty(Path(db), exp.experiment, created=not existed)
        raise
    return SweepSummary(
        experiment=exp.experiment,
        db=Path(db),
        total=exp.total_runs,
        resumed=resumed,
        simulated=state.done - resumed,
        seconds=time.perf_counter() - start,
        workers=n_workers,
        warm_up_seconds=warm,
    )


def _forget_empty(db: Path, experiment: str, created: bool) -> None:
    """After a sweep that stored nothing: drop its empty experiment record (so that `stavka report` does
    not pick it), and the store file itself if this sweep created it and it holds nothing else."""
    with contextlib.suppress(Exception):
        if not db.exists():
            return
        with Store(db, wait=5.0) as store:
            store.drop_if_empty(experiment)
            empty = not store.con.execute("SELECT count(*) FROM experiments").fetchall()[0][0]
        if created and empty:
            for path in (db, Path(f"{db}.wal")):
                path.unlink(missing_ok=True)


def _scheduler_lost(exc: BaseException) -> bool:
    """Whether a chunk's error says the connection to the scheduler is gone (not a worker's error)."""
    from distributed.client import FutureCancelledError
    from distributed.comm.core import CommClosedError

    return isinstance(exc, CommClosedError) or (
        isinstance(exc, FutureCancelledError) and exc.reason == "scheduler-connection-lost"
    )


def _stream(
    client: Client,
    db: Path,
    exp: Experiment,
    tasks: Iterator[ChunkTask],
    in_flight: int,
    state: SweepProgress,
    progress: Callable[[SweepProgress], None] | None,
) -> None:
    """Keep `in_flight` chunks submitted; store each as it finishes, then let it go.  The store is held
    only while a chunk is written (readers may open it in between; see `stavka.storage`)."""
    from distributed import as_completed

    def kept() -> str:
        return f"the {state.done} runs stored are kept: run the same command again to resume"

    def submit(task: ChunkTask) -> None:
        try:
            pending.add(client.submit(run_chunk, task, pure=False))
        except Exception as exc:  # the client is closed: its scheduler is gone
            raise SweepError(f"the cluster went away ({one_line(exc)}); {kept()}") from exc

    pending = as_completed()
    try:
        for task in itertools.islice(tasks, in_flight):
            submit(task)
        for future in pending:
            try:
                result: ChunkResult = future.result()
            except SourceMismatch as exc:  # a worker that joined after the check runs another stavka
                raise SweepError(f"{exc}; {kept()}") from exc
            except Exception as exc:  # a worker's error, a lost worker, a lost scheduler
                what = "the cluster's scheduler was lost" if _scheduler_lost(exc) else "a chunk failed"
                raise SweepError(f"{what}: {one_line(exc)}; {kept()}") from exc
            future.release()
            with Store(db) as store:
                store.write_chunk(exp, None, result)
            state.done += result.n_runs
            del result
            if progress:
                progress(state)
            nxt = next(tasks, None)
            if nxt is not None:
                submit(nxt)
    finally:
        with contextlib.suppress(Exception):
            for future in list(pending.futures):
                future.cancel()
