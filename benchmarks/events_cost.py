"""What the event tables cost: `stavka.simulate(runs=N)` with its two ledgers against the same call without.

    python benchmarks/events_cost.py            # N = 1,000 runs, median of 3 repetitions of each
    python benchmarks/events_cost.py --smoke    # a small N for CI (checks it runs; the figures mean little)

Both calls run in this process, after a warm-up call of each (compilation excluded), alternating
(events, no events, events, ...) so that a change in the machine's load falls on both alike.  `events=True`
builds the true and the official tables (pandas DataFrames) inside the call; the metrics are the same either
way (the same compiled official-history pass gives them).  The goal of issue 10: a ratio of at most 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import stavka


def per_run(doctrine: str, runs: int, seed: int, events: bool) -> float:
    """Seconds per run of one call."""
    start = time.perf_counter()
    res = stavka.simulate(doctrine=doctrine, runs=runs, seed=seed, events=events)
    seconds = time.perf_counter() - start
    assert len(res.metrics) == runs and (len(res.events) > 0) == events
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
    for events in (True, False):  # warm-up: compile or load the cached kernels, fill the caches
        per_run(args.doctrine, 2, args.seed, events)
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeats):
        for events in (True, False):
            times[events].append(per_run(args.doctrine, runs, args.seed, events))
    with_ev, without = statistics.median(times[True]), statistics.median(times[False])
    ratio = with_ev / without
    if args.json:
        print(json.dumps({"doctrine": args.doctrine, "runs": runs, "repeats": repeats, "cores": os.cpu_count(),
                          "ms_per_run_events": 1e3 * with_ev, "ms_per_run_no_events": 1e3 * without, "ratio": ratio}))
        return
    print(f"stavka.simulate(runs={runs}, doctrine={args.doctrine!r}), {os.cpu_count()} cores, median of {repeats}")
    print(f"  events=True   {1e3 * with_ev:8.2f} ms per run   ({', '.join(f'{1e3 * t:.2f}' for t in times[True])})")
    print(f"  events=False  {1e3 * without:8.2f} ms per run   ({', '.join(f'{1e3 * t:.2f}' for t in times[False])})")
    print(f"  ratio         {ratio:8.2f}          (goal: at most 1.5)")


if __name__ == "__main__":
    main()
