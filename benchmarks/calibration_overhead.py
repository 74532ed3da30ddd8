"""Simulations per second inside a calibration (pyabc ABC-SMC, single-core sampler, this process) against the same
particles simulated bare (`stavka.calibration.model.simulate_particle` in a loop), and how the calibration's time
grows with the population size.

    python benchmarks/calibration_overhead.py                  # populations 8, 16, 32; 2 generations; K = 2
    python benchmarks/calibration_overhead.py --populations 8 --generations 2 --runs-per-particle 2 --json

The overhead is the share of the calibration's wall time not spent inside the particles' simulations (timed
around each `simulate_particle` call): what pyabc's proposals, weights, database and stavka's export to the store
cost on top of the simulations.  (Runs per second inside against bare are printed too, but the particles'
parameters differ between the two, and so does their cost: the timed share is the like-for-like figure.)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import stavka.calibration.model as model
from stavka.calibration import calibrate, space
from stavka.calibration.summaries import targets

DOCTRINES = ["terror", "meritocratic"]


def bare(n: int, k: int, seed: int) -> float:
    """Runs per second of `n` particles drawn from the prior, simulated directly."""
    rng = np.random.default_rng(seed)
    tgts = targets()
    free = space("terror")
    start = time.perf_counter()
    for _ in range(n):
        params = {f.key: float(rng.uniform(f.lo, f.hi)) for f in free}
        model.simulate_particle("terror", "as_written", free, params, seed, k, tgts)
    return n * k / (time.perf_counter() - start)


def inside(population: int, generations: int, k: int, seed: int) -> dict[str, Any]:
    calls = {"n": 0, "seconds": 0.0}
    original = model.simulate_particle

    def counted(*args: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(*args, **kw)
        finally:
            calls["n"] += 1
            calls["seconds"] += time.perf_counter() - t

    model.simulate_particle = counted  # type: ignore[assignment]
    try:
        db = Path(tempfile.mkdtemp()) / "bench.duckdb"
        start = time.perf_counter()
        calibrate(DOCTRINES, population, generations, k, db, seed=seed, per_doctrine=False, sampler_kind="single")
        wall = time.perf_counter() - start
    finally:
        model.simulate_particle = original  # type: ignore[assignment]
    return {
        "population": population,
        "wall_s": wall,
        "particles": calls["n"],
        "runs_per_s": calls["n"] * k / wall,
        "simulating_share": calls["seconds"] / wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--populations", default="8,16,32")
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--runs-per-particle", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    k = a.runs_per_particle
    model.simulate_particle("terror", "as_written", space("terror"), {f.key: f.mean for f in space("terror")}, 0, 1, targets())
    rate = bare(20, k, a.seed)
    rows = [inside(int(p), a.generations, k, a.seed) for p in a.populations.split(",")]
    for r in rows:
        r["overhead"] = 1 - r["simulating_share"]
    if a.json:
        print(json.dumps({"bare_runs_per_s": rate, "calibrations": rows}))
        return
    print(f"bare: {rate:.1f} runs/s ({k} runs per particle, with events and the record's measures)")
    for r in rows:
        print(
            f"population {r['population']:>4}: {r['wall_s']:.1f} s, {r['particles']} particles, {r['runs_per_s']:.1f} runs/s, "
            f"overhead {100 * r['overhead']:.0f}% of the wall time outside the simulations"
        )


if __name__ == "__main__":
    main()
