"""Global sensitivity (Sobol indices, SALib's Saltelli scheme) and scenario discovery (PRIM, ema_workbench) of the
main outcomes over an account's free parameters' prior ranges.

Design: SALib's Sobol sequence of N * (D + 2) points (first and total order, no second order); point i is
simulated in `runs` runs at run ids derived from (seed, i) (blake2b, as the calibration's particles), and each
outcome is the mean over them.  Outcomes: victory month (months from the start; a war not won counts as the
scenario's last month + 1), losses, ruler survival (share of runs), innocent share, field competence, defections.
Confidence intervals are SALib's bootstrap 95% intervals (S1_conf, ST_conf).  PRIM (ema_workbench) looks for
boxes of the same points where "the war is not won" (lost, or not over by the scenario's end) and "the ruler
falls" are most frequent (share of runs above one half at a point)."""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..config import ConfigError
from . import store
from .abc import positive
from .space import space

OUTCOMES = ("victory_month", "losses", "ruler_survived", "innocent_share", "field_competence", "defections")


def _runs(seed: int, i: int, runs: int) -> list[int]:
    base = int.from_bytes(hashlib.blake2b(f"sobol:{seed}:{i}".encode(), digest_size=8).digest(), "big") >> 2
    return list(range(base, base + runs))


def evaluate(doctrine: str, names: list[str], x: np.ndarray, seed: int, runs: int) -> pd.DataFrame:
    from ..api import simulate
    from ..metrics import numeric

    ints = {f.name for f in space(doctrine) if f.integer}
    rows = []
    for i, point in enumerate(x):
        over: dict[str, Any] = {
            n.replace(".", "__"): (int(round(v)) if n in ints else float(v)) for n, v in zip(names, point, strict=True)
        }
        res = simulate("default", doctrine, seed=seed, run_ids=_runs(seed, i, runs), events=False, **over)
        cal = res.scenario.calendar
        row = {}
        for o in OUTCOMES:
            v = numeric(res.metrics, cal, o)
            if o == "victory_month":
                v = np.where(np.isnan(v), cal.n_months, v)
            row[o] = float(np.nanmean(v)) if np.isfinite(v).any() else np.nan
        row["war_not_won"] = float(res.metrics["victory_month"].isna().mean())
        row["ruler_falls"] = 1.0 - float(res.metrics["ruler_survived"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def sensitivity(
    doctrine: str = "historical",
    n: int = 16,
    runs: int = 2,
    seed: int = 0,
    params: Sequence[str] | None = None,
    db: str | Path | None = "stavka.duckdb",
) -> dict[str, Any]:
    """Sobol indices with 95% intervals per outcome and parameter, and PRIM boxes; stored when `db` is given."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from .space import check_doctrines, check_names

    check_doctrines([doctrine])
    n, runs = positive(n, "n"), positive(runs, "runs")
    if n & (n - 1):
        raise ConfigError(f"n: expected a power of two for the Sobol sequence (got {n})")
    check_names([doctrine], params, None)
    free = space(doctrine, params)
    if db is not None:
        from ..storage import Store

        Store.check_writable(db)
    names = [f.name for f in free]
    problem = {"num_vars": len(free), "names": names, "bounds": [[f.lo, f.hi] for f in free]}
    started = time.perf_counter()
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed % 2**32)
    y = evaluate(doctrine, names, x, seed, runs)
    sobol_rows = []
    for o in OUTCOMES:
        v = y[o].to_numpy(dtype=float)
        v = np.where(np.isnan(v), np.nanmean(v) if np.isfinite(v).any() else 0.0, v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = sobol_analyze.analyze(problem, v, calc_second_order=False, seed=seed % 2**32)
        for k, name in enumerate(names):
            sobol_rows.append((o, name, float(si["S1"][k]), float(si["S1_conf"][k]), float(si["ST"][k]), float(si["ST_conf"][k])))
    boxes = prim_boxes(pd.DataFrame(x, columns=names), y)
    cal = f"sensitivity-{doctrine}-{seed}-{int(time.time())}"
    out = {
        "calibration": cal,
        "sobol": pd.DataFrame(sobol_rows, columns=["outcome", "parameter", "s1", "s1_conf", "st", "st_conf"]),
        "prim": boxes,
        "points": len(x),
        "seconds": time.perf_counter() - started,
    }
    if db is not None:
        from ..cluster import source_hash
        from ..scenario import Scenario

        scen = Scenario.load("default")
        spec = {"doctrine": doctrine, "n": n, "runs": runs, "params": names}
        store.begin(
            db,
            cal,
            "sensitivity",
            {
                "version": __version__,
                "source_hash": source_hash(),
                "scenario": scen.name,
                "scenario_hash": scen.config.digest(),
                "seed": seed,
                "doctrines": [doctrine],
                "targets": list(OUTCOMES),
                "spec": spec,
                "spec_hash": hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:12],
                "history": None,
            },
        )
        store.write(
            db,
            {
                "calibration_sobol": [(cal, *r) for r in sobol_rows],
                "calibration_prim": [tuple([cal, *r]) for r in boxes.itertuples(index=False)],
            },
        )
        store.finish(db, cal, float(time.perf_counter() - started))
    return out


def prim_boxes(x: pd.DataFrame, y: pd.DataFrame, threshold: float = 0.5) -> pd.DataFrame:
    """One PRIM box (ema_workbench, the last box of the peeling trajectory that keeps density >= threshold)
    for each of 'war_not_won' and 'ruler_falls'; an outcome that never happens has no box."""
    import logging

    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    rows = []
    for outcome in ("war_not_won", "ruler_falls"):
        hit = y[outcome].to_numpy(dtype=float) > 0.5
        if hit.sum() == 0 or hit.all():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = prim.Prim(x.reset_index(drop=True), hit, threshold=threshold)
            box = p.find_box()
        lims = box.box_lims[-1]
        stats = box.peeling_trajectory.iloc[-1]
        for col in x.columns:
            rows.append(
                (
                    outcome,
                    0,
                    col,
                    float(lims.loc[0, col]),
                    float(lims.loc[1, col]),
                    float(stats["coverage"]),
                    float(stats["density"]),
                    float(stats["mass"]),
                )
            )
    return pd.DataFrame(rows, columns=["outcome", "box", "parameter", "lo", "hi", "coverage", "density", "mass"])
