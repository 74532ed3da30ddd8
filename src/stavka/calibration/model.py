"""One particle's simulation: the pyabc model of an account.

Reproducibility: pyabc gives its model only the particle's parameters, not an index; so a particle's stavka runs
are keyed by its content.  `run_base(seed, doctrine, variant, params)` hashes the root seed, the account, the variant
and the parameters (as exact float reprs) to a 62-bit integer, and the particle's K runs are run ids base .. base+K-1
of `stavka.simulate(seed=seed)`.  Any stored particle is therefore re-simulated exactly by `resimulate` from its
row in the store (parameters and run_base), whichever worker, generation or order produced it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from .guard import SHIFT_KEY, make_doctrine
from .space import Free
from .summaries import Target, summarise


def run_base(seed: int, doctrine: str, variant: str, params: dict[str, float]) -> int:
    text = json.dumps([int(seed), doctrine, variant, sorted((k, repr(float(v))) for k, v in params.items())])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 2


def overrides(free: list[Free], params: dict[str, float]) -> tuple[dict[str, Any], int | None]:
    """The simulate overrides of a particle (integers rounded), and its phase shift if it has one."""
    out: dict[str, Any] = {}
    for f in free:
        v = float(params[f.key])
        out[f.key] = int(round(v)) if f.integer else v
    shift = params.get(SHIFT_KEY)
    return out, None if shift is None else int(round(float(shift)))


def simulate_particle(
    doctrine: str, variant: str, free: list[Free], params: dict[str, float], seed: int, runs: int, tgts: list[Target]
) -> tuple[dict[str, float], Any]:
    from ..api import simulate

    over, shift = overrides(free, params)
    scen = {k: v for k, v in over.items() if "__" in k}
    doc_params = {k: v for k, v in over.items() if "__" not in k}
    doc = make_doctrine(doctrine, doc_params, shift)
    base = run_base(seed, doctrine, variant, params)
    res = simulate("default", doc, seed=seed, runs=runs, run_ids=list(range(base, base + runs)), events=True, **scen)
    return summarise(res, tgts), res


@dataclass
class ParticleModel:
    """pyabc's model of one account (picklable: Dask sends it to the workers)."""

    doctrine: str
    variant: str
    free: list[Free]
    seed: int
    runs: int
    tgts: list[Target]

    def __call__(self, params: Any) -> dict[str, float]:
        p = {k: float(v) for k, v in dict(params).items()}
        stats, _ = simulate_particle(self.doctrine, self.variant, self.free, p, self.seed, self.runs, self.tgts)
        return {k: (v if np.isfinite(v) else float("nan")) for k, v in stats.items()}


@dataclass
class Distance:
    """d(x, x0): the root mean square of the scaled deviations (summaries.distance); picklable."""

    tgts: list[Target]

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        from .summaries import distance

        return distance(x, self.tgts)
