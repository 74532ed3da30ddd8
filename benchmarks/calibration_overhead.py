"""Simulations per second inside a calibration (pyabc ABC-SMC, single-core sampler, this process) against the bare
engine (`stavka.simulate` of exactly the same runs: the same doctrines, parameters and run ids, replayed afterwards
in the same process), how the calibration's time grows with the population size, and an estimate of the wall time
of a calibration at the default settings of `stavka calibrate`.

    python benchmarks/calibration_overhead.py                          # populations 10, 20, 40; terror+meritocratic
    python benchmarks/calibration_overhead.py --doctrines passive,meritocratic --populations 10 --runs-per-particle 1
    python benchmarks/calibration_overhead.py --estimate --json        # also the default-settings estimate

Figures.  `overhead` = 1 - (bare wall time of the same runs) / (calibration wall time): everything a calibration
costs on top of the engine (pyabc's proposals, weights and SQLite history, the record's measures on each particle's
runs, the export to the store).  Both sides are timed in wall and in CPU seconds of this process; on a shared
machine the CPU ratio is the steadier one, and both sides suffer the same load because they run back to back.

The CPU seconds are split three ways: the engine (the bare runs), the record's measures (`summaries.summarise` on
each particle's runs: pandas over the events, careers and series tables, inside the model but not the engine) and
the sampler (everything else: pyabc and the export).  The issue's "the sampler's overhead should stay under a
fifth" is the last share.

The estimate (`--estimate`) runs a small calibration shaped like the default (every compiled account's posterior
and the model choice, 4 generations) and reads from the store how many simulations each generation took per
accepted particle.  It scales that by the default population, multiplies by the default runs per particle and each
account's CPU seconds per run (the bare replay of the small calibration's runs; passive's over draws from its
prior), adds the predictive checks, and divides by the 2 workers of
the local Dask cluster; `passive` (not in the small calibration when it is slow) is given the mean acceptance of
the others.  The assumptions (acceptance independent of the population and of K; the Dask sampler's overhead equal
to the single-core sampler's) are printed with the result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import stavka
import stavka.calibration.model as model
from stavka.calibration import calibrate, space
from stavka.calibration.abc import Spec
from stavka.calibration.guard import make_doctrine
from stavka.calibration.store import read
from stavka.calibration.summaries import targets

Call = tuple[str, str, list[Any], dict[str, float], int, int]  # simulate_particle's arguments but the targets


def recorded(doctrines: list[str], population: int, generations: int, k: int, seed: int, per_doctrine: bool) -> dict[str, Any]:
    """A calibration with every particle's simulation recorded (arguments) and timed (wall, CPU)."""
    calls: list[Call] = []
    inside = {"wall": 0.0, "cpu": 0.0}
    original = model.simulate_particle

    def counted(doctrine: str, variant: str, free: list[Any], params: dict[str, float], sd: int, runs: int, tgts: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return original(doctrine, variant, free, params, sd, runs, tgts)
        finally:
            calls.append((doctrine, variant, free, dict(params), sd, runs))
            inside["wall"] += time.perf_counter() - w
            inside["cpu"] += time.process_time() - c

    model.simulate_particle = counted  # type: ignore[assignment]
    try:
        db = Path(tempfile.mkdtemp()) / "bench.duckdb"
        w, c = time.perf_counter(), time.process_time()
        res = calibrate(doctrines, population, generations, k, db, seed=seed, per_doctrine=per_doctrine, sampler_kind="single")
        wall, cpu = time.perf_counter() - w, time.process_time() - c
    finally:
        model.simulate_particle = original  # type: ignore[assignment]
    return {"calls": calls, "wall": wall, "cpu": cpu, "inside": inside, "db": db, "calibration": res["calibration"]}


def bare(calls: list[Call]) -> dict[str, Any]:
    """The same runs through `stavka.simulate` (with events: the record's measures need them), timed per doctrine."""
    per: dict[str, dict[str, float]] = {}
    for doctrine, variant, free, params, seed, runs in calls:
        over, shift = model.overrides(free, params)
        doc = make_doctrine(doctrine, {k: v for k, v in over.items() if "__" not in k}, shift)
        base = model.run_base(seed, doctrine, variant, params)
        w, c = time.perf_counter(), time.process_time()
        stavka.simulate(
            "default",
            doc,
            seed=seed,
            run_ids=list(range(base, base + runs)),
            events=True,
            **{k: v for k, v in over.items() if "__" in k},
        )
        p = per.setdefault(doctrine, {"runs": 0, "wall": 0.0, "cpu": 0.0})
        p["runs"] += runs
        p["wall"] += time.perf_counter() - w
        p["cpu"] += time.process_time() - c
    return {
        "runs": sum(p["runs"] for p in per.values()),
        "wall": sum(p["wall"] for p in per.values()),
        "cpu": sum(p["cpu"] for p in per.values()),
        "per_doctrine": per,
    }


def overhead_row(doctrines: list[str], population: int, generations: int, k: int, seed: int) -> dict[str, Any]:
    cal = recorded(doctrines, population, generations, k, seed, per_doctrine=False)
    b = bare(cal["calls"])
    runs = b["runs"]
    return {
        "doctrines": doctrines,
        "population": population,
        "generations": generations,
        "runs_per_particle": k,
        "particles_simulated": len(cal["calls"]),
        "runs": runs,
        "calibration_wall_s": cal["wall"],
        "calibration_cpu_s": cal["cpu"],
        "bare_wall_s": b["wall"],
        "bare_cpu_s": b["cpu"],
        "runs_per_s_inside": runs / cal["wall"],
        "runs_per_s_bare": runs / b["wall"],
        "overhead_wall": 1 - b["wall"] / cal["wall"],
        "overhead_cpu": 1 - b["cpu"] / cal["cpu"],
        # the CPU seconds split: the engine (bare), the record's measures on the particles' runs (inside the model
        # but not the engine), the sampler (pyabc's proposals, weights, SQLite history; the export to the store)
        "cpu_share_engine": b["cpu"] / cal["cpu"],
        "cpu_share_measures": max(0.0, cal["inside"]["cpu"] - b["cpu"]) / cal["cpu"],
        "cpu_share_sampler": 1 - cal["inside"]["cpu"] / cal["cpu"],
        "runs_by_doctrine": {d: int(p["runs"]) for d, p in b["per_doctrine"].items()},
        "cpu_s_per_run": {d: p["cpu"] / p["runs"] for d, p in b["per_doctrine"].items()},
    }


def cpu_per_run(doctrine: str, draws: int, seed: int) -> float:
    """CPU seconds per run of `doctrine` (with events and the measures) over `draws` parameter sets drawn from its
    prior, one run each.  Not at the prior means: a run's cost depends on its parameters (a war that ends early, a
    ruler who falls early, is cheap), and passive's cost at the prior means is a tenth of its cost over the prior."""
    free = space(doctrine)
    rng = np.random.default_rng(seed)
    model.simulate_particle(doctrine, "as_written", free, {f.key: f.mean for f in free}, seed, 1, targets())
    c = time.process_time()
    for _ in range(draws):
        params = {f.key: float(rng.uniform(f.lo, f.hi)) for f in free}
        model.simulate_particle(doctrine, "as_written", free, params, seed, 1, targets())
    return (time.process_time() - c) / draws


def estimate(seed: int, population: int, generations: int, k: int, passive_runs: int) -> dict[str, Any]:
    """Wall time of `stavka calibrate` at its defaults, from a small calibration of the same shape (module docstring)."""
    default = Spec()
    compiled = [d for d in default.doctrines if d != "passive"]
    cal = recorded(compiled, population, generations, k, seed, per_doctrine=True)
    runs = read(cal["db"], "calibration_runs", cal["calibration"])
    gens = read(cal["db"], "calibration_generations", cal["calibration"])
    label_of = {int(r["abc_id"]): str(r["label"]) for _, r in runs.iterrows()}
    # simulations per accepted particle, per label and generation; pyabc's calibration sample (the first epsilon)
    # is one population drawn from the prior on top of the generations
    spp: dict[str, list[float]] = {}
    for _, g in gens.sort_values(["abc_id", "generation"]).iterrows():
        spp.setdefault(label_of[int(g["abc_id"])], []).append(float(g["simulations"]) / float(g["particles"]))
    replay = bare(cal["calls"])
    # the compiled accounts at the runs the small calibration made; passive (not in it) over draws from its prior
    sec = {d: p["cpu"] / p["runs"] for d, p in replay["per_doctrine"].items()}
    sec |= {d: cpu_per_run(d, passive_runs, seed) for d in default.doctrines if d not in sec}
    mean_spp = list(np.mean([spp[f"posterior:{d}"] for d in compiled], axis=0))

    def per_gen(label: str) -> list[float]:
        s = spp.get(label, mean_spp)
        return [s[min(g, len(s) - 1)] for g in range(default.generations)]

    checks = 20  # --checks default: one run per drawn particle per account
    overhead = 1 - replay["cpu"] / cal["cpu"]
    workers = 2

    def cpu_cost(docs: list[str]) -> dict[str, float]:
        cost = {}
        for d in docs:
            sims = default.population * (1 + sum(per_gen(f"posterior:{d}")))
            cost[f"posterior:{d}"] = sims * default.runs_per_particle * sec[d]
        # the choice: its particles spread over the accounts, priced at the mean CPU seconds of a run over them
        sims = default.population * (1 + sum(per_gen("choice")))
        cost["choice"] = sims * default.runs_per_particle * float(np.mean([sec[d] for d in docs]))
        cost["checks"] = checks * sum(sec[d] for d in docs)
        return cost

    cost = cpu_cost(list(default.doctrines))
    return {
        "defaults": {
            "doctrines": default.doctrines,
            "population": default.population,
            "generations": default.generations,
            "runs_per_particle": default.runs_per_particle,
            "checks": checks,
            "workers": workers,
        },
        "measured_on": {"population": population, "generations": generations, "runs_per_particle": k},
        "simulations_per_particle": spp,
        "cpu_s_per_run": sec,
        "overhead_cpu": overhead,
        "cpu_s_by_part": cost,
        "estimated_wall_s": sum(cost.values()) / (1 - overhead) / workers,
        "estimated_wall_s_without_passive": sum(cpu_cost(compiled).values()) / (1 - overhead) / workers,
        "assumptions": "acceptance per generation independent of the population and of K; CPU seconds per run over the "
        "prior; 2 workers fully busy; the Dask sampler's overhead equal to the single-core sampler's",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--doctrines", default="terror,meritocratic")
    ap.add_argument("--populations", default="10,20,40")
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--runs-per-particle", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--estimate", action="store_true", help="also estimate the default-settings wall time")
    ap.add_argument("--estimate-population", type=int, default=20)
    ap.add_argument("--passive-runs", type=int, default=6, help="prior draws timing passive's CPU seconds per run")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    doctrines = [d.strip() for d in a.doctrines.split(",") if d.strip()]
    k = a.runs_per_particle
    import pyabc  # noqa: F401  (imported once before anything is timed: its import alone takes seconds)

    for d in doctrines:  # compile the kernels before anything is timed
        model.simulate_particle(d, "as_written", space(d), {f.key: f.mean for f in space(d)}, a.seed, 1, targets())
    load = os.getloadavg()
    rows = []
    for p in a.populations.split(",") if a.populations else []:
        rows.append(overhead_row(doctrines, int(p), a.generations, k, a.seed))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)  # each row as it is measured
    est = estimate(a.seed, a.estimate_population, 4, 1, a.passive_runs) if a.estimate else None
    load_after = os.getloadavg()
    if a.json:
        print(json.dumps({"load_average": [load[0], load_after[0]], "calibrations": rows, "estimate": est}))
        return
    print(f"load average {load[0]:.1f} before, {load_after[0]:.1f} after (2 cores); doctrines {','.join(doctrines)}; K = {k}")
    base = rows[0] if rows else None
    for r in rows:
        assert base is not None
        print(
            f"population {r['population']:>4}: {r['particles_simulated']} particles, {r['runs']} runs; calibration "
            f"{r['runs_per_s_inside']:.2f} runs/s, bare {r['runs_per_s_bare']:.2f} runs/s; "
            f"overhead {100 * r['overhead_wall']:.0f}% "
            f"of wall, {100 * r['overhead_cpu']:.0f}% of CPU (measures {100 * r['cpu_share_measures']:.0f}%, sampler "
            f"{100 * r['cpu_share_sampler']:.0f}%); wall x{r['calibration_wall_s'] / base['calibration_wall_s']:.2f} "
            f"for population x{r['population'] / base['population']:.0f}; runs by doctrine {r['runs_by_doctrine']}"
        )
    if est:
        print(
            f"default settings {est['defaults']}: estimated wall {est['estimated_wall_s'] / 60:.0f} min "
            f"({est['estimated_wall_s_without_passive'] / 60:.0f} min of it without passive)"
        )
        secs = {d: round(v, 3) for d, v in est["cpu_s_per_run"].items()}
        print(f"  CPU s per run {secs}")
        spp = {k2: [round(x, 2) for x in v] for k2, v in est["simulations_per_particle"].items()}
        print(f"  simulations per accepted particle {spp}")
        print(f"  overhead (CPU) {100 * est['overhead_cpu']:.0f}%; {est['assumptions']}")


if __name__ == "__main__":
    main()
