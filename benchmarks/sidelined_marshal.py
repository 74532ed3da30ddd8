"""Who is the marshal sidelined after victory?  Issue 11's "done when": the most popular marshal sidelined within
about a year of victory is Zhukov more often than any other officer, in free `historical` runs from 1937.

Prints, pooled over the seeds (each seed its own batch of runs, so the pool is as many independent runs), how
often each officer is the first man sidelined (a transfer with cause `sideline`), and an exact two-sided sign
test of Zhukov against the runner-up: under the null hypothesis that the two are equally likely to be the man,
Zhukov's count among the runs that sideline either is Binomial(n, 1/2).  One run sidelines at most one first man,
so the counts are of runs.

    python benchmarks/sidelined_marshal.py --runs 1000 --seeds 0,1,2,3,4 [--doctrine historical] [--json]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from scipy.stats import binomtest

import stavka

ZHUKOV = "G. K. Zhukov"


def first_sidelined(doctrine: str, runs: int, seed: int) -> Counter[str]:
    """The first man sidelined in each run that sidelines one, counted by name."""
    ev = stavka.simulate("default", doctrine, runs=runs, seed=seed).events
    side = ev[(ev["kind"] == "transfer") & (ev["cause"] == "sideline")].sort_values(["run", "month"])
    return Counter(side.groupby("run")["officer"].first().astype(str))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000, help="runs per seed")
    ap.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds")
    ap.add_argument("--doctrine", default="historical")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    per_seed = {s: first_sidelined(args.doctrine, args.runs, s) for s in seeds}
    pooled: Counter[str] = sum(per_seed.values(), Counter())
    total = args.runs * len(seeds)
    others = [(n, k) for n, k in pooled.most_common() if n != ZHUKOV]
    runner_up, k_other = others[0] if others else ("", 0)
    k_zhukov = pooled[ZHUKOV]
    test = binomtest(k_zhukov, k_zhukov + k_other, 0.5) if k_zhukov + k_other else None
    out = {
        "doctrine": args.doctrine,
        "runs": total,
        "seeds": seeds,
        "runs_sidelining": sum(pooled.values()),
        "top": pooled.most_common(6),
        "per_seed": {s: c.most_common(3) for s, c in per_seed.items()},
        "zhukov": k_zhukov,
        "runner_up": runner_up,
        "runner_up_count": k_other,
        "sign_test_p": None if test is None else float(test.pvalue),
    }
    if args.json:
        print(json.dumps(out))
        return
    print(f"{args.doctrine}: {total} free runs from 1937 (seeds {args.seeds}), {out['runs_sidelining']} sideline a man")
    for name, k in out["top"]:
        print(f"  {name:22s} {k:5d}  {k / total:.3f}")
    for s, top in out["per_seed"].items():
        print(f"  seed {s}: " + ", ".join(f"{n} {k}" for n, k in top))
    print(f"Zhukov {k_zhukov} against {runner_up} {k_other}: exact two-sided sign test p = {out['sign_test_p']:.3g}")


if __name__ == "__main__":
    main()
