"""How long stavka takes to start: ``import stavka``, the first ``simulate(runs=1)``, ``stavka --help``.

    python benchmarks/import_time.py                             # this stavka, median of 7 fresh processes
    python benchmarks/import_time.py --baseline /tmp/old/src     # ... side by side with another tree's src/
    python benchmarks/import_time.py --concurrent 4              # + 4 processes compiling at once, empty cache
    python benchmarks/import_time.py --smoke                     # CI: checks it runs, times little

Each figure is the median wall time of fresh Python processes (interpreter start included; the first
``simulate`` call alone is timed inside the process, after its imports), run in turn,
alternating between the trees compared so that the machine's load falls on both alike.  ``simulate``
is timed with a warm kernel cache (one untimed process first loads or compiles the kernels).  The trees
are put first on ``PYTHONPATH``; a baseline tree that caches its kernels in its own ``__pycache__``
(stavka before its kernel cache moved out of the package) should be a copy, not a working tree.

``--concurrent K`` starts K processes at once on an empty kernel cache (``STAVKA_CACHE_DIR``), each
compiling the kernels and running ``simulate(runs=2, seed=0)``, and checks that all succeed with identical
metrics and events, then that one more process loads them all from the cache (a few minutes: every process
compiles everything).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "import stavka": "import stavka",
    "from stavka import simulate": "from stavka import simulate",
    "import + simulate(runs=1)": "import stavka; stavka.simulate(runs=1)",
    "  first simulate(runs=1) *": (
        "import time, stavka; from stavka import simulate; t = time.perf_counter(); "
        "simulate(runs=1); print(time.perf_counter() - t)"
    ),
    "stavka --help": "import sys; sys.argv = ['stavka', '--help']; from stavka.cli import main; main()",
    "stavka doctrines": "import sys; sys.argv = ['stavka', 'doctrines']; from stavka.cli import main; main()",
}

CONCURRENT = """
import hashlib, json, sys, stavka
from numba.core.registry import CPUDispatcher
r = stavka.simulate(runs=2, seed=0)
digest = hashlib.sha256(r.metrics.to_csv().encode() + r.events.to_csv().encode()).hexdigest()
kernels = {id(f): f for name, m in list(sys.modules.items()) if name.startswith("stavka")
           for f in vars(m).values() if isinstance(f, CPUDispatcher)}.values()
print(json.dumps({"digest": digest, "cache": stavka.kernel_cache.directory.as_posix(),
                  "hits": sum(sum(f.stats.cache_hits.values()) for f in kernels),
                  "misses": sum(sum(f.stats.cache_misses.values()) for f in kernels)}))
"""


def this_tree() -> Path:
    spec = importlib.util.find_spec("stavka")
    assert spec is not None and spec.origin is not None, "stavka is not importable"
    return Path(spec.origin).resolve().parent.parent


def run(tree: Path, code: str, env: dict[str, str] | None = None) -> float:
    environ = os.environ | (env or {})
    environ["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])])
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=environ, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if code.endswith("print(time.perf_counter() - t)"):  # timed inside the process
        return float(done.stdout.split()[-1])
    return seconds


def concurrent(tree: Path, k: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as cache:
        environ = os.environ | {"STAVKA_CACHE_DIR": cache, "PYTHONPATH": str(tree)}
        start = time.perf_counter()
        procs = [
            subprocess.Popen([sys.executable, "-c", CONCURRENT], env=environ, stdout=subprocess.PIPE, text=True) for _ in range(k)
        ]
        outs = [p.communicate()[0] for p in procs]
        seconds = time.perf_counter() - start
        codes = [p.returncode for p in procs]
        results = [json.loads(o) for o, c in zip(outs, codes, strict=True) if c == 0]
        after = subprocess.run([sys.executable, "-c", CONCURRENT], env=environ, capture_output=True, text=True, check=True)
        warm = json.loads(after.stdout)
    digests = {r["digest"] for r in results} | {warm["digest"]}
    return {
        "processes": k,
        "exit_codes": codes,
        "seconds": round(seconds, 1),
        "identical": len(digests) == 1,
        "cold_misses": [r["misses"] for r in results],
        "warm_hits": warm["hits"],
        "warm_misses": warm["misses"],
        "ok": codes == [0] * k and len(digests) == 1 and warm["hits"] > 0 and warm["misses"] == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="fresh processes per figure (median)")
    parser.add_argument("--baseline", type=Path, help="another tree's src/ directory, timed side by side")
    parser.add_argument("--concurrent", type=int, default=0, metavar="K", help="K processes compiling at once")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    trees = {"this": this_tree()} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    cases = {"import stavka": CASES["import stavka"]} if args.smoke else CASES
    repeats = 1 if args.smoke else args.repeats
    if not args.smoke:
        for tree in trees.values():
            run(tree, CASES["import + simulate(runs=1)"])  # load (or compile) the kernels: a warm cache
    times: dict[str, dict[str, list[float]]] = {name: {case: [] for case in cases} for name in trees}
    for _ in range(repeats):
        for case, code in cases.items():
            for name, tree in trees.items():
                times[name][case].append(run(tree, code))
    medians = {name: {case: statistics.median(t) for case, t in by_case.items()} for name, by_case in times.items()}
    result: dict[str, object] = {
        "python": sys.version.split()[0],
        "repeats": repeats,
        "trees": {k: str(v) for k, v in trees.items()},
        "median_seconds": medians,
    }
    if args.concurrent:
        result["concurrent"] = concurrent(trees["this"], args.concurrent)
    failed = bool(args.concurrent) and not result["concurrent"]["ok"]  # type: ignore[index]
    if args.json:
        print(json.dumps(result))
        sys.exit(1 if failed else 0)
    names = list(trees)
    print(f"wall time of a fresh process, median of {repeats} (s; * inside the process); Python {result['python']}")
    print(f"{'':28}" + "".join(f"{n:>10}" for n in names))
    for case in cases:
        print(f"{case:28}" + "".join(f"{medians[n][case]:10.2f}" for n in names))
    for n, tree in trees.items():
        print(f"  {n}: {tree}")
    if args.concurrent:
        print(f"concurrent compile on an empty cache: {result['concurrent']}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
