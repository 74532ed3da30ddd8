"""stavka against the same model written in Mesa (benchmarks/mesa_reference.py): milliseconds per run.

    python benchmarks/compare_mesa.py                  # 1,000-run batches, 1 and 2 Numba threads: a table
    python benchmarks/compare_mesa.py --json           # the same as JSON (see below)
    python benchmarks/compare_mesa.py --smoke          # a tiny size for CI: checks it runs, times nothing
    python benchmarks/compare_mesa.py --agree --runs 200 --doctrines passive,terror
                                                       # exact agreement of event logs over many runs
    python benchmarks/compare_mesa.py --profile        # where the engine's time goes, phase by phase

Both implementations are timed by one process, interleaved (stavka, then Mesa, in every repeat), so that
a busy machine slows both alike; each figure is the median over the repeats.  One process per core
count k: Numba's thread pool is sized by NUMBA_NUM_THREADS=k before numba is imported, and Mesa, which
runs one run per process, gets k processes sharing its runs (as `mesa.batch_run(number_processes=k)`
would); both figures are wall time per run.  Compilation is excluded: every child first loads the
cached kernels with a small warm-up batch, and every Mesa process does one warm-up run.

What is timed, per run (the same output on both sides):
  stavka  `stavka.simulate(runs=N, events=False)`: the engine on batches of the API's size, the per-run
          metrics, the event table and the official history (history_distortion, erased_names);
          `default`: `stavka.simulate(runs=N)`, the default call, with both event tables built and read;
          `engine`: only `Engine.run_to_end` and `run_metrics` on one batch of N (no ledgers).
  mesa    `mesa_reference.run(...)`: the model's 144 steps, then its metrics and official history;
          `model`: the steps only (the wall time scaled by the steps' share of the runs' own time).
The Mesa runs are spread over the same run ids as the stavka batch (Mesa costs about a second a run, so
it runs `--mesa-runs` of them per repeat, not N).

JSON: {"stavka_ms_per_run", "mesa_ms_per_run", "ratio", "officers", "months", "runs", "threads",
"stavka_engine_ms_per_run", "mesa_model_ms_per_run", "engine_ratio", "load", "results": [one such
object per thread count]}; the top-level figures are those of the last thread count asked for.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent


_MESA: dict = {}


def _mesa_worker_init(doctrine: str, seed: int) -> None:
    """Import the Mesa reference and load the scenario once per process."""
    sys.path.insert(0, str(HERE))
    import mesa_reference

    from stavka.doctrines import get_doctrine
    from stavka.scenario import Scenario

    _MESA.update(module=mesa_reference, doctrine=get_doctrine(doctrine), seed=seed, scen=Scenario.load("default"))


def _mesa_one(run_id: int) -> tuple[float, float]:
    """One Mesa run: (seconds in the steps, seconds in all, with its metrics and official history)."""
    m = _MESA
    start = time.perf_counter()
    model = m["module"].simulate_model(m["doctrine"], m["seed"], run_id, m["scen"])
    mid = time.perf_counter()
    model.metrics()
    return mid - start, time.perf_counter() - start


def child(args: argparse.Namespace) -> dict:
    """Time both implementations in this process (NUMBA_NUM_THREADS already set by the parent)."""
    import numpy as np

    import stavka
    from stavka.doctrines import get_doctrine
    from stavka.engine.driver import Engine
    from stavka.metrics import run_metrics
    from stavka.scenario import Scenario

    scen = Scenario.load("default")
    doctrine = get_doctrine(args.doctrine)
    runs = args.runs
    mesa_ids = np.linspace(0, runs - 1, args.mesa_runs).round().astype(int).tolist()

    def time_engine() -> float:
        start = time.perf_counter()
        engine = Engine(scen, args.seed, np.arange(runs))
        log = engine.run_to_end(doctrine)
        run_metrics(engine.world, log, engine.run_ids, scen.calendar)
        return (time.perf_counter() - start) * 1000 / runs

    def time_simulate() -> float:
        start = time.perf_counter()
        stavka.simulate(scenario="default", doctrine=doctrine, runs=runs, seed=args.seed, events=False)
        return (time.perf_counter() - start) * 1000 / runs

    def time_default() -> float:
        """The default call, `stavka.simulate(runs=N)`, with both event tables read (as a user reads them)."""
        start = time.perf_counter()
        res = stavka.simulate(scenario="default", doctrine=doctrine, runs=runs, seed=args.seed)
        len(res.events), len(res.official)
        return (time.perf_counter() - start) * 1000 / runs

    threads = int(os.environ.get("NUMBA_NUM_THREADS", "0")) or os.cpu_count() or 1
    # Spawned, not forked: this process runs Numba's OpenMP threads, and GNU OpenMP cannot survive a fork.
    pool = (
        ProcessPoolExecutor(
            threads,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_mesa_worker_init,
            initargs=(args.doctrine, args.seed),
        )
        if threads > 1
        else None
    )

    def time_mesa() -> tuple[float, float]:
        """Wall time per Mesa run; with k cores, k processes share the runs (what a Mesa user does with
        `batch_run(number_processes=k)`).  The model-only figure scales that wall time by the share of
        the runs' own time spent in the steps."""
        start = time.perf_counter()
        parts = [_mesa_one(run_id) for run_id in mesa_ids] if pool is None else list(pool.map(_mesa_one, mesa_ids))
        wall = time.perf_counter() - start
        model_share = sum(m for m, _ in parts) / sum(t for _, t in parts)
        return wall * 1000 / len(mesa_ids), wall * model_share * 1000 / len(mesa_ids)

    # Warm-up: load (or compile) the kernels, import everything Mesa touches.
    Engine(scen, args.seed, np.arange(2)).run_to_end(doctrine)
    stavka.simulate(scenario="default", doctrine=doctrine, runs=2, seed=args.seed, events=False)
    _mesa_worker_init(args.doctrine, args.seed)
    _mesa_one(0)
    if pool is not None:
        list(pool.map(_mesa_one, [0] * threads))  # warm the workers too

    rows: dict[str, list[float]] = {"stavka": [], "default": [], "engine": [], "mesa": [], "model": []}
    load = []
    for _ in range(args.repeats):
        load.append(os.getloadavg()[0])
        rows["stavka"].append(time_simulate())
        rows["default"].append(time_default())
        rows["engine"].append(time_engine())
        mesa_ms, model_ms = time_mesa()
        rows["mesa"].append(mesa_ms)
        rows["model"].append(model_ms)
    if pool is not None:
        pool.shutdown()
    med = {k: statistics.median(v) for k, v in rows.items()}
    return {
        "stavka_ms_per_run": med["stavka"],
        "mesa_ms_per_run": med["mesa"],
        "ratio": med["mesa"] / med["stavka"],
        "default_ms_per_run": med["default"],
        "default_ratio": med["mesa"] / med["default"],
        "officers": scen.config.corps.n_officers,
        "months": scen.calendar.n_months,
        "runs": runs,
        "threads": int(os.environ.get("NUMBA_NUM_THREADS", "0")) or os.cpu_count(),
        "stavka_engine_ms_per_run": med["engine"],
        "mesa_model_ms_per_run": med["model"],
        "engine_ratio": med["model"] / med["engine"],
        "mesa_runs": len(mesa_ids),
        "repeats": args.repeats,
        "doctrine": doctrine.name,
        "load": round(statistics.mean(load), 2),
        "all": rows,
    }


def agree(args: argparse.Namespace) -> int:
    """Exact agreement of the true event logs, run by run, over `--runs` runs of each doctrine."""
    sys.path.insert(0, str(HERE))
    import mesa_reference
    import numpy as np

    from stavka.doctrines import get_doctrine
    from stavka.engine.driver import Engine
    from stavka.scenario import Scenario

    scen = Scenario.load("default")
    failures = 0
    for name in args.doctrines.split(","):
        ids = np.arange(args.runs)
        engine = Engine(scen, args.seed, ids)
        engine.run_to_end(get_doctrine(name))
        logs: dict[int, list] = {int(r): [] for r in ids}
        for t, rows, rec in engine.log.events:
            for row, e in zip(rows.tolist(), rec.tolist(), strict=True):
                logs[int(ids[row])].append((t, *e[:6], float(e[6])))
        same = 0
        start = time.perf_counter()
        for r in ids.tolist():
            model = mesa_reference.simulate_model(name, args.seed, r, scen)
            mine = [(t, k, o, ot, p, f, c, float(np.float32(v))) for (t, k, o, ot, p, f, c, v) in model.events]
            same += mine == logs[r]
        failures += args.runs - same
        print(
            f"{name}: {same}/{args.runs} runs with identical event logs (seed {args.seed}; "
            f"{(time.perf_counter() - start) / args.runs:.2f} s per Mesa run)",
            flush=True,
        )
    return 1 if failures else 0


PHASES = (
    "initial world (Engine())",
    "compiled runs (runs_fused)",
    "ledger (append_months)",
    "run metrics",
    "series table",
    "history metrics (compiled)",
    "other Python",
)


def profile(args: argparse.Namespace) -> dict:
    """Wall time of each phase of `stavka.simulate(events=False)` over one batch, by wrapping the
    functions it calls (the wrappers cost well under 0.1% here)."""
    from stavka import api
    from stavka.engine import core

    spent = dict.fromkeys(PHASES, 0.0)

    def timed(name, fn):  # type: ignore[no-untyped-def]
        def wrapper(*a, **k):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += time.perf_counter() - start

        return wrapper

    def run() -> float:
        start = time.perf_counter()
        api.simulate(scenario="default", doctrine=args.doctrine, runs=args.runs, seed=args.seed, events=False)
        return time.perf_counter() - start

    api.simulate(scenario="default", doctrine=args.doctrine, runs=2, seed=args.seed, events=False)  # warm-up
    patched = [
        (core, "runs_fused"),
        (core.Engine, "__init__"),
        (core.BatchLog, "append_months"),
        (api, "run_metrics"),
        (api, "series_frame"),
        (api, "history_stats"),
    ]
    originals = [getattr(obj, name) for obj, name in patched]
    for (obj, name), phase in zip(patched, [PHASES[1], PHASES[0], *PHASES[2:6]], strict=True):
        setattr(obj, name, timed(phase, getattr(obj, name)))
    try:
        total = run()
    finally:
        for (obj, name), fn in zip(patched, originals, strict=True):
            setattr(obj, name, fn)
    spent[PHASES[6]] = total - sum(spent.values())
    return {
        "runs": args.runs,
        "doctrine": args.doctrine,
        "total_s": total,
        "load": round(os.getloadavg()[0], 2),
        "threads": int(os.environ.get("NUMBA_NUM_THREADS", "0")) or os.cpu_count(),
        "phases_s": spent,
        "ms_per_run": 1000 * total / args.runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doctrine", default="historical")
    parser.add_argument("--doctrines", default="passive,terror,historical,break_and_use,meritocratic", help="with --agree")
    parser.add_argument("--runs", type=int, default=1000, help="stavka batch (with --agree: runs per doctrine)")
    parser.add_argument("--mesa-runs", type=int, default=10, help="Mesa runs per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="1,2", help="Numba threads, one child process each")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes for CI; the figures mean nothing")
    parser.add_argument("--agree", action="store_true", help="check exact agreement of the event logs instead")
    parser.add_argument("--profile", action="store_true", help="time the engine's phases over one batch instead")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.mesa_runs, args.repeats = (3 if args.agree else 4), 2, 1
        args.threads = "1"  # tiny batches on two threads are slow on a busy machine (docs/performance.md)
        if args.agree:
            args.doctrines = "passive,terror"
    if args.agree:
        sys.exit(agree(args))
    if args.profile:
        res = profile(args)
        if args.json:
            print(json.dumps(res))
            return
        print(
            f"Engine phases over one batch of {res['runs']} runs of {res['doctrine']}, {res['threads']} thread(s), "
            f"load {res['load']}: {res['total_s']:.1f} s, {res['ms_per_run']:.2f} ms/run"
        )
        for name, sec in res["phases_s"].items():
            print(f"  {name:<28} {sec:>8.2f} s {100 * sec / res['total_s']:>5.1f}%  {1000 * sec / res['runs']:>7.2f} ms/run")
        return
    if args.child:
        print(json.dumps(child(args)))
        return

    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        env = {**os.environ, "NUMBA_NUM_THREADS": str(threads)}
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--doctrine",
            args.doctrine,
            "--runs",
            str(args.runs),
            "--mesa-runs",
            str(args.mesa_runs),
            "--repeats",
            str(args.repeats),
            "--seed",
            str(args.seed),
        ]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"compare_mesa.py: the {threads}-thread child failed (exit {out.returncode}):\n{out.stderr}")
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if not args.json:
            print(f"... {threads} thread(s) done", file=sys.stderr, flush=True)
    if args.json:
        top = {k: v for k, v in results[-1].items() if k != "all"}
        print(json.dumps({**top, "results": [{k: v for k, v in r.items() if k != "all"} for r in results]}))
        return
    r0 = results[0]
    print(
        f"stavka vs Mesa 3.3, default scenario ({r0['months']} months, {r0['officers']} officer slots), "
        f"doctrine {r0['doctrine']}, stavka batch {r0['runs']} runs, {r0['mesa_runs']} Mesa runs per repeat, "
        f"median of {r0['repeats']} repeats{' (SMOKE: figures meaningless)' if args.smoke else ''}"
    )
    print(
        f"{'threads':>7} {'load':>5} | {'stavka ms/run':>13} {'mesa ms/run':>11} {'ratio':>7} | "
        f"{'default ms/run':>14} {'ratio':>7} | {'engine ms/run':>13} {'model ms/run':>12} {'ratio':>7}"
    )
    for r in results:
        print(
            f"{r['threads']:>7} {r['load']:>5.1f} | {r['stavka_ms_per_run']:>13.2f} {r['mesa_ms_per_run']:>11.1f} "
            f"{r['ratio']:>6.1f}x | {r['default_ms_per_run']:>14.2f} {r['mesa_ms_per_run'] / r['default_ms_per_run']:>6.1f}x | "
            f"{r['stavka_engine_ms_per_run']:>13.2f} {r['mesa_model_ms_per_run']:>12.1f} {r['engine_ratio']:>6.1f}x"
        )
    print(
        "stavka = stavka.simulate(events=False) (engine, metrics, official-history metrics); default = "
        "stavka.simulate() with its event tables built and read; engine = Engine.run_to_end + "
        "run_metrics; mesa = mesa_reference.run (steps, metrics, official history); model = the steps only. "
        "load = 1-min load average during the repeats."
    )


if __name__ == "__main__":
    main()
