"""One chunk of a sweep: contiguous runs of one cell, simulated on a worker and packaged for the store;
and which chunks a sweep still has to do."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from .cluster import refuse_other_source
from .config import ScenarioConfig
from .doctrines import Doctrine
from .engine.state import Workspace
from .storage import ChunkResult, chunk_from_frames

if TYPE_CHECKING:
    from .api import SimulationResult


@dataclass(frozen=True)
class ChunkTask:
    cell: int
    first_run: int
    n_runs: int
    seed: int
    keep_events: int
    scenario: ScenarioConfig
    doctrine: Doctrine
    # The client's stavka (version, source hash) when the workers are not its own: a worker whose own
    # differ refuses the chunk (`stavka.cluster.refuse_other_source`).  None: no check (a local cluster).
    source: tuple[str, str] | None = None


def simulate_keeping(
    scenario: str | ScenarioConfig,
    doctrine: str | Doctrine,
    run_ids: Sequence[int],
    seed: int,
    keep_events: int,
    progress: Callable[[int], None] | None = None,
    workspace: Workspace | None = None,
) -> SimulationResult:
    """`simulate` of these runs, both ledgers kept only for run ids below `keep_events` (the same
    runs either way: a run depends on the seed and its id alone), on `workspace` if given."""
    from .api import SimulationResult, simulate

    ids = [int(i) for i in run_ids]
    with_ev = [i for i in ids if i < keep_events]
    without = [i for i in ids if i >= keep_events]
    parts: list[SimulationResult] = []
    offset = 0
    for group, events in ((with_ev, True), (without, False)):
        if not group:
            continue
        base = offset
        cb = (lambda done, base=base: progress(base + done)) if progress else None
        parts.append(simulate(scenario, doctrine, seed=seed, run_ids=group, events=events, progress=cb, workspace=workspace))
        offset += len(group)
    if len(parts) == 1:
        return parts[0]
    first, last = parts
    return SimulationResult(
        metrics=pd.concat([first.metrics, last.metrics], ignore_index=True),
        events=first.events,
        official=first.official,
        series=pd.concat([first.series, last.series], ignore_index=True),
        meta={**last.meta, "runs": len(ids)},
        scenario=last.scenario,
        careers=first.careers,  # (the runs with events; built from their columns, before these are formatted)
        officers=first.officers,
    )


# One engine workspace per worker thread, kept from chunk to chunk: a worker runs one chunk at a time on
# each thread, and fresh memory costs page faults (`Workspace`).
_worker_memory = threading.local()


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Simulate one chunk and package it for the store (runs on a Dask worker); refused (SourceMismatch)
    on a worker whose stavka is not the client's."""
    if task.source is not None:
        refuse_other_source(task.source)
    start = time.perf_counter()
    ids = range(task.first_run, task.first_run + task.n_runs)
    if not hasattr(_worker_memory, "workspace"):
        _worker_memory.workspace = Workspace()
    res = simulate_keeping(task.scenario, task.doctrine, ids, task.seed, task.keep_events, workspace=_worker_memory.workspace)
    return chunk_from_frames(
        task.cell,
        task.first_run,
        task.n_runs,
        res.metrics,
        res.events,
        res.official,
        res.series,
        seconds=time.perf_counter() - start,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        careers=res.careers,
        officers=res.officers,
    )


def chunks_todo(runs: int, n_cells: int, done: dict[int, list[tuple[int, int]]], chunk: int) -> Iterator[tuple[int, int, int]]:
    """(cell, first run, n runs) of the runs not yet stored, in contiguous ranges of at most `chunk`, given
    the stored ranges (first run, n runs) of each cell.  Lazy: memory does not grow with the sweep."""
    for cell in range(n_cells):
        position = 0
        for first, n in [*sorted(done.get(cell, [])), (runs, 0)]:
            for start in range(position, min(first, runs), chunk):
                yield cell, start, min(chunk, first - start, runs - start)
            position = max(position, first + n)
