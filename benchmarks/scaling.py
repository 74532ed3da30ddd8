"""How the engine's cost grows with the corps (100 -> 10,000 officers) and with the runs (1 -> 100,000).

    python benchmarks/scaling.py                      # both tables (100,000 runs take about an hour on 2 cores)
    python benchmarks/scaling.py --max-runs 10000     # stop the runs table at 10,000
    python benchmarks/scaling.py --only runs --runs 100000   # one point of the runs table
    python benchmarks/scaling.py --only corps         # or: --only runs
    python benchmarks/scaling.py --json               # one JSON object on stdout
    python benchmarks/scaling.py --log points.jsonl   # also append each point as it finishes (long runs)
    python benchmarks/scaling.py --smoke              # tiny sizes for CI: checks it runs, times nothing

Every point runs in its own child process, so that its peak resident memory (`ru_maxrss` of that
process, which includes the interpreter, NumPy, pandas and the loaded kernels: about 300 MB before any
run) is the peak of that point alone.  Each child first loads the cached kernels with a 2-run warm-up
batch, untimed.  Runs are simulated in batches of at most `--batch` (1,000): `Engine.run_to_end` and
`run_metrics` per batch, keeping only the per-run metrics (as a calibration loop would), each batch on
the memory of the one before (one `Workspace`), so memory is bounded by one batch whatever the number
of runs.  Corps sizes scale the corps and division posts with
the corps (`posts.n_corps`), so that the pipeline below the army keeps its share of the officers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

CORPS = (100, 320, 1000, 3000, 10000)
RUNS = (1, 10, 100, 1000, 10000, 100000)


def n_corps_for(officers: int) -> int:
    """Corps/division posts for a corps of `officers` slots (120 for the default 320)."""
    if officers < 320:
        return max(0, officers - 85)  # the 71 named officers and the other posts must still fit
    return min(5000, round(120 * officers / 320))


def point(officers: int, runs: int, batch: int, doctrine: str, seed: int) -> dict:
    """One measurement, in this (child) process."""
    import numpy as np
    import pandas as pd

    from stavka.doctrines import get_doctrine
    from stavka.engine.driver import Engine
    from stavka.engine.state import Workspace
    from stavka.metrics import run_metrics
    from stavka.scenario import Scenario

    overrides = {} if officers == 320 else {"corps.n_officers": officers, "posts.n_corps": n_corps_for(officers)}
    scen = Scenario.load("default", **overrides)
    ruler = get_doctrine(doctrine)
    Engine(scen, seed, np.arange(2)).run_to_end(ruler)  # warm-up: load the kernels
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    parts = []
    workspace = Workspace()  # each batch reuses the memory of the one before, as `stavka.simulate` does
    for lo in range(0, runs, batch):
        ids = np.arange(lo, min(lo + batch, runs))
        engine = Engine(scen, seed, ids, workspace)
        log = engine.run_to_end(ruler)
        parts.append(run_metrics(engine.world, log, ids, scen.calendar))
        del engine, log
    metrics = pd.concat(parts, ignore_index=True)
    seconds = time.perf_counter() - start
    months = scen.calendar.n_months
    return {
        "officers": officers,
        "posts": scen.posts.n,
        "runs": runs,
        "batch": min(batch, runs),
        "seconds": seconds,
        "ms_per_run": 1000 * seconds / runs,
        "ns_per_officer_month": 1e9 * seconds / (runs * officers * months),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_warmup_mb": rss_before,
        "metrics_rows": len(metrics),
        "threads": int(os.environ.get("NUMBA_NUM_THREADS", "0")) or os.cpu_count(),
        "load": round(os.getloadavg()[0], 2),
    }


def run_child(officers: int, runs: int, args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    if args.threads:
        env["NUMBA_NUM_THREADS"] = str(args.threads)
    cmd = [
        sys.executable,
        __file__,
        "--child",
        str(officers),
        str(runs),
        "--batch",
        str(args.batch),
        "--doctrine",
        args.doctrine,
        "--seed",
        str(args.seed),
    ]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("corps", "runs"))
    parser.add_argument("--doctrine", default="historical")
    parser.add_argument("--corps-runs", type=int, default=100, help="runs per corps size")
    parser.add_argument("--max-runs", type=int, default=100000)
    parser.add_argument("--runs", default=",".join(map(str, RUNS)), help="run counts of the runs table")
    parser.add_argument("--corps", default=",".join(map(str, CORPS)), help="corps sizes")
    parser.add_argument("--log", help="append each point to this file as one JSON line when it finishes")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=0, help="NUMBA_NUM_THREADS for the children (0: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(point(args.child[0], args.child[1], args.batch, args.doctrine, args.seed)))
        return
    corps, runs = [int(c) for c in args.corps.split(",")], [r for r in map(int, args.runs.split(",")) if r <= args.max_runs]

    def record(table: str, res: dict) -> None:
        out[table].append(res)
        if args.log:
            with open(args.log, "a") as fh:
                fh.write(json.dumps({"table": table, **res}) + "\n")

    if args.smoke:
        corps, runs, args.corps_runs, args.batch = (100, 320), [1, 5], 2, 2
        args.threads = args.threads or 1  # one thread: tiny batches on a busy machine are slow with two (docs)
    out: dict[str, list[dict]] = {}
    if args.only in (None, "corps"):
        out["corps"] = []
        for n in corps:
            record("corps", run_child(n, args.corps_runs, args))
            if not args.json:
                print(f"... corps {n} done", file=sys.stderr, flush=True)
    if args.only in (None, "runs"):
        out["runs"] = []
        for n in runs:
            record("runs", run_child(320, n, args))
            if not args.json:
                print(f"... {n} runs done", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(out))
        return
    note = " (SMOKE: figures meaningless)" if args.smoke else ""
    if "corps" in out:
        print(f"Cost as the corps grows: {args.corps_runs} runs of {args.doctrine}, default scenario (144 months){note}")
        print(f"{'officers':>8} {'posts':>6} {'ms/run':>9} {'ns/officer-month':>17} {'peak RSS MB':>12} {'load':>5}")
        for r in out["corps"]:
            print(
                f"{r['officers']:>8} {r['posts']:>6} {r['ms_per_run']:>9.2f} {r['ns_per_officer_month']:>17.1f} "
                f"{r['peak_rss_mb']:>12.0f} {r['load']:>5.1f}"
            )
    if "runs" in out:
        print(f"Cost as the runs grow: 320 officers, {args.doctrine}, batches of at most {args.batch}{note}")
        print(f"{'runs':>7} {'seconds':>9} {'ms/run':>9} {'peak RSS MB':>12} {'load':>5}")
        for r in out["runs"]:
            print(f"{r['runs']:>7} {r['seconds']:>9.2f} {r['ms_per_run']:>9.2f} {r['peak_rss_mb']:>12.0f} {r['load']:>5.1f}")


if __name__ == "__main__":
    main()
