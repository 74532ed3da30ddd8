"""ABC-SMC with pyabc: one run per account (its posterior) and one run with the accounts as competing models
(the model probabilities).  Resumable: pyabc's history (SQLite) lives beside the store, in
``<store stem>.calibration/<id>.sqlite``; a calibration is sampled one generation at a time and each generation
is exported to the store's calibration tables, so a killed calibration resumes from its last generation, by
``resume=ID`` or automatically when the same specification is run again."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..config import ConfigError
from . import store
from .guard import SHIFT, SHIFT_KEY, VARIANTS
from .model import Distance, ParticleModel, run_base
from .space import DOCTRINES, Free, check_doctrines, check_names, space
from .summaries import Target, observed, targets

Progress = Callable[[dict[str, Any]], None]
QUIET = ("ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon", "ABC.Acceptor", "ABC.Adaptation", "ABC.Predictor")


def positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < 1:
        raise ConfigError(f"{name}: expected a positive integer (got {value!r})")
    return int(value)


@dataclass
class Spec:
    """What a calibration is: its identity (hashed) is everything here."""

    doctrines: list[str] = field(default_factory=lambda: list(DOCTRINES))
    population: int = 50
    generations: int = 4
    runs_per_particle: int = 4
    seed: int = 0
    targets: list[str] | None = None
    params: list[str] | None = None
    priors: dict[str, list[float]] | None = None
    variant: str = "as_written"
    quantile: float = 0.5  # the tolerance schedule: each generation's epsilon is this quantile of the last distances
    per_doctrine: bool = True
    choice: bool = True
    record: dict[str, float] | None = None  # a synthetic record: values replacing the record's (scales kept)

    def check(self) -> Spec:
        from ..api import check_seed

        self.doctrines = check_doctrines(self.doctrines)
        self.population = positive(self.population, "population")
        self.generations = positive(self.generations, "generations")
        self.runs_per_particle = positive(self.runs_per_particle, "runs-per-particle")
        self.seed = check_seed(self.seed)
        if self.variant not in VARIANTS:
            raise ConfigError(f"variant: expected one of {', '.join(VARIANTS)} (got {self.variant!r})")
        if not 0 < float(self.quantile) < 1:
            raise ConfigError(f"quantile: expected a number between 0 and 1 (got {self.quantile!r})")
        check_names(self.doctrines, self.params, self.priors)
        for d in self.doctrines:
            if not self.free(d):
                raise ConfigError(f"doctrine {d!r}: no free parameter among {', '.join(self.params or [])}")
        self.fitted()
        return self

    def fitted(self) -> list[Target]:
        """The targets, with the values of `record` where it gives them."""
        tgts = targets(self.targets)
        if self.record:
            unknown = set(self.record) - {t.id for t in tgts}
            if unknown:
                raise ConfigError(f"record: {sorted(unknown)} are not targets of this calibration")
            tgts = [dataclasses.replace(t, value=float(self.record[t.id])) if t.id in self.record else t for t in tgts]
        return tgts

    def free(self, doctrine: str) -> list[Free]:
        return space(doctrine, self.params, self.priors)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


def history_path(db: str | Path, cal: str) -> Path:
    db = Path(db)
    return db.parent / f"{db.stem}.calibration" / f"{cal}.sqlite"


@contextmanager
def sampler(kind: str, scheduler: str | None, workers: int, seed: int) -> Iterator[Any]:
    """pyabc's sampler: 'dask' (DaskDistributedSampler on a local cluster, or on `scheduler`) or 'single'."""
    import pyabc

    if kind == "single":
        yield pyabc.sampler.SingleCoreSampler()
        return
    from ..cluster import open_cluster

    with open_cluster(workers, scheduler) as (client, _threads):
        client.run(_seed_worker, seed)
        yield pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=1)


def _seed_worker(seed: int, dask_worker: Any = None) -> None:
    """Each worker's NumPy RNG (pyabc draws its proposals there) from the root seed and the worker's address."""
    name = getattr(dask_worker, "address", "")
    np.random.seed(int.from_bytes(hashlib.blake2b(f"{seed}:{name}".encode(), digest_size=4).digest(), "big"))


def _priors(free: list[Free], variant: str) -> Any:
    import pyabc

    rvs = {f.key: pyabc.RV("uniform", f.lo, f.hi - f.lo) for f in free}
    if variant == "free_dates":
        rvs[SHIFT_KEY] = pyabc.RV("uniform", -SHIFT, 2 * SHIFT)
    return pyabc.Distribution(**rvs)


def _transition(free: list[Free], variant: str) -> Any:
    """The perturbation kernel of an account: pyabc's multivariate normal, with a floor on each width."""
    from .transition import FlooredTransition

    widths = {f.key: f.hi - f.lo for f in free}
    if variant == "free_dates":
        widths[SHIFT_KEY] = 2 * SHIFT
    return FlooredTransition(widths)


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / np.sum(w)
    return float(x[order][min(int(np.searchsorted(cw, q)), len(x) - 1)])


def _population(history: Any, m: int, t: int) -> Any:
    """One model's particles of generation t, one row per particle (index: particle id): w, distance, par_*,
    sumstat_*.  pyabc's own tidy form drops particles that share a distance and a weight (its
    `drop_duplicates` looks at the values, not at the particle), which is common when summaries are counts."""
    long = history.get_population_extended(m=m, t=t, tidy=False)
    if not len(long):
        return long
    base = long.groupby("particle_id")[["w", "distance"]].first()
    pars = long.drop_duplicates(["particle_id", "par_name"]).pivot(index="particle_id", columns="par_name", values="par_val")
    stats = long.drop_duplicates(["particle_id", "sumstat_name"]).pivot(
        index="particle_id", columns="sumstat_name", values="sumstat_val"
    )
    return base.join(pars.add_prefix("par_")).join(stats.add_prefix("sumstat_"))


def export(db: str | Path, cal: str, abc_id: int, history: Any, spec: Spec, doctrines: list[str], tgts: list[Target]) -> None:
    """Every generation of one pyabc run into the store's calibration tables (replacing what was there)."""
    rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in ("generations", "models", "particles", "summaries", "posterior")}
    pops = history.get_all_populations()
    probs = history.get_model_probabilities()
    scale = {t.id: (t.value, t.scale) for t in tgts}
    for _, p in pops[pops["t"] >= 0].iterrows():
        t = int(p["t"])
        rows["generations"].append(
            (
                cal,
                abc_id,
                t,
                float(p["epsilon"]),
                int(p["particles"]),
                int(p["samples"]),
                float(p["particles"]) / max(1, int(p["samples"])),
            )
        )
        for m, d in enumerate(doctrines):
            prob = float(probs.loc[t, m]) if m in probs.columns and t in probs.index else 0.0
            rows["models"].append((cal, abc_id, t, d, 0.0 if np.isnan(prob) else prob))
            if prob <= 0 or np.isnan(prob):
                continue
            pop = _population(history, m, t)
            pars = [c for c in pop.columns if c.startswith("par_")]
            for pid, r in pop.iterrows():
                params = {c[4:]: float(r[c]) for c in pars}
                base = run_base(spec.seed, d, spec.variant, params)
                rows["particles"].append(
                    (
                        cal,
                        abc_id,
                        t,
                        d,
                        int(pid),
                        float(r["w"]),
                        float(r["distance"]),
                        json.dumps(params),
                        base,
                        spec.runs_per_particle,
                    )
                )
                for tid, (v, s) in scale.items():
                    val = r.get(f"sumstat_{tid}")
                    rows["summaries"].append(
                        (cal, abc_id, t, d, int(pid), tid, None if val is None or np.isnan(val) else float(val), v, s)
                    )
    last = history.max_t
    for m, d in enumerate(doctrines):
        if last < 0 or m not in probs.columns or not probs.loc[last, m] > 0:
            continue
        df, w = history.get_distribution(m=m, t=last)
        bounds = {f.key: (f.lo, f.hi) for f in spec.free(d)} | {SHIFT_KEY: (-SHIFT, SHIFT)}
        for col in df.columns:
            x = df[col].to_numpy(dtype=float)
            lo, hi = bounds.get(col, (np.nan, np.nan))
            rows["posterior"].append(
                (
                    cal,
                    abc_id,
                    d,
                    col.replace("__", "."),
                    float(np.sum(w * x) / np.sum(w)),
                    _weighted_quantile(x, w, 0.05),
                    _weighted_quantile(x, w, 0.95),
                    lo,
                    hi,
                )
            )
    from ..storage import Store

    with Store(db) as st:
        con = st.con
        con.execute("BEGIN")
        for table in ("generations", "models", "particles", "summaries", "posterior"):
            con.execute(f"DELETE FROM calibration_{table} WHERE calibration = ? AND abc_id = ?", [cal, abc_id])
            if rows[table]:
                marks = ", ".join("?" * len(rows[table][0]))
                con.executemany(f"INSERT INTO calibration_{table} VALUES ({marks})", [list(r) for r in rows[table]])
        con.execute("COMMIT")


def run_abc(
    db: str | Path,
    cal: str,
    abc_id: int | None,
    label: str,
    doctrines: list[str],
    spec: Spec,
    tgts: list[Target],
    smp: Any,
    progress: Progress | None,
) -> int:
    """One pyabc run (new, or continued when `abc_id` is given) up to `spec.generations` generations."""
    import pyabc

    models = [ParticleModel(d, spec.variant, spec.free(d), spec.seed, spec.runs_per_particle, tgts) for d in doctrines]
    priors = [_priors(spec.free(d), spec.variant) for d in doctrines]
    abc = pyabc.ABCSMC(
        models,
        priors,
        Distance(tgts),
        population_size=spec.population,
        sampler=smp,
        eps=pyabc.epsilon.QuantileEpsilon(alpha=spec.quantile),
        transitions=[_transition(spec.free(d), spec.variant) for d in doctrines],
    )
    url = f"sqlite:///{history_path(db, cal)}"
    if abc_id is None:
        history = abc.new(url, observed(tgts), meta_info={"calibration": cal, "label": label})
        abc_id = int(history.id)
        store.write(db, {"calibration_runs": [(cal, abc_id, label, json.dumps(doctrines))]})
    else:
        history = abc.load(url, abc_id)
    remaining = spec.generations - (history.max_t + 1)
    if remaining > 0:
        if progress:  # the run starts (or resumes after its stored generations)
            progress({"run": label, "started": True, "done": history.max_t + 1, "generations": spec.generations})
        started = time.perf_counter()
        with _progress_log(label, doctrines, progress):
            try:
                abc.run(max_nr_populations=remaining)
            finally:  # what the history holds is exported even when the run is interrupted
                export(db, cal, abc_id, history, spec, doctrines, tgts)
                store.add_seconds(db, cal, time.perf_counter() - started)
    return abc_id


class _Relay(logging.Handler):
    """pyabc's generation log lines ('t: 2, eps: ...', 'Accepted: 50 / 120 = ...') as progress records."""

    def __init__(self, label: str, progress: Progress | None) -> None:
        super().__init__(logging.INFO)
        self.label, self.progress = label, progress
        self.state: dict[str, Any] = {}

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg.startswith("t: ") and "eps:" in msg:
            t, eps = msg[3:].split(",", 1)
            self.state = {"run": self.label, "generation": int(t), "epsilon": float(eps.split(":")[1].strip(" ."))}
        elif msg.startswith("Accepted:") and self.state and self.progress:
            a, b = msg.split(":")[1].split("=")[0].split("/")
            self.progress({**self.state, "accepted": int(a), "samples": int(b), "acceptance": int(a) / max(1, int(b))})


@contextmanager
def _progress_log(label: str, doctrines: list[str], progress: Progress | None) -> Iterator[None]:
    log = logging.getLogger("ABC")
    saved = (log.handlers[:], log.level, log.propagate)
    relay = _Relay(label, progress)
    log.handlers, log.propagate = [relay], False
    log.setLevel(logging.INFO)
    for child in QUIET:
        logging.getLogger(child).setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.handlers, log.level, log.propagate = saved


def _runs_of(db: str | Path, cal: str) -> dict[str, int]:
    df = store.read(db, "calibration_runs", cal)
    return {str(r["label"]): int(r["abc_id"]) for _, r in df.iterrows()}


def calibrate(
    doctrines: Sequence[str] = DOCTRINES,
    population: int = 50,
    generations: int = 4,
    runs_per_particle: int = 4,
    db: str | Path = "stavka.duckdb",
    scheduler: str | None = None,
    seed: int = 0,
    targets_ids: Sequence[str] | None = None,
    params: Sequence[str] | None = None,
    priors: Mapping[str, Sequence[float]] | None = None,
    variant: str = "as_written",
    quantile: float = 0.5,
    per_doctrine: bool = True,
    choice: bool = True,
    resume: str | None = None,
    sampler_kind: str = "dask",
    workers: int = 2,
    progress: Progress | None = None,
    record: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Calibrate the accounts against the record's fitting targets (see docs/calibration.md); returns
    {"calibration": id, "model_probabilities": {...}, "posteriors": {doctrine: {parameter: {mean, q05, q95}}}}.
    Everything is checked before anything is stored; a bad argument is a one-line ConfigError.  `record`: values
    that replace the record's for some targets (a synthetic record, to check that a calibration recovers known
    parameters); the targets' scales stay the record's."""
    from ..storage import Store

    for name in ("ABC", *QUIET):
        logging.getLogger(name).setLevel(logging.WARNING)
    Store.check_writable(db)
    if resume is not None:
        meta = store.read(db, "calibrations", resume) if Path(db).exists() else None
        if meta is None or not len(meta):
            raise ConfigError(f"--resume: no calibration {resume!r} in {db}")
        spec = Spec(**json.loads(meta["spec"].iloc[0])).check()
        cal = resume
    else:
        spec = Spec(
            list(doctrines),
            population,
            generations,
            runs_per_particle,
            seed,
            None if targets_ids is None else list(targets_ids),
            None if params is None else list(params),
            None if priors is None else {k: [float(v) for v in priors[k]] for k in priors},
            variant,
            quantile,
            per_doctrine,
            choice,
            None if record is None else {k: float(v) for k, v in record.items()},
        ).check()
        found = store.find(db, spec.digest())
        cal = found[0] if found and found[1] != "finished" else f"cal-{spec.digest()}-{int(time.time())}"
    if sampler_kind not in ("dask", "single"):
        raise ConfigError(f"sampler: expected dask or single (got {sampler_kind!r})")
    tgts = spec.fitted()
    from ..scenario import Scenario

    scen = Scenario.load("default")
    history_path(db, cal).parent.mkdir(parents=True, exist_ok=True)
    from ..cluster import source_hash

    store.begin(
        db,
        cal,
        "abc",
        {
            "version": __version__,
            "source_hash": source_hash(),
            "scenario": scen.name,
            "scenario_hash": scen.config.digest(),
            "seed": spec.seed,
            "doctrines": spec.doctrines,
            "spec": asdict(spec),
            "spec_hash": spec.digest(),
            "history": str(history_path(db, cal)),
            "targets": [{"id": t.id, "value": t.value, "scale": t.scale} for t in tgts],
        },
    )
    np.random.seed(spec.seed % 2**32)  # pyabc's own draws in this process (the prior sample, the single-core sampler)
    done = _runs_of(db, cal)
    with sampler(sampler_kind, scheduler, workers, spec.seed) as smp:
        plan: list[tuple[str, list[str]]] = []
        if spec.per_doctrine:
            plan += [(f"posterior:{d}", [d]) for d in spec.doctrines]
        if spec.choice and len(spec.doctrines) > 1:
            plan.append(("choice", spec.doctrines))
        for label, docs in plan:
            run_abc(db, cal, done.get(label), label, docs, spec, tgts, smp, progress)
    store.finish(db, cal, 0.0)
    return summary(db, cal)


def summary(db: str | Path, cal: str) -> dict[str, Any]:
    """The model probabilities (last generation of the choice run) and each posterior's mean and 90% interval."""
    runs = _runs_of(db, cal)
    models = store.read(db, "calibration_models", cal)
    post = store.read(db, "calibration_posterior", cal)
    probs: dict[str, float] = {}
    if "choice" in runs:
        m = models[models["abc_id"] == runs["choice"]]
        last = m[m["generation"] == m["generation"].max()]
        probs = {str(r["doctrine"]): float(r["probability"]) for _, r in last.iterrows()}
    posteriors: dict[str, dict[str, dict[str, float]]] = {}
    for label, abc_id in runs.items():
        if not label.startswith("posterior:"):
            continue
        d = label.split(":", 1)[1]
        rows = post[(post["abc_id"] == abc_id) & (post["doctrine"] == d)]
        posteriors[d] = {
            str(r["parameter"]): {"mean": float(r["mean"]), "q05": float(r["q05"]), "q95": float(r["q95"])}
            for _, r in rows.iterrows()
        }
    return {"calibration": cal, "model_probabilities": probs, "posteriors": posteriors}


def probability_table(db: str | Path) -> Any:
    """Every model-choice calibration in the store, one row each: its settings (targets, quantile, population,
    generations, runs per particle, variant, seed) and the last generation's model probabilities.  Runs that differ
    in one setting show the probabilities' sensitivity to it."""
    import pandas as pd

    cals = store.read(db, "calibrations")
    runs = store.read(db, "calibration_runs")
    models = store.read(db, "calibration_models")
    rows = []
    for _, c in cals[cals["kind"] == "abc"].iterrows():
        r = runs[(runs["calibration"] == c["calibration"]) & (runs["label"] == "choice")]
        if not len(r):
            continue
        m = models[(models["calibration"] == c["calibration"]) & (models["abc_id"] == int(r["abc_id"].iloc[0]))]
        if not len(m):
            continue
        last = m[m["generation"] == m["generation"].max()]
        spec = json.loads(c["spec"])
        tg = json.loads(c["targets"])
        row = {
            "calibration": c["calibration"],
            "status": c["status"],
            "variant": spec["variant"],
            "targets": len(tg),
            "quantile": spec["quantile"],
            "population": spec["population"],
            "generations": int(m["generation"].max()) + 1,
            "runs_per_particle": spec["runs_per_particle"],
            "seed": spec["seed"],
        }
        row |= {str(x["doctrine"]): round(float(x["probability"]), 3) for _, x in last.iterrows()}
        rows.append(row)
    return pd.DataFrame(rows)
