"""Experiments and their cells: what decides a stored result, its id, and how `run` and `compare` store
theirs; rebuilding stored runs from the store alone (`rerun`)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from .cluster import source_hash
from .config import ConfigError, ScenarioConfig, load_scenario
from .doctrines import Doctrine, get_doctrine
from .overrides import qualify_all
from .overrides import split as split_overrides
from .storage import Cell, Experiment, Store, chunk_from_frames
from .sweep_file import MAX_SWEEP_RUNS, SweepSpec

if TYPE_CHECKING:
    from .api import SimulationResult


@dataclass(frozen=True)
class CellPlan:
    """A cell with what a worker needs to simulate it."""

    cell: Cell
    scenario: ScenarioConfig
    doctrine: Doctrine


def make_cell(
    index: int,
    scenario: str | ScenarioConfig,
    doctrine: str | Doctrine,
    overrides: dict[str, Any] | None = None,
    source: str = "",
) -> CellPlan:
    """A cell: the scenario with its 'scenario.*' overrides and the doctrine with its 'doctrine.*' ones."""
    overrides = qualify_all(overrides or {})
    scen_over, doc_over = split_overrides(overrides)
    try:
        cfg = load_scenario(scenario, **scen_over)
        doc = get_doctrine(doctrine, **doc_over)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}" if source else str(exc)) from None
    cell = Cell(
        cell=index,
        doctrine=doc.name,
        doctrine_params=doc.params.model_dump(mode="json"),
        overrides=overrides,
        scenario=cfg.scenario.name,
        scenario_hash=cfg.digest(),
        scenario_config=cfg.model_dump(mode="json"),
        doctrine_record=doc.record(),
    )
    return CellPlan(cell=cell, scenario=cfg, doctrine=doc)


def experiment_id(prefix: str, kind: str, cells: Sequence[Cell], seed: int, runs: int, keep_events: int) -> str:
    """The name and a hash of all that decides an experiment's results."""
    # The doctrine's record (its source, for a doctrine from a file) and the package's source hash are part
    # of the identity: an edited doctrine file, or edited code, is a new experiment, never resumed into an old one.
    identity = {
        "kind": kind,
        "version": __version__,
        "source": source_hash(),
        "seed": seed,
        "runs": runs,
        "keep_events": keep_events,
        "cells": [[c.doctrine, c.doctrine_params, c.overrides, c.scenario_hash, c.doctrine_record] for c in cells],
    }
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
        raise ConfigError(
            f"{spec.source}: runs: {spec.runs} runs x {len(cells)} cells = {spec.runs * len(cells)} "
            f"runs, more than a sweep may have ({MAX_SWEEP_RUNS})"
        )
    names = [c.doctrine for c in cells]
    if len(set(zip(names, (json.dumps(c.overrides, sort_keys=True) for c in cells), strict=True))) < len(cells):
        raise ConfigError(f"{spec.source}: doctrines: a doctrine is listed twice")
    specdict = {
        "name": spec.name,
        "scenario": spec.scenario,
        "doctrines": list(spec.doctrines),
        "runs": spec.runs,
        "seed": spec.seed,
        "keep_events": spec.keep_events,
        "params": dict(spec.params),
        "grid": {k: list(v) for k, v in spec.grid},
        "lhs": {k: list(v) for k, v in spec.lhs},
        "lhs_samples": spec.lhs_samples,
    }
    exp = Experiment(
        experiment=experiment_id(spec.name, "sweep", cells, spec.seed, spec.runs, spec.keep_events),
        kind="sweep",
        name=spec.name,
        seed=spec.seed,
        runs=spec.runs,
        cells=cells,
        keep_events=spec.keep_events,
        spec=specdict,
        source_hash=source_hash(),
    )
    return exp, plans


# --- run and compare: whole experiments in one transaction --------------------------------------------------


def save_results(
    db: str | os.PathLike[str],
    kind: str,
    results: Sequence[SimulationResult],
    runs: int,
    seed: int,
    keep_events: int,
    ledgers: Sequence[SimulationResult | None] | None = None,
    spec: dict[str, Any] | None = None,
) -> str:
    """Store the results of `stavka run` (one doctrine) or `compare` (several, paired) as one
    experiment, replacing an earlier one of the same id; returns the id.  `ledgers[i]`, if given,
    holds the events of the first runs of `results[i]` (when those were simulated without them)."""
    cells = []
    for i, res in enumerate(results):
        overrides = qualify_all(res.meta.get("overrides", {}))
        cells.append(
            Cell(
                cell=i,
                doctrine=res.meta["doctrine"],
                doctrine_params=res.meta["doctrine_params"],
                overrides=overrides,
                scenario=res.meta["scenario"],
                scenario_hash=res.meta["scenario_hash"],
                scenario_config=res.scenario.config.model_dump(mode="json"),
                doctrine_record=res.meta["doctrine_record"],
            )
        )
    prefix = f"run-{cells[0].doctrine}" if kind == "run" else kind
    exp = Experiment(
        experiment=experiment_id(prefix, kind, cells, seed, runs, keep_events),
        kind=kind,
        name=prefix,
        seed=seed,
        runs=runs,
        cells=tuple(cells),
        keep_events=keep_events,
        spec=spec or {},
        version=results[0].meta["version"],
        source_hash=source_hash(),
    )
    chunks = []
    for i, res in enumerate(results):
        src = ledgers[i] if ledgers is not None and ledgers[i] is not None else res
        assert src is not None
        keep = src.events["run"] < keep_events if len(src.events) else np.zeros(0, dtype=bool)
        keep_off = src.official["run"] < keep_events if len(src.official) else np.zeros(0, dtype=bool)
        careers, officers = src.careers, src.officers
        chunks.append(
            chunk_from_frames(
                i,
                0,
                runs,
                res.metrics,
                src.events[keep],
                src.official[keep_off],
                res.series,
                careers=careers[careers["run"] < keep_events],
                officers=officers[officers["run"] < keep_events],
            )
        )
    with Store(db) as store:
        store.write_experiment(exp, chunks)
    return exp.experiment


# --- rebuilding stored runs from the store alone -------------------------------------------------------------


def rerun(
    db: str | os.PathLike[str],
    experiment: str | None = None,
    cell: int = 0,
    run_ids: Sequence[int] | None = None,
    events: bool = False,
) -> SimulationResult:
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
        raise StoreError(
            f"{db}: experiment {exp_id} was stored before doctrines were recorded by content "
            "(store schema 1); its doctrine cannot be rebuilt from the store"
        )
    stored_source = exp.get("source_hash")
    if isinstance(stored_source, str) and stored_source != source_hash():
        warnings.warn(
            f"experiment {exp_id} was made by stavka source {stored_source[:12]}, this is "
            f"{source_hash()[:12]}: the runs may differ from the stored ones",
            stacklevel=2,
        )
    cfg = validate_scenario(json.loads(row["scenario_config"]), f"{db}: cell {cell} of {exp_id}")
    doctrine = doctrine_from_record(json.loads(row["doctrine_record"]))
    from .api import simulate

    return simulate(cfg, doctrine, seed=int(exp["seed"]), run_ids=run_ids, events=events)
