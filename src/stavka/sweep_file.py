"""The sweep file: what a sweep is asked to do, read and checked.

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
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .config import MAX_SEED, ConfigError
from .overrides import qualified

DEFAULT_CHUNK = 250
DEFAULT_KEEP_EVENTS = 10  # runs per cell whose true and official ledgers are stored
# A sweep's runs, all cells together.  10^9 runs is some 46 days of this project's 2-core machine (about
# 250 runs/s) and about 20 TB of monthly series in the store; a larger sweep is a mistake in the file.
MAX_SWEEP_RUNS = 10**9
MAX_CELLS = 100_000  # grid or hypercube points times doctrines: each cell is a row the plan holds in memory


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
            raise ConfigError(f'{source}: lhs: expected at least one "parameter" = [low, high]')
        for key, rng in table.items():
            ok = (
                isinstance(rng, list)
                and len(rng) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) for x in rng)
                and rng[0] <= rng[1]
            )
            if not ok:
                raise ConfigError(f"{source}: lhs.{key}: expected [low, high] numbers, low <= high (got {rng!r})")
            lhs.append((qualified(key, f"{source}: lhs"), (rng[0], rng[1])))
    points = samples or math.prod(len(v) for v in data.grid.values())
    if points * len(data.doctrines) > MAX_CELLS:
        raise ConfigError(
            f"{source}: {points} points x {len(data.doctrines)} doctrines: more cells than a sweep may have ({MAX_CELLS})"
        )
    keep = data.events
    keep_events = (data.runs if keep else 0) if isinstance(keep, bool) else min(int(keep), data.runs)
    return SweepSpec(
        name=data.name or file.stem,
        scenario=near(data.scenario),
        doctrines=tuple(near(d) for d in data.doctrines),
        runs=data.runs,
        seed=data.seed,
        chunk=data.chunk,
        keep_events=keep_events,
        params=tuple((qualified(k, f"{source}: params"), v) for k, v in data.params.items()),
        grid=tuple((qualified(k, f"{source}: grid"), tuple(v)) for k, v in data.grid.items()),
        lhs=tuple(lhs),
        lhs_samples=samples,
        source=source,
    )
