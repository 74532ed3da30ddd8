"""Digests of the histories every built-in doctrine writes: the proof of a refactor.

For each built-in doctrine, `stavka.simulate(runs=N, seed=S, events=True)` and a SHA-256 of each of its
tables (true ledger, official history, metrics, monthly series), written as CSV with floats in their
shortest round-trip form (so equal digests mean bit-identical values).  Run it on main before a change
and after it; the two outputs must be identical:

    python benchmarks/history_digest.py > before.txt      # on the old commit
    python benchmarks/history_digest.py | diff before.txt -

`--runs` (200) and `--seed` (1937) choose the runs; `--smoke` runs 4 runs of each doctrine.
"""

from __future__ import annotations

import argparse
import hashlib

import pandas as pd

import stavka
from stavka.doctrines import REGISTRY


def digest(frame: pd.DataFrame) -> str:
    text = frame.to_csv(index=False, float_format=None, lineterminator="\n")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1937)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    runs = 4 if args.smoke else args.runs
    print(f"runs {runs}, seed {args.seed}")
    for name in REGISTRY:
        res = stavka.simulate(doctrine=name, runs=runs, seed=args.seed, events=True)
        tables = {"events": res.events, "official": res.official, "metrics": res.metrics, "series": res.series}
        rows = "  ".join(f"{k} {len(t):>7} {digest(t)}" for k, t in tables.items())
        print(f"{name:<14} {rows}")


if __name__ == "__main__":
    main()
