"""The model choice checked on itself (Robert, Cornuet, Marin & Pillai 2011; Pudlo et al. 2016): pseudo-records
simulated from each account at parameters drawn from its prior go through the same model-choice ABC-SMC as the
record; the confusion matrix counts which account each is assigned to (the highest posterior probability), and
the error rate is the share assigned to another account than the one that generated it.

Pseudo-record j of account d: parameters drawn with NumPy's generator seeded by blake2b(seed, d, j), simulated by
`model.simulate_particle` (run ids from the particle's content, as everywhere); its summaries replace the record's
values in the targets, whose scales stay the record's (the same distance as for the record)."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from . import store
from .abc import Spec, history_path, positive, run_abc, sampler
from .guard import SHIFT, SHIFT_KEY
from .model import simulate_particle
from .space import DOCTRINES
from .summaries import targets


def _rng(seed: int, doctrine: str, j: int) -> np.random.Generator:
    h = hashlib.blake2b(f"{seed}:{doctrine}:{j}".encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(h, "big"))


def pseudo_record(spec: Spec, doctrine: str, j: int) -> tuple[dict[str, float], dict[str, float]]:
    """(the parameters drawn from the prior, the pseudo-record's summaries)."""
    rng = _rng(spec.seed, doctrine, j)
    free = spec.free(doctrine)
    params = {f.key: float(rng.uniform(f.lo, f.hi)) for f in free}
    if spec.variant == "free_dates":
        params[SHIFT_KEY] = float(rng.uniform(-SHIFT, SHIFT))
    stats, _ = simulate_particle(doctrine, spec.variant, free, params, spec.seed, spec.runs_per_particle, targets(spec.targets))
    return params, stats


def confusion(
    doctrines: Sequence[str] = DOCTRINES,
    pseudo: int = 2,
    population: int = 20,
    generations: int = 2,
    runs_per_particle: int = 2,
    db: str | Path = "stavka.duckdb",
    seed: int = 0,
    params: Sequence[str] | None = None,
    variant: str = "as_written",
    sampler_kind: str = "dask",
    scheduler: str | None = None,
    workers: int = 2,
) -> dict[str, Any]:
    """The confusion matrix {true: {chosen: count}} and the error rate of the model choice, `pseudo` pseudo-records
    per account; stored in calibration_confusion under a new calibration of kind 'confusion'."""
    from ..cluster import source_hash
    from ..scenario import Scenario
    from ..storage import Store

    pseudo = positive(pseudo, "pseudo")
    spec = Spec(
        list(doctrines),
        population,
        generations,
        runs_per_particle,
        seed,
        None,
        None if params is None else list(params),
        None,
        variant,
        0.5,
        False,
        True,
    ).check()
    if len(spec.doctrines) < 2:
        from ..config import ConfigError

        raise ConfigError("doctrines: a model choice needs at least two doctrines")
    Store.check_writable(db)
    tgts = targets(spec.targets)
    cal = f"confusion-{spec.digest()}-{pseudo}-{int(time.time())}"
    history_path(db, cal).parent.mkdir(parents=True, exist_ok=True)
    scen = Scenario.load("default")
    store.begin(
        db,
        cal,
        "confusion",
        {
            "version": __version__,
            "source_hash": source_hash(),
            "scenario": scen.name,
            "scenario_hash": scen.config.digest(),
            "seed": spec.seed,
            "doctrines": spec.doctrines,
            "targets": [t.id for t in tgts],
            "spec": asdict(spec) | {"pseudo": pseudo},
            "spec_hash": spec.digest(),
            "history": str(history_path(db, cal)),
        },
    )
    started = time.perf_counter()
    counts = {d: {c: 0 for c in spec.doctrines} for d in spec.doctrines}
    records = []
    np.random.seed(spec.seed % 2**32)
    with sampler(sampler_kind, scheduler, workers, spec.seed) as smp:
        for d in spec.doctrines:
            for j in range(pseudo):
                truth, stats = pseudo_record(spec, d, j)
                fake = [dataclasses.replace(t, value=float(stats[t.id])) for t in tgts]
                abc_id = run_abc(db, cal, None, f"pseudo:{d}:{j}", spec.doctrines, spec, fake, smp, None)
                m = store.read(db, "calibration_models", cal)
                m = m[(m["abc_id"] == abc_id)]
                last = m[m["generation"] == m["generation"].max()]
                chosen = str(last.loc[last["probability"].idxmax(), "doctrine"])
                counts[d][chosen] += 1
                records.append({"true": d, "pseudo": j, "chosen": chosen, "parameters": truth})
    rows = [(cal, d, c, n) for d, row in counts.items() for c, n in row.items()]
    store.write(db, {"calibration_confusion": rows})
    store.finish(db, cal, time.perf_counter() - started)
    total = sum(sum(r.values()) for r in counts.values())
    wrong = sum(n for d, r in counts.items() for c, n in r.items() if c != d)
    return {"calibration": cal, "confusion": counts, "error_rate": wrong / total, "pseudo_records": records}


def confusion_table(result: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(result["confusion"]).T.rename_axis("true \\ chosen")


__all__ = ["confusion", "confusion_table", "pseudo_record"]
