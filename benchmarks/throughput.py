"""Runs per second of the default scenario at batches of 1, 100 and 1,000 runs.

    python benchmarks/throughput.py            # the figures for the issue and docs
    python benchmarks/throughput.py --smoke    # a tiny size for CI (checks it runs, times nothing)

Compilation is excluded (one warm-up batch first).  Figures are ratios-in-one-process friendly:
every size runs in this process, one after the other, with the same doctrine and seed.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from stavka.doctrines import get_doctrine
from stavka.engine.driver import Engine
from stavka.scenario import Scenario


def time_batch(scenario: Scenario, doctrine: str, runs: int, seed: int = 0) -> float:
    ruler = get_doctrine(doctrine)
    start = time.perf_counter()
    Engine(scenario, seed, np.arange(runs)).run_to_end(ruler)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--doctrine", default="historical")
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [2, 5] if args.smoke else [int(s) for s in args.sizes.split(",")]
    repeats = 1 if args.smoke else args.repeats
    scenario = Scenario.load("default")
    time_batch(scenario, args.doctrine, 2)  # warm-up: compile or load the cached kernels
    rows = []
    for runs in sizes:
        best = min(time_batch(scenario, args.doctrine, runs) for _ in range(repeats))
        rows.append({"runs": runs, "seconds": best, "runs_per_second": runs / best, "ms_per_run": 1000 * best / runs})
    if args.json:
        print(json.dumps({"doctrine": args.doctrine, "cores": os.cpu_count(), "results": rows}))
        return
    print(
        f"stavka engine, default scenario ({scenario.calendar.n_months} months, "
        f"{scenario.config.corps.n_officers} officer slots), doctrine {args.doctrine}, {os.cpu_count()} cores, "
        f"best of {repeats}"
    )
    print(f"{'runs':>7} {'seconds':>9} {'runs/s':>9} {'ms/run':>8}")
    for r in rows:
        print(f"{r['runs']:>7} {r['seconds']:>9.2f} {r['runs_per_second']:>9.1f} {r['ms_per_run']:>8.2f}")


if __name__ == "__main__":
    main()
