"""What the event tables cost: `stavka.simulate(runs=N)` with its two ledgers against the same call without.

    python benchmarks/events_cost.py            # N = 1,000 runs, median of 3 repetitions of each
    python benchmarks/events_cost.py --smoke    # a small N for CI (checks it runs; the figures mean little)

All calls run in this process, after a warm-up call of each kind (compilation excluded), in turn (events
read, events, no events, events read, ...) so that a change in the machine's load falls on all alike.
`events=True` keeps what the ledgers are made of (each batch's records, copied out of the engine's workspace)
inside the call, and lays out and formats both as DataFrames when they are first read: "events, tables read"
times the call and reading `.events` and `.official`, the whole cost.  The
metrics are the same either way (the same compiled official-history pass gives them).  The goal of issue 10:
a ratio of at most 1.5.

To compare one commit against another (docs/performance.md, "A regression found"), time each in its own process
on one thread and alternate them in one loop:
`NUMBA_NUM_THREADS=1 PYTHONPATH=<worktree>/src python benchmarks/events_cost.py --doctrine historical --json`;
the JSON names the sources timed and the thread count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings

import stavka

ARMS = {"read": "events, tables read", "events": "events=True", "none": "events=False"}


def per_run(doctrine: str, runs: int, seed: int, arm: str) -> float:
    """Seconds per run of one call (and, for "read", of reading both tables)."""
    start = time.perf_counter()
    res = stavka.simulate(doctrine=doctrine, runs=runs, seed=seed, events=arm != "none")
    if arm == "read":
        n = len(res.events) + len(res.official)
    seconds = time.perf_counter() - start
    assert len(res.metrics) == runs and (len(res.events) > 0) == (arm != "none")
    if arm == "read":
        assert n == len(res.events) + len(res.official) > 0
    return seconds / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--doctrine", default="terror", help="(the default of stavka.simulate)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs, repeats = (20, 1) if args.smoke else (args.runs, args.repeats)
    warnings.filterwarnings("ignore", message="An input array is constant")  # a run's rank correlation, undefined
    for arm in ARMS:  # warm-up: compile or load the cached kernels, fill the caches
        per_run(args.doctrine, 2, args.seed, arm)
    times: dict[str, list[float]] = {arm: [] for arm in ARMS}
    for _ in range(repeats):
        for arm in ARMS:
            times[arm].append(per_run(args.doctrine, runs, args.seed, arm))
    median = {arm: statistics.median(t) for arm, t in times.items()}
    ratio = {arm: median[arm] / median["none"] for arm in ARMS}
    if args.json:
        print(
            json.dumps(
                {
                    "doctrine": args.doctrine,
                    "runs": runs,
                    "repeats": repeats,
                    "cores": os.cpu_count(),
                    "threads": os.environ.get("NUMBA_NUM_THREADS", ""),
                    "src": os.path.dirname(stavka.__file__),
                    "ms_per_run": {a: 1e3 * m for a, m in median.items()},
                    "ratio": ratio,
                }
            )
        )
        return
    print(f"stavka.simulate(runs={runs}, doctrine={args.doctrine!r}), {os.cpu_count()} cores, median of {repeats}")
    print(f"  {'':<20} {'ms/run':>8} {'ratio':>6}   repetitions (ms/run)")
    for arm, label in ARMS.items():
        print(f"  {label:<20} {1e3 * median[arm]:>8.2f} {ratio[arm]:>6.2f}   {', '.join(f'{1e3 * t:.2f}' for t in times[arm])}")
    print("  goal: events at most 1.5 x events=False")


if __name__ == "__main__":
    main()
