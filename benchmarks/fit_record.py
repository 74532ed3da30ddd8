"""Fit a doctrine's free parameters to the record's fitting targets: the documented, reproducible procedure of
issue 11 (the Bayesian calibration and model choice are `stavka calibrate`'s).

Procedure.  The chosen parameters span the box of their declared prior ranges (`stavka params`); the design is
the first `--points` points of an unscrambled Sobol sequence in that box (deterministic: no random numbers), plus
the current defaults.  Every point is simulated with the same seed and run ids (common random numbers, so two
points differ by their parameters, not their luck) and scored by the calibration's distance to the fitting targets
that have a model measure and are not inputs (`stavka.calibration.summaries`, docs/calibration.md: one definition
for this procedure and for `stavka calibrate`):

    d = sqrt( mean over targets of ((model - record) / s)^2 ),  s = max((hi - lo) / 2, floor)

where model is the measure's summary over the runs (mean, or median for months), record the fact's value, lo..hi
its range (the spread of its sources) and the floor that of an exact fact (one month, 0.02 of a share, half a unit
of a count); a target the runs leave undefined counts 3 uncertainties.  The box is the parameters' declared prior
ranges as the calibration reads them (`stavka.calibration.space.declared`).  Checking facts are never scored.
The best points are printed with every target's model value; the chosen point is then written into the
doctrine's or scenario's defaults by hand, with this command and its output cited in the parameter's `source`.

    python benchmarks/fit_record.py --doctrine historical --params scapegoat_execute,captivity.defect_base \\
        --points 32 --runs 200 --seed 1937
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import qmc

import stavka
from stavka.calibration.space import declared
from stavka.calibration.summaries import Target, summarise, targets
from stavka.calibration.summaries import distance as calibration_distance
from stavka.config import ConfigError, load_scenario
from stavka.doctrines import get_doctrine
from stavka.overrides import DOCTRINE, qualified


def prior(name: str, doctrine: str) -> tuple[float, float, Any]:
    """The declared prior range of a parameter (the calibration's) and its current value (one-line error if it has
    no finite range)."""
    full = qualified(name)
    if full.startswith(DOCTRINE):
        key = full[len(DOCTRINE) :]
        values: Any = get_doctrine(doctrine).params
        label = key
    else:
        section, key = full.split(".")[1:]
        cfg = load_scenario("default")
        if section not in type(cfg).model_fields:
            raise ConfigError(f"--params: no scenario section {section!r}")
        values = getattr(cfg, section)
        label = f"{section}.{key}"
    if key not in type(values).model_fields:
        raise ConfigError(f"--params: no parameter {name!r}")
    if label not in declared():
        raise ConfigError(f"--params: {name} has no finite prior range to search")
    (lo, hi), _ = declared()[label]
    return lo, hi, getattr(values, key)


def scored_targets() -> list[Target]:
    """The fitting targets with a measure that are not inputs: the calibration's summaries."""
    return targets()


def distance(model: Mapping[str, float], tgts: list[Target]) -> float:
    """The calibration's distance (module docstring) of the model's summaries {target id: value}."""
    return calibration_distance(model, tgts)


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
    tgts = scored_targets()
    scored = []
    for i, point in enumerate(points):
        res = stavka.simulate(doctrine=a.doctrine, runs=a.runs, seed=a.seed, events=True, **point)
        model = summarise(res, tgts)
        scored.append((distance(model, tgts), i, point, model))
        print(f"point {i:3d}/{len(points) - 1}: d = {scored[-1][0]:7.3f}  {point}", file=sys.stderr)
    scored.sort(key=lambda s: s[0])
    best = [{"distance": d, "point": p, "is_default": i == 0, "model": m} for d, i, p, m in scored[: a.top]]
    record = {t.id: {"value": t.value, "lo": t.lo, "hi": t.hi, "scale": t.scale} for t in tgts}
    if a.json:
        print(json.dumps({"doctrine": a.doctrine, "runs": a.runs, "seed": a.seed, "targets": record, "best": best}, default=str))
        return 0
    print(f"{a.doctrine}: {len(points)} points x {a.runs} runs, seed {a.seed}; targets: {', '.join(record)}")
    for b in best:
        flag = " (the defaults)" if b["is_default"] else ""
        print(f"d = {b['distance']:.3f}{flag}: " + ", ".join(f"{k} = {v:.4g}" for k, v in b["point"].items()))
        print("    " + "; ".join(f"{k} {v if isinstance(v, str) else f'{v:.3g}'}" for k, v in b["model"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
