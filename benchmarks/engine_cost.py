"""Milliseconds per run of `stavka.simulate` on one Numba thread, without and with its event tables: the figure to
compare one commit against another (docs/performance.md, "A regression found").

    python benchmarks/engine_cost.py --runs 1000 --repeats 3
    PYTHONPATH=/path/to/worktree/src python benchmarks/engine_cost.py   # another commit's sources, same venv

Two commits cannot share a process (one `stavka` per interpreter), so run each in its own process and alternate
them in one loop, at the same load.  The kernels are warmed up (compiled or loaded from the cache) before any
timing; each figure is the median of the repeats.  Prints one JSON line: no_events and default (ms per run), the
sources timed, the runs and repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # before numba is imported

import stavka  # noqa: E402


def per_run_ms(runs: int, events: bool) -> float:
    """One call's wall time per run, in ms; the event table is read when built."""
    t = time.perf_counter()
    res = stavka.simulate("default", "historical", runs=runs, seed=0, events=events)
    if events:
        len(res.events)
    return (time.perf_counter() - t) * 1000.0 / runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    per_run_ms(20, False)  # warm-up: compile or load both paths
    per_run_ms(20, True)
    no_events = [per_run_ms(args.runs, False) for _ in range(args.repeats)]
    default = [per_run_ms(args.runs, True) for _ in range(args.repeats)]
    print(
        json.dumps(
            {
                "no_events": statistics.median(no_events),
                "default": statistics.median(default),
                "src": os.path.dirname(stavka.__file__),
                "runs": args.runs,
                "repeats": args.repeats,
                "threads": os.environ["NUMBA_NUM_THREADS"],
            }
        )
    )


if __name__ == "__main__":
    main()
