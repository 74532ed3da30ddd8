"""Posterior predictive checks against the checking facts, which no calibration fits (record/facts.py: use
"check"; summaries.targets(use="check") keeps those with a model measure, record/measures.py).  For each account's posterior,
`draws` particles are drawn by weight from its last generation and each simulated once more, at a run id past the
K runs it was fitted on (run_base + K: same parameters, new luck); the share of these runs inside each checking
fact's range is stored in calibration_checks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import store
from .abc import Spec, _runs_of, positive
from .guard import SHIFT_KEY, make_doctrine
from .model import overrides
from .summaries import per_run, targets


def predictive_checks(db: str | Path, cal: str, draws: int = 20) -> pd.DataFrame:
    from ..api import simulate

    draws = positive(draws, "draws")
    meta = store.read(db, "calibrations", cal)
    spec = Spec(**json.loads(meta["spec"].iloc[0]))
    checks = targets(None, use="check")
    parts = store.read(db, "calibration_particles", cal)
    rows = []
    for label, abc_id in _runs_of(db, cal).items():
        if not label.startswith("posterior:"):
            continue
        d = label.split(":", 1)[1]
        p = parts[(parts["abc_id"] == abc_id) & (parts["doctrine"] == d)]
        p = p[p["generation"] == p["generation"].max()]
        if not len(p):
            continue
        h = hashlib.blake2b(f"{spec.seed}:{cal}:{d}".encode(), digest_size=8).digest()
        rng = np.random.default_rng(int.from_bytes(h, "big"))
        w = p["weight"].to_numpy(dtype=float)
        pick = rng.choice(len(p), size=draws, p=w / w.sum())
        values: dict[str, list[float]] = {t.id: [] for t in checks}
        for i in pick:
            r = p.iloc[int(i)]
            params = json.loads(r["parameters"])
            over, shift = overrides(spec.free(d), params)
            doc = make_doctrine(d, {k: v for k, v in over.items() if "__" not in k}, shift if SHIFT_KEY in params else None)
            run = int(r["run_base"]) + int(r["runs"])
            res = simulate(
                "default", doc, seed=spec.seed, run_ids=[run], events=True, **{k: v for k, v in over.items() if "__" in k}
            )
            for k, v in per_run(res, checks).items():
                values[k].append(float(v[0]))
        for t in checks:
            x = np.array(values[t.id], dtype=float)
            inside = float(np.mean((x >= t.lo) & (x <= t.hi))) if len(x) else float("nan")
            rows.append((cal, d, t.id, len(x), inside, float(np.nanmean(x)) if np.isfinite(x).any() else None, t.lo, t.hi))
    store.write(db, {"calibration_checks": rows})
    return pd.DataFrame(rows, columns=["calibration", "doctrine", "fact", "runs", "inside", "mean", "lo", "hi"])


__all__: list[Any] = ["predictive_checks"]
