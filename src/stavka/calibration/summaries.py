"""Summary statistics and the distance, read from the record module's facts.

The summaries are the fitting targets of `stavka.record.facts` ("fit") that have a model counterpart
(`stavka.record.counterparts`); the checking facts ("check") are never fitted, only used by the predictive checks.
A particle's summary is the mean of the counterpart over its K runs (NaN runs left out).

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
from ..record.counterparts import NO_COUNTERPART, counterparts, fact_number, has_counterpart
from ..record.facts import Fact, checking_facts, fitting_targets

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


def _target(f: Fact, calendar: Any) -> Target:
    v, lo, hi = (fact_number(f, x, calendar) for x in (f.value, f.lo, f.hi))
    scale = max((hi - lo) / 2, FLOOR.get(f.unit, FLOOR_DEFAULT))
    return Target(f.id, v, lo, hi, scale, f.unit, f.use)


def _calendar() -> Any:
    from ..scenario import Scenario

    return Scenario.load("default").calendar


def targets(ids: Iterable[str] | None = None, use: str = "fit") -> list[Target]:
    """The record's facts of `use` with a model counterpart (all of them, or those of `ids`: an id that is not
    such a fact is a one-line error)."""
    facts = fitting_targets() if use == "fit" else checking_facts()
    usable = {f.id: f for f in facts if has_counterpart(f)}
    chosen = list(usable) if ids is None else list(ids)
    for i in chosen:
        if i not in usable:
            why = NO_COUNTERPART.get(i) or ("no model counterpart" if i in {f.id for f in facts} else f"not a '{use}' fact")
            raise ConfigError(f"target {i!r}: {why}; usable: {', '.join(usable)}")
    if not chosen:
        raise ConfigError("targets: expected at least one target")
    cal = _calendar()
    return [_target(usable[i], cal) for i in chosen]


def unused_targets() -> dict[str, str]:
    """Fitting targets left out, and why."""
    return {
        f.id: NO_COUNTERPART.get(f.id, "not comparable with the simulated corps" if not f.comparable else "no counterpart")
        for f in fitting_targets()
        if not has_counterpart(f)
    }


def per_run(result: Any, tgts: list[Target]) -> dict[str, np.ndarray]:
    facts = {f.id: f for f in fitting_targets() + checking_facts()}
    return counterparts(result, [facts[t.id] for t in tgts])


def summarise(result: Any, tgts: list[Target]) -> dict[str, float]:
    """{target id: the mean of its counterpart over the result's runs} (NaN if no run defines it)."""
    out = {}
    for k, v in per_run(result, tgts).items():
        ok = v[~np.isnan(v)]
        out[k] = float(ok.mean()) if len(ok) else float("nan")
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
