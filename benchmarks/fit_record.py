"""Fit a doctrine's free parameters to the record's fitting targets: the documented, reproducible procedure of
issue 11 (the Bayesian calibration and model choice are `stavka calibrate`'s).

Procedure.  The chosen parameters span the box of their declared prior ranges (`stavka params`); the design is
the first `--points` points of an unscrambled Sobol sequence in that box (deterministic: no random numbers), plus
the current defaults.  Every point is simulated with the same seed and run ids (common random numbers, so two
points differ by their parameters, not their luck) and scored by the distance to the fitting targets that have a
model measure and are not inputs (`stavka.record.measures`):

    d = sum over targets of ((model - record) / half_width)^2,  half_width = max((hi - lo) / 2, floor)

where model is the measure's summary over the runs (mean, or median for months), record the fact's value and
lo..hi its range (the spread of its sources); `floor` keeps an exact fact from dominating (a tenth of its value,
or one month).  Checking facts are never scored.  The best points are printed with every target's model value;
the chosen point is then written into the doctrine's or scenario's defaults by hand, with this command and its
output cited in the parameter's `source`.

    python benchmarks/fit_record.py --doctrine historical --params scapegoat_execute,captivity.defect_base \\
        --points 32 --runs 200 --seed 1937
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import numpy as np
from scipy.stats import qmc

import stavka
from stavka.config import ConfigError, load_scenario
from stavka.doctrines import get_doctrine
from stavka.overrides import DOCTRINE, qualified
from stavka.params import parameter_rows
from stavka.record.facts import Fact, fitting_targets
from stavka.record.measures import as_number, compare, scored


def prior(name: str, doctrine: str) -> tuple[float, float, Any]:
    """The declared prior range of a parameter and its current value (one-line error if it has none)."""
    full = qualified(name)
    if full.startswith(DOCTRINE):
        model = get_doctrine(doctrine).params
        rows = {r["name"]: r for r in parameter_rows(type(model), model)}
        key = full[len(DOCTRINE) :]
    else:
        section, key = full.split(".")[1:]
        cfg = load_scenario("default")
        if section not in type(cfg).model_fields:
            raise ConfigError(f"--params: no scenario section {section!r}")
        values = getattr(cfg, section)
        rows = {r["name"]: r for r in parameter_rows(type(values), values)}
    if key not in rows:
        raise ConfigError(f"--params: no parameter {name!r}")
    p = rows[key]["prior"]
    if p is None or not all(math.isfinite(float(v)) for v in p):
        raise ConfigError(f"--params: {name} has no finite prior range to search ({p})")
    return float(p[0]), float(p[1]), rows[key]["value"]


def scored_targets() -> list[Fact]:
    return [f for f in fitting_targets() if scored(f)]


def distance(table: Any, targets: list[Fact]) -> float:
    """The procedure's distance (module docstring); a target the runs leave undefined counts 25 (5 half-widths)."""
    by_fact = table.set_index("fact")
    d = 0.0
    for f in targets:
        value, lo, hi = as_number(f.value), as_number(f.lo), as_number(f.hi)
        floor = 1.0 if isinstance(f.value, str) else 0.1 * abs(value) or 0.05
        half = max((hi - lo) / 2.0, floor)
        model = by_fact.loc[f.id, "model"]
        model = as_number(model) if isinstance(model, str) else float(model)
        d += 25.0 if math.isnan(model) else ((model - value) / half) ** 2
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--doctrine", default="historical")
    ap.add_argument("--params", required=True, help="comma-separated parameter names (dotted: the scenario's)")
    ap.add_argument("--points", type=int, default=16, help="Sobol points (a power of two is balanced)")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1937)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    try:
        names = [n.strip() for n in a.params.split(",") if n.strip()]
        box = [prior(n, a.doctrine) for n in names]
        if a.points < 1 or a.runs < 1:
            raise ConfigError("--points and --runs: expected positive integers")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unit = qmc.Sobol(d=len(names), scramble=False).random(a.points)
    lo, hi = np.array([b[0] for b in box]), np.array([b[1] for b in box])
    points = [dict(zip(names, [b[2] for b in box], strict=True))]
    points += [dict(zip(names, (lo + u * (hi - lo)).tolist(), strict=True)) for u in unit]
    targets = scored_targets()
    scored = []
    for i, point in enumerate(points):
        res = stavka.simulate(doctrine=a.doctrine, runs=a.runs, seed=a.seed, events=True, **point)
        table = compare(res, targets)
        scored.append((distance(table, targets), i, point, table.set_index("fact")["model"].to_dict()))
        print(f"point {i:3d}/{len(points) - 1}: d = {scored[-1][0]:9.2f}  {point}", file=sys.stderr)
    scored.sort(key=lambda s: s[0])
    best = [{"distance": d, "point": p, "is_default": i == 0, "model": m} for d, i, p, m in scored[: a.top]]
    record = {f.id: {"value": f.value, "lo": f.lo, "hi": f.hi} for f in targets}
    if a.json:
        print(json.dumps({"doctrine": a.doctrine, "runs": a.runs, "seed": a.seed, "targets": record, "best": best}, default=str))
        return 0
    print(f"{a.doctrine}: {len(points)} points x {a.runs} runs, seed {a.seed}; targets: {', '.join(record)}")
    for b in best:
        flag = " (the defaults)" if b["is_default"] else ""
        print(f"d = {b['distance']:.2f}{flag}: " + ", ".join(f"{k} = {v:.4g}" for k, v in b["point"].items()))
        print("    " + "; ".join(f"{k} {v if isinstance(v, str) else f'{v:.3g}'}" for k, v in b["model"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
