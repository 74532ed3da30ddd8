"""Shared simulations for the property suite (MODEL.md §6).

Every property is tested on at least `RUNS` seeded runs per arm.  Arms are paired: they share the
seed and the run ids, so run k meets the same luck under every arm until the arms' decisions make
the histories diverge.  Simulations are expensive, so each arm is simulated once per session and
cached here (`sim` for the public `stavka.simulate` with both ledgers, `tracked` for a month-by-month
drive of the engine that also records what the metrics do not: peak popularity, the true
competence of crisis appointees, command quality over the war).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

import stavka
from stavka.doctrines import get_doctrine
from stavka.engine.codes import Cause, Kind, PostKind, Status, War
from stavka.engine.driver import Engine
from stavka.metrics import run_metrics
from stavka.overrides import split as split_overrides
from stavka.scenario import Scenario

SEED = 1941
RUNS = 200  # seeded runs per arm, for every statistical property
ALPHA = 0.01  # significance level of every statistical test in the suite


def _key(overrides: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()))


@cache
def _sim(doctrine: str, key: tuple[tuple[str, Any], ...]) -> stavka.SimulationResult:
    return stavka.simulate(doctrine=doctrine, runs=RUNS, seed=SEED, events=True, **dict(key))


def sim(doctrine: str, **overrides: Any) -> stavka.SimulationResult:
    """`stavka.simulate(doctrine, runs=RUNS, seed=SEED, events=True, **overrides)`, once per session."""
    return _sim(doctrine, _key(overrides))


@dataclass
class Tracked:
    """What a month-by-month drive of the engine recorded for a batch of runs (one row per run)."""

    metrics: pd.DataFrame  # the engine's per-run metrics (those that need no official history)
    series: dict[str, np.ndarray]  # the engine's monthly series, (runs, months)
    peak_popularity: np.ndarray  # highest popularity any officer reached during the war
    crisis_comp_sum: np.ndarray  # true competence of crisis appointees (at appointment), summed
    crisis_n: np.ndarray  # number of crisis appointments
    encircled_heavy: np.ndarray  # encirclements in months of heavy enemy pressure
    war_start: int
    war_end: np.ndarray  # month index the war ended (last month if it did not)
    heavy_months: np.ndarray  # indices of the months of heavy enemy pressure

    @property
    def crisis_comp(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.crisis_n > 0, self.crisis_comp_sum / np.maximum(self.crisis_n, 1), np.nan)


HEAVY_PRESSURE = 1.3  # enemy pressure at or above this is "heavy" (1941 and the 1942 summer offensive)


def drive(doctrine: str, seed: int = SEED, runs: int = RUNS, **overrides: Any) -> Tracked:
    scen_over, doc_over = split_overrides(overrides)
    scen = Scenario.load("default", **scen_over)
    doc = get_doctrine(doctrine, **doc_over)
    ids = np.arange(runs, dtype=np.int64)
    eng = Engine(scen, seed, ids)
    n_slots = scen.config.corps.n_officers
    rows_all = np.arange(runs)
    peak = np.zeros(runs)
    c_sum = np.zeros(runs)
    c_n = np.zeros(runs, dtype=np.int64)
    heavy = np.zeros(runs, dtype=np.int64)
    heavy_months = np.flatnonzero(scen.pressure >= HEAVY_PRESSURE)
    while not eng.done:
        eng.begin_month()
        t = eng.month
        decisions = doc.decide(eng.view())
        comp_before = eng.world.off["comp"].copy()
        eng.end_month(decisions)
        off, w = eng.world.off, eng.world
        mask = np.arange(eng.capacity)[None, :] < eng.ev_n[:, None]
        rec = eng.ev[mask]
        rows = np.repeat(rows_all, eng.ev_n)
        sel = (rec["kind"] == Kind.APPOINTMENT) & (rec["cause"] == Cause.CRISIS)
        if sel.any():
            r, slot = rows[sel], rec["officer"][sel] % n_slots
            np.add.at(c_sum, r, comp_before[r, slot])
            np.add.at(c_n, r, 1)
        at_war = (w.run["war"] == War.WAR) | (w.run["war_end"] == t)
        live = off["status"] == Status.ACTIVE
        top = np.where(live, off["pop"], 0.0).max(axis=1)
        peak = np.where(at_war, np.maximum(peak, top), peak)
        if t in heavy_months:
            heavy += ((w.fronts["encircled"] == 1) & (w.fronts["active"] == 1)).sum(axis=1) * at_war
    metrics = run_metrics(eng.world, eng.log, ids, scen.calendar)
    last = scen.calendar.n_months - 1
    war_end = np.where(eng.world.run["war"] == War.WAR, last, eng.world.run["war_end"]).astype(int)
    return Tracked(
        metrics=metrics,
        series=eng.log.series,
        peak_popularity=peak,
        crisis_comp_sum=c_sum,
        crisis_n=c_n,
        encircled_heavy=heavy,
        war_start=scen.war_start,
        war_end=war_end,
        heavy_months=heavy_months,
    )


@cache
def _tracked(doctrine: str, key: tuple[tuple[str, Any], ...]) -> Tracked:
    return drive(doctrine, **dict(key))


def tracked(doctrine: str, **overrides: Any) -> Tracked:
    """`drive(doctrine, **overrides)` on RUNS runs of SEED, once per session."""
    return _tracked(doctrine, _key(overrides))


@pytest.fixture(scope="session")
def doctrine_names() -> list[str]:
    return sorted(stavka.doctrines.REGISTRY)


__all__ = ["ALPHA", "RUNS", "SEED", "Tracked", "drive", "sim", "tracked", "PostKind"]
