"""Summary statistics and the distance, read from the record module's facts.

The summaries are the fitting targets of `stavka.record.facts` ("fit") that have a model measure
(`stavka.record.measures`) and are not inputs (a fact the scenario reproduces by construction: the fronts come
from the calendar); the checking facts ("check") are never fitted, only used by the predictive checks.  A
particle's summary is the measure's own summary (mean, or median for months) over its K runs (NaN runs left out).

Distance (docs/calibration.md): each target i states a value v_i and a range [lo_i, hi_i] that the record allows;
its half-width is read as one standard uncertainty, s_i = max((hi_i - lo_i) / 2, floor(unit)) (an exact fact
gets the floor: one month, 0.02 of a share, half a unit of a count).  The distance is the root mean square of the
scaled deviations, d = sqrt(mean_i ((x_i - v_i) / s_i)^2), so d <= 1 means "within the record's band on
average" whatever the units; a target the runs leave undefined (no victory, no sidelining) counts MISSING.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import ConfigError
from ..record.facts import Fact, checking_facts, fitting_targets
from ..record.measures import BY_FACT, as_number
from ..record.measures import scored as has_measure

MISSING = 3.0  # scaled deviation of an undefined summary: as bad as three of the target's uncertainties
FLOOR = {"share": 0.02, "month": 1.0, "months after victory": 1.0}
FLOOR_DEFAULT = 0.5


@dataclass(frozen=True)
class Target:
    id: str
    value: float
    lo: float
    hi: float
    scale: float
    unit: str
    use: str


def _target(f: Fact) -> Target:
    v, lo, hi = (as_number(x) for x in (f.value, f.lo, f.hi))
    scale = max((hi - lo) / 2, FLOOR.get(f.unit, FLOOR_DEFAULT))
    return Target(f.id, v, lo, hi, scale, f.unit, f.use)


def targets(ids: Iterable[str] | None = None, use: str = "fit") -> list[Target]:
    """The record's facts of `use` with a model measure that is not an input (all of them, or those of `ids`: an id that is not
    such a fact is a one-line error)."""
    facts = fitting_targets() if use == "fit" else checking_facts()
    usable = {f.id: f for f in facts if has_measure(f)}
    chosen = list(usable) if ids is None else list(ids)
    for i in chosen:
        if i not in usable:
            why = _why_not(i) if i in {f.id for f in facts} else f"not a '{use}' fact"
            raise ConfigError(f"target {i!r}: {why}; usable: {', '.join(usable)}")
    if not chosen:
        raise ConfigError("targets: expected at least one target")
    return [_target(usable[i]) for i in chosen]


def _why_not(fact_id: str) -> str:
    m = BY_FACT.get(fact_id)
    if m is None:
        return "no model measure (record/measures.py)"
    return "an input of the scenario (reproduced by construction), not evidence of fit" if m.is_input else "not comparable"


def unused_targets() -> dict[str, str]:
    """Fitting targets left out, and why."""
    return {f.id: _why_not(f.id) for f in fitting_targets() if not has_measure(f)}


def per_run(result: Any, tgts: list[Target]) -> dict[str, np.ndarray]:
    """{target id: the measure's value in each run of `result`}."""
    return {t.id: BY_FACT[t.id].of_runs(result) for t in tgts}


def summarise(result: Any, tgts: list[Target]) -> dict[str, float]:
    """{target id: its measure's summary over the result's runs: mean, or median for months} (NaN if no run
    defines it)."""
    out = {}
    for k, v in per_run(result, tgts).items():
        ok = v[~np.isnan(v)]
        if not len(ok):
            out[k] = float("nan")
        else:
            out[k] = float(np.median(ok)) if BY_FACT[k].summary == "median" else float(ok.mean())
    return out


def observed(tgts: list[Target]) -> dict[str, float]:
    return {t.id: t.value for t in tgts}


def scaled(x: Mapping[str, float], tgts: list[Target]) -> np.ndarray:
    xs = np.array([float(x.get(t.id, np.nan)) for t in tgts], dtype=float)
    vs = np.array([t.value for t in tgts], dtype=float)
    z = (xs - vs) / np.array([t.scale for t in tgts], dtype=float)
    # undefined on one side only: MISSING; on both (a pseudo-record without victory, and a run without): a match
    return np.where(np.isnan(xs) & np.isnan(vs), 0.0, np.where(np.isnan(z), MISSING, z))


def distance(x: Mapping[str, float], tgts: list[Target]) -> float:
    return float(np.sqrt(np.mean(scaled(x, tgts) ** 2)))
