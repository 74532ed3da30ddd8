"""Sweeps: many runs of doctrines over a grid or a Latin hypercube, on Dask, streamed into the store.

A sweep file (TOML) names the scenario, the doctrines, the replicate runs per cell and the root seed,
and optionally fixed parameters, a grid or a Latin hypercube over doctrine and scenario parameters::

    name = "purge_vs_merit"          # optional; the file's stem by default
    scenario = "default"             # a built-in name or a .toml path (relative to this file)
    doctrines = ["terror", "meritocratic"]
    runs = 1500                      # replicate runs per cell: run ids 0 .. runs-1, the same luck in every cell
    seed = 11                        # the root seed
    chunk = 250                      # optional: runs per chunk (a batch for the engine)
    events = 10                      # optional: runs per cell that keep both ledgers (true: all, false: none)

    [params]                         # optional: the same in every cell
    "scenario.operations.noise_km" = 30

    [grid]                           # optional: every combination, for every doctrine
    "doctrine.rotate_popular" = [0.0, 0.3, 0.6]

    [lhs]                            # optional, instead of [grid]: `samples` points in [low, high] ranges
    samples = 12
    "doctrine.scapegoat_execute" = [0.0, 1.0]

Keys are ``doctrine.PARAMETER`` or ``scenario.SECTION.PARAMETER``; like the Python API, a plain name
is a doctrine parameter and a dotted one a scenario parameter (`stavka.overrides`, the one rule).  A cell
is a doctrine at one point.

The experiment's id is the sweep's name and a hash of everything that decides its results (package
version, cells, seed, runs, kept ledgers): running the same file again resumes the same experiment,
skipping the runs already stored; changing it starts a new one.  Work goes out in chunks of
contiguous run ids of one cell; a chunk's rows and its completed-chunk record are committed in one
transaction as soon as it finishes, and at most a few chunks are in flight, so memory stays bounded
however many runs the sweep has.  Results do not depend on the number of workers or the chunk size.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import __version__
from .cluster import SourceMismatch, identity, one_line, open_cluster, refuse_other_source, source_hash, warm_up
from .config import ConfigError, ScenarioConfig, load_scenario
from .doctrines import Doctrine, get_doctrine
from .engine.state import Workspace
from .overrides import qualified, qualify_all
from .overrides import split as split_overrides
from .storage import DEFAULT_DB, Cell, ChunkResult, Experiment, Store, chunk_from_frames

if TYPE_CHECKING:
    from distributed import Client

    from .api import SimulationResult

DEFAULT_CHUNK = 250
DEFAULT_KEEP_EVENTS = 10  # runs per cell whose true and official ledgers are stored
IN_FLIGHT_PER_WORKER = 2  # chunks submitted ahead per worker: what bounds the sweep's memory
# A sweep's runs, all cells together.  10^9 runs is some 46 days of this project's 2-core machine (about
# 250 runs/s) and about 20 TB of monthly series in the store; a larger sweep is a mistake in the file.
MAX_SWEEP_RUNS = 10**9
MAX_SEED = 2**63 - 1  # the store's seed column is a signed 64-bit integer
MAX_CELLS = 100_000  # grid or hypercube points times doctrines: each cell is a row the plan holds in memory


class SweepError(RuntimeError):
    """A chunk failed on a worker (or the cluster went away); the chunks stored are kept."""


# --- the sweep file ---------------------------------------------------------------------------------------


class _SweepFile(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str | None = None
    scenario: str = "default"
    doctrines: list[str] = Field(min_length=1)
    runs: int = Field(ge=1, le=MAX_SWEEP_RUNS, strict=True)  # strict: a float or a boolean is a mistake
    seed: int = Field(0, ge=0, le=MAX_SEED, strict=True)
    chunk: int = Field(DEFAULT_CHUNK, ge=1, le=100_000, strict=True)
    events: bool | int = DEFAULT_KEEP_EVENTS
    params: dict[str, Any] = {}
    grid: dict[str, list[Any]] = {}
    lhs: dict[str, Any] = {}

    @field_validator("events")
    @classmethod
    def _events(cls, v: bool | int) -> bool | int:
        if not isinstance(v, bool) and v < 0:
            raise ValueError("expected true, false or a number of runs >= 0")
        return v

    @field_validator("grid")
    @classmethod
    def _grid(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in v.items():
            if not values:
                raise ValueError(f"{key}: expected a non-empty list of values")
        return v


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file (see the module's documentation)."""

    name: str
    scenario: str
    doctrines: tuple[str, ...]
    runs: int
    seed: int
    chunk: int = DEFAULT_CHUNK
    keep_events: int = DEFAULT_KEEP_EVENTS
    params: tuple[tuple[str, Any], ...] = ()
    grid: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    lhs: tuple[tuple[str, tuple[float, float]], ...] = ()
    lhs_samples: int = 0
    source: str = "sweep"

    def points(self) -> list[dict[str, Any]]:
        """The grid's or hypercube's points (one empty point when there is neither)."""
        if self.grid:
            keys = [k for k, _ in self.grid]
            return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in self.grid))]
        if self.lhs:
            from scipy.stats import qmc

            u = qmc.LatinHypercube(d=len(self.lhs), seed=self.seed).random(self.lhs_samples)
            points = []
            for row in u:
                point: dict[str, Any] = {}
                for (key, (lo, hi)), x in zip(self.lhs, row, strict=True):
                    value = lo + float(x) * (hi - lo)
                    point[key] = int(round(value)) if isinstance(lo, int) and isinstance(hi, int) else value
                points.append(point)
            return points
        return [{}]


def load_sweep(path: str | os.PathLike[str]) -> SweepSpec:
    """Read and check a sweep file; mistakes are one-line ConfigErrors naming the file and the field."""
    from .config import _describe, read_toml

    file = Path(path)
    raw = read_toml(file)
    source = str(file)
    try:
        data = _SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc.errors()[0])}") from None
    if data.grid and data.lhs:
        raise ConfigError(f"{source}: use either [grid] or [lhs], not both")

    def near(ref: str) -> str:
        """A path relative to the sweep file, if it names a file there."""
        if (ref.endswith((".toml", ".py")) or "/" in ref) and not Path(ref).is_absolute():
            candidate = file.parent / ref
            if candidate.exists():
                return str(candidate)
        return ref

    lhs: list[tuple[str, tuple[float, float]]] = []
    samples = 0
    if data.lhs:
        table = dict(data.lhs)
        samples = table.pop("samples", None)
        if not isinstance(samples, int) or isinstance(samples, bool) or not 1 <= samples <= MAX_CELLS:
            raise ConfigError(f"{source}: lhs.samples: expected a number of points from 1 to {MAX_CELLS}")
        if not table:
            raise ConfigError(f"{source}: lhs: expected at least one \"parameter\" = [low, high]")
        for key, rng in table.items():
            ok = (isinstance(rng, list) and len(rng) == 2
                  and all(isinstance(x, int | float) and not isinstance(x, bool) for x in rng) and rng[0] <= rng[1])
            if not ok:
                raise ConfigError(f"{source}: lhs.{key}: expected [low, high] numbers, low <= high (got {rng!r})")
            lhs.append((qualified(key, f"{source}: lhs"), (rng[0], rng[1])))
    points = samples or math.prod(len(v) for v in data.grid.values())
    if points * len(data.doctrines) > MAX_CELLS:
        raise ConfigError(f"{source}: {points} points x {len(data.doctrines)} doctrines: more cells than a sweep may "
                          f"have ({MAX_CELLS})")
    keep = data.events
    keep_events = (data.runs if keep else 0) if isinstance(keep, bool) else min(int(keep), data.runs)
    return SweepSpec(
        name=data.name or file.stem, scenario=near(data.scenario), doctrines=tuple(near(d) for d in data.doctrines),
        runs=data.runs, seed=data.seed, chunk=data.chunk, keep_events=keep_events,
        params=tuple((qualified(k, f"{source}: params"), v) for k, v in data.params.items()),
        grid=tuple((qualified(k, f"{source}: grid"), tuple(v)) for k, v in data.grid.items()),
        lhs=tuple(lhs), lhs_samples=samples, source=source)


# --- cells and experiments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellPlan:
    """A cell with what a worker needs to simulate it."""

    cell: Cell
    scenario: ScenarioConfig
    doctrine: Doctrine


def make_cell(index: int, scenario: str | ScenarioConfig, doctrine: str | Doctrine,
              overrides: dict[str, Any] | None = None, source: str = "") -> CellPlan:
    """A cell: the scenario with its 'scenario.*' overrides and the doctrine with its 'doctrine.*' ones."""
    overrides = qualify_all(overrides or {})
    scen_over, doc_over = split_overrides(overrides)
    try:
        cfg = load_scenario(scenario, **scen_over)
        doc = get_doctrine(doctrine, **doc_over)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}" if source else str(exc)) from None
    cell = Cell(cell=index, doctrine=doc.name, doctrine_params=doc.params.model_dump(mode="json"),
                overrides=overrides, scenario=cfg.scenario.name, scenario_hash=cfg.digest(),
                scenario_config=cfg.model_dump(mode="json"), doctrine_record=doc.record())
    return CellPlan(cell=cell, scenario=cfg, doctrine=doc)


def experiment_id(prefix: str, kind: str, cells: Sequence[Cell], seed: int, runs: int, keep_events: int) -> str:
    """The name and a hash of all that decides an experiment's results."""
    # The doctrine's record (its source, for a doctrine from a file) and the package's source hash are part
    # of the identity: an edited doctrine file, or edited code, is a new experiment, never resumed into an old one.
    identity = {"kind": kind, "version": __version__, "source": source_hash(), "seed": seed, "runs": runs,
                "keep_events": keep_events, "cells": [[c.doctrine, c.doctrine_params, c.overrides, c.scenario_hash,
                                                       c.doctrine_record] for c in cells]}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:10]
    safe = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in prefix) or kind
    return f"{safe}-{digest}"


def plan(spec: SweepSpec) -> tuple[Experiment, list[CellPlan]]:
    """The sweep's experiment record and its cells (doctrine-major, then grid or hypercube points)."""
    plans: list[CellPlan] = []
    for doctrine in spec.doctrines:
        for point in spec.points():
            plans.append(make_cell(len(plans), spec.scenario, doctrine, {**dict(spec.params), **point}, spec.source))
    cells = tuple(p.cell for p in plans)
    if spec.runs * len(cells) > MAX_SWEEP_RUNS:
        raise ConfigError(f"{spec.source}: runs: {spec.runs} runs x {len(cells)} cells = {spec.runs * len(cells)} "
                          f"runs, more than a sweep may have ({MAX_SWEEP_RUNS})")
    names = [c.doctrine for c in cells]
    if len(set(zip(names, (json.dumps(c.overrides, sort_keys=True) for c in cells), strict=True))) < len(cells):
        raise ConfigError(f"{spec.source}: doctrines: a doctrine is listed twice")
    specdict = {"name": spec.name, "scenario": spec.scenario, "doctrines": list(spec.doctrines), "runs": spec.runs,
                "seed": spec.seed, "keep_events": spec.keep_events, "params": dict(spec.params),
                "grid": {k: list(v) for k, v in spec.grid}, "lhs": {k: list(v) for k, v in spec.lhs},
                "lhs_samples": spec.lhs_samples}
    exp = Experiment(experiment=experiment_id(spec.name, "sweep", cells, spec.seed, spec.runs, spec.keep_events),
                     kind="sweep", name=spec.name, seed=spec.seed, runs=spec.runs, cells=cells,
                     keep_events=spec.keep_events, spec=specdict, source_hash=source_hash())
    return exp, plans


# --- one chunk (on a worker) --------------------------------------------------------------------------------


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


def simulate_keeping(scenario: str | ScenarioConfig, doctrine: str | Doctrine, run_ids: Sequence[int], seed: int,
                     keep_events: int, progress: Callable[[int], None] | None = None,
                     workspace: Workspace | None = None) -> SimulationResult:
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
        parts.append(simulate(scenario, doctrine, seed=seed, run_ids=group, events=events, progress=cb,
                              workspace=workspace))
        offset += len(group)
    if len(parts) == 1:
        return parts[0]
    first, last = parts
    return SimulationResult(
        metrics=pd.concat([first.metrics, last.metrics], ignore_index=True), events=first.events,
        official=first.official, series=pd.concat([first.series, last.series], ignore_index=True),
        meta={**last.meta, "runs": len(ids)}, scenario=last.scenario)


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
    res = simulate_keeping(task.scenario, task.doctrine, ids, task.seed, task.keep_events,
                           workspace=_worker_memory.workspace)
    return chunk_from_frames(task.cell, task.first_run, task.n_runs, res.metrics, res.events, res.official,
                             res.series, seconds=time.perf_counter() - start,
                             worker=f"{socket.gethostname()}:{os.getpid()}")


def chunks_todo(runs: int, n_cells: int, done: dict[int, list[tuple[int, int]]],
                chunk: int) -> Iterator[tuple[int, int, int]]:
    """(cell, first run, n runs) of the runs not yet stored, in contiguous ranges of at most `chunk`, given
    the stored ranges (first run, n runs) of each cell.  Lazy: memory does not grow with the sweep."""
    for cell in range(n_cells):
        position = 0
        for first, n in [*sorted(done.get(cell, [])), (runs, 0)]:
            for start in range(position, min(first, runs), chunk):
                yield cell, start, min(chunk, first - start, runs - start)
            position = max(position, first + n)


# --- the sweep ----------------------------------------------------------------------------------------------


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


def run_sweep(spec: SweepSpec | str | os.PathLike[str], db: str | os.PathLike[str] = DEFAULT_DB,
              workers: int = 2, scheduler: str | None = None, chunk: int | None = None,
              progress: Callable[[SweepProgress], None] | None = None) -> SweepSummary:
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
                tasks = (ChunkTask(cell=c, first_run=f, n_runs=n, seed=exp.seed, keep_events=exp.keep_events,
                                   scenario=plans[c].scenario, doctrine=plans[c].doctrine, source=source)
                         for c, f, n in itertools.chain([first], todo))
                _stream(client, Path(db), exp, tasks, IN_FLIGHT_PER_WORKER * n_workers, state, progress)
        with Store(db) as store:
            store.finish_experiment(exp.experiment)
    except BaseException:
        if state.done == resumed:
            _forget_empty(Path(db), exp.experiment, created=not existed)
        raise
    return SweepSummary(experiment=exp.experiment, db=Path(db), total=exp.total_runs, resumed=resumed,
                        simulated=state.done - resumed, seconds=time.perf_counter() - start, workers=n_workers,
                        warm_up_seconds=warm)


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

    return isinstance(exc, CommClosedError) or (isinstance(exc, FutureCancelledError)
                                                and exc.reason == "scheduler-connection-lost")


def _stream(client: Client, db: Path, exp: Experiment, tasks: Iterator[ChunkTask], in_flight: int,
            state: SweepProgress, progress: Callable[[SweepProgress], None] | None) -> None:
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


# --- run and compare: whole experiments in one transaction --------------------------------------------------


def save_results(db: str | os.PathLike[str], kind: str, results: Sequence[SimulationResult], runs: int, seed: int,
                 keep_events: int, ledgers: Sequence[SimulationResult | None] | None = None,
                 spec: dict[str, Any] | None = None) -> str:
    """Store the results of `stavka run` (one doctrine) or `compare` (several, paired) as one
    experiment, replacing an earlier one of the same id; returns the id.  `ledgers[i]`, if given,
    holds the events of the first runs of `results[i]` (when those were simulated without them)."""
    cells = []
    for i, res in enumerate(results):
        overrides = qualify_all(res.meta.get("overrides", {}))
        cells.append(Cell(cell=i, doctrine=res.meta["doctrine"], doctrine_params=res.meta["doctrine_params"],
                          overrides=overrides, scenario=res.meta["scenario"], scenario_hash=res.meta["scenario_hash"],
                          scenario_config=res.scenario.config.model_dump(mode="json"),
                          doctrine_record=res.meta["doctrine_record"]))
    prefix = f"run-{cells[0].doctrine}" if kind == "run" else kind
    exp = Experiment(experiment=experiment_id(prefix, kind, cells, seed, runs, keep_events), kind=kind,
                     name=prefix, seed=seed, runs=runs, cells=tuple(cells), keep_events=keep_events,
                     spec=spec or {}, version=results[0].meta["version"], source_hash=source_hash())
    chunks = []
    for i, res in enumerate(results):
        src = ledgers[i] if ledgers is not None and ledgers[i] is not None else res
        assert src is not None
        keep = src.events["run"] < keep_events if len(src.events) else np.zeros(0, dtype=bool)
        keep_off = src.official["run"] < keep_events if len(src.official) else np.zeros(0, dtype=bool)
        chunks.append(chunk_from_frames(i, 0, runs, res.metrics, src.events[keep], src.official[keep_off],
                                        res.series))
    with Store(db) as store:
        store.write_experiment(exp, chunks)
    return exp.experiment


# --- rebuilding stored runs from the store alone -------------------------------------------------------------


def rerun(db: str | os.PathLike[str], experiment: str | None = None, cell: int = 0,
          run_ids: Sequence[int] | None = None, events: bool = False) -> SimulationResult:
    """Simulate again runs stored in `db` (the latest experiment by default; run ids: those stored for the
    cell), from what the store recorded alone: the cell's whole scenario configuration, its doctrine by
    content (`Doctrine.record`: a doctrine file need not exist any more) and the experiment's seed.  With
    the same stavka source (`experiments.source_hash`), the histories are the stored ones, bit for bit."""
    import warnings

    from .config import validate_scenario
    from .doctrines import doctrine_from_record
    from .storage import StoreError

    with Store(db, read_only=True) as store, store.reading():
        exp_id = store.resolve(experiment)
        exp = store.table("experiments", exp_id).iloc[0]
        cells = store.table("cells", exp_id, "cell = ?", [cell])
        if cells.empty:
            raise StoreError(f"{store.path}: experiment {exp_id} has no cell {cell}")
        row = cells.iloc[0]
        if run_ids is None:
            run_ids = store.table("runs", exp_id, "cell = ?", [cell])["run"].tolist()
    if not isinstance(row.get("doctrine_record"), str):
        raise StoreError(f"{db}: experiment {exp_id} was stored before doctrines were recorded by content "
                         "(store schema 1); its doctrine cannot be rebuilt from the store")
    stored_source = exp.get("source_hash")
    if isinstance(stored_source, str) and stored_source != source_hash():
        warnings.warn(f"experiment {exp_id} was made by stavka source {stored_source[:12]}, this is "
                      f"{source_hash()[:12]}: the runs may differ from the stored ones", stacklevel=2)
    cfg = validate_scenario(json.loads(row["scenario_config"]), f"{db}: cell {cell} of {exp_id}")
    doctrine = doctrine_from_record(json.loads(row["doctrine_record"]))
    from .api import simulate

    return simulate(cfg, doctrine, seed=int(exp["seed"]), run_ids=run_ids, events=events)
