"""Sweep throughput (runs per second) with 1 and 2 workers, and the peak memory of a large sweep.

    python benchmarks/sweep_throughput.py                      # 400 runs on 1 and 2 workers; 20,000-run sweep
    python benchmarks/sweep_throughput.py --large 5000         # a smaller "large" sweep
    python benchmarks/sweep_throughput.py --large 0            # throughput only
    python benchmarks/sweep_throughput.py --smoke              # a tiny size for CI (checks it runs)

Each sweep goes to a fresh store in a temporary directory, ledgers off (`events = false`), on a local
Dask cluster.  Runs per second are end to end (cluster start, kernel loading, storing included) and
steady (from the first stored chunk to the last).  Peak memory is the largest sum of the resident
memory of this process (the client, which writes the store) and of every worker process, sampled
every 0.2 s; the client's own peak is shown too.  With bounded chunks in flight it does not grow
with the number of runs: compare the peak of the throughput sweeps with the large one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from stavka.sweep import SweepProgress, run_sweep


class PeakMemory:
    """Samples the resident memory of this process and its children until stopped."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_total = 0
        self.peak_client = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                client = me.memory_info().rss
                total = client
                for child in me.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
                self.peak_client = max(self.peak_client, client)
                self.peak_total = max(self.peak_total, total)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def sweep(runs: int, workers: int, chunk: int, doctrine: str, folder: Path, tag: str) -> dict[str, Any]:
    spec = folder / f"{tag}.toml"
    spec.write_text(
        f'name = "{tag}"\nscenario = "default"\ndoctrines = ["{doctrine}"]\nruns = {runs}\n'
        f"seed = 1\nchunk = {chunk}\nevents = false\n"
    )
    db = folder / f"{tag}.duckdb"
    stamps: list[tuple[float, int]] = []
    quarters: list[int] = [0, 0, 0, 0]  # peak total memory in each quarter of the runs

    with PeakMemory() as mem:

        def tick(state: SweepProgress) -> None:
            stamps.append((time.perf_counter(), state.done))
            q = min(3, 4 * max(state.done - 1, 0) // max(state.total, 1))
            quarters[q] = max(quarters[q], mem.peak_total)
            mem.peak_total = 0  # the next interval's peak starts afresh

        summary = run_sweep(spec, db=db, workers=workers, progress=tick)
        quarters[3] = max(quarters[3], mem.peak_total)
    steady = float("nan")
    if len(stamps) >= 3:
        (t0, d0), (t1, d1) = stamps[1], stamps[-1]
        steady = (d1 - d0) / (t1 - t0) if t1 > t0 else float("nan")
    return {
        "runs": runs,
        "workers": workers,
        "chunk": chunk,
        "seconds": summary.seconds,
        "runs_per_second": summary.runs_per_second,
        "steady_runs_per_second": steady,
        "warm_up_seconds": summary.warm_up_seconds,
        "peak_memory_mb": max(quarters) / 2**20,
        "peak_by_quarter_mb": [round(q / 2**20) for q in quarters],
        "peak_client_mb": mem.peak_client / 2**20,
        "store_mb": db.stat().st_size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=400, help="runs of each throughput sweep")
    parser.add_argument("--large", type=int, default=20_000, help="runs of the large sweep (0: none)")
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--doctrine", default="historical")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.large, args.chunk, args.workers = 8, 0, 4, "1"
    rows = []
    with tempfile.TemporaryDirectory(prefix="stavka-bench-") as tmp:
        folder = Path(tmp)
        for w in [int(x) for x in args.workers.split(",")]:
            rows.append(sweep(args.runs, w, args.chunk, args.doctrine, folder, f"throughput_{w}"))
        if args.large:
            rows.append(
                sweep(args.large, max(int(x) for x in args.workers.split(",")), args.chunk, args.doctrine, folder, "large")
            )
    if args.json:
        print(json.dumps({"doctrine": args.doctrine, "cores": os.cpu_count(), "results": rows}))
        return
    print(f"stavka sweep, default scenario, doctrine {args.doctrine}, ledgers off, {os.cpu_count()} cores")
    print(
        f"{'runs':>7} {'workers':>7} {'chunk':>6} {'seconds':>8} {'runs/s':>7} {'steady':>7} {'warm-up':>8} "
        f"{'peak MB':>8} {'client MB':>9} {'store MB':>8}"
    )
    for r in rows:
        print(
            f"{r['runs']:>7} {r['workers']:>7} {r['chunk']:>6} {r['seconds']:>8.1f} {r['runs_per_second']:>7.2f} "
            f"{r['steady_runs_per_second']:>7.2f} {r['warm_up_seconds']:>8.1f} {r['peak_memory_mb']:>8.0f} "
            f"{r['peak_client_mb']:>9.0f} {r['store_mb']:>8.1f}"
        )
    print(
        "peak memory (MB, client + workers) in each quarter of the runs:",
        "; ".join(f"{r['runs']} runs on {r['workers']}: {r['peak_by_quarter_mb']}" for r in rows),
    )


if __name__ == "__main__":
    main()
