"""The public Python API: simulate, compare, and the step-by-step Simulation."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, cast

import numpy as np
import pandas as pd

from . import __version__
from .config import MAX_RUNS_IN_MEMORY, MAX_SEED, ConfigError, ScenarioConfig
from .doctrines import Doctrine, get_doctrine
from .engine.codes import Action, Cause
from .engine.driver import Engine
from .engine.interface import Decisions, RulerView
from .engine.state import Workspace
from .ledger import BatchLedgers, TableOrder, censor, empty_ledger, frame_of, true_ledger
from .metrics import METRICS, interval, numeric, run_metrics, summarise
from .overrides import split as split_overrides
from .scenario import Scenario

BATCH = 500  # runs simulated together; results do not depend on it


class _Formatted:
    """A ledger table of a result: kept as what makes its columns (`stavka.ledger.BatchLedgers`, one a batch)
    until first read, then as the DataFrame they lay out and format to, once (a caller who never reads the
    tables pays for neither)."""

    def __init__(self, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: object, objtype: type | None = None) -> pd.DataFrame:
        if obj is None:
            return self  # type: ignore[return-value]  # (the class's attribute)
        value = obj.__dict__[self.slot]
        if isinstance(value, list):
            value = obj.__dict__[self.slot] = frame_of([b.true() if self.slot == "_events" else b.official() for b in value])
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: object, value: pd.DataFrame | list[BatchLedgers]) -> None:
        obj.__dict__[self.slot] = value


class _Derived:
    """`careers` or `officers` of a result (`stavka.tables`): built, both at once, from the true ledger and the
    initial world when either is first read; None until then (a caller who never reads them pays nothing)."""

    def __init__(self, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: object, objtype: type | None = None) -> pd.DataFrame:
        if obj is None:
            return self  # type: ignore[return-value]  # (the class's attribute)
        if obj.__dict__.get(self.slot) is None:
            careers, officers = _career_tables(cast(SimulationResult, obj))
            obj.__dict__["_careers"] = obj.__dict__["_careers"] if obj.__dict__.get("_careers") is not None else careers
            obj.__dict__["_officers"] = obj.__dict__["_officers"] if obj.__dict__.get("_officers") is not None else officers
        return obj.__dict__[self.slot]  # type: ignore[no-any-return]

    def __set__(self, obj: object, value: pd.DataFrame | None) -> None:
        obj.__dict__[self.slot] = None if isinstance(value, _Derived) else value


@dataclass
class SimulationResult:
    """Runs of one doctrine on one scenario.  `events` (the true ledger) and `official` (the official
    history) are DataFrames, formatted from the engine's columns when first read; `careers` (one row per
    spell of an officer in a post at a rank) and `officers` (one row per officer: name, birth, traits drawn
    at the start, fate) are read off the true ledger and the initial world when first read, for the runs
    whose events were kept (`stavka.tables`)."""

    metrics: pd.DataFrame
    events: pd.DataFrame  # (or the batches' Ledgers, formatted when read: see below)
    official: pd.DataFrame
    series: pd.DataFrame
    meta: dict[str, Any]
    scenario: Scenario = field(repr=False)
    careers: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]  # (built when read)
    officers: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]

    def summary(self) -> pd.DataFrame:
        return summarise(self.metrics, self.scenario.calendar)


# Installed once the dataclass exists: its __init__ stores each table through them.
SimulationResult.events = _Formatted("events")  # type: ignore[assignment]
SimulationResult.official = _Formatted("official")  # type: ignore[assignment]
SimulationResult.careers = _Derived("careers")  # type: ignore[assignment]
SimulationResult.officers = _Derived("officers")  # type: ignore[assignment]


def _career_tables(res: SimulationResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Careers and officers of a result: from its ledgers' columns while they are unformatted, else from the
    events table; runs in the order of the metrics."""
    from .tables import EventColumns, build_tables, empty_tables

    kept = res.__dict__.get("_events")
    batches = res.__dict__.get("_batches")
    if batches:  # (the columns, whether or not the table was formatted)
        cols = EventColumns.of_ledgers([b.true() for b in batches], res.scenario.posts.n)
    elif isinstance(kept, pd.DataFrame) and len(kept):
        cols = EventColumns.of_frame(kept, res.scenario)
    else:
        return empty_tables()
    return build_tables(cols, res.scenario, int(res.meta["seed"]), res.metrics["run"].to_numpy(np.int64))


def _check_int(value: Any, name: str, low: int, high: int) -> int:
    """An integer (a NumPy one is fine; a bool or a float is not) in low..high, as a Python int."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Integral):
        raise ConfigError(f"{name}: expected an integer (got {value!r})")
    v = int(value)
    if not low <= v <= high:
        raise ConfigError(f"{name}: expected an integer from {low} to {high} (got {v})")
    return v


def check_seed(seed: Any, name: str = "seed") -> int:
    """A root seed: an integer from 0 to 2**63 - 1 (the store keeps it as a BIGINT)."""
    return _check_int(seed, name, 0, MAX_SEED)


def _too_many(n: int | str, name: str) -> ConfigError:
    return ConfigError(
        f"{name}: {n} runs are more than a result held in memory can take (at most "
        f"{MAX_RUNS_IN_MEMORY}); `stavka sweep` streams any number of runs into the store"
    )


def check_runs(runs: Any) -> int:
    """A number of runs: an integer from 1 to MAX_RUNS_IN_MEMORY."""
    if isinstance(runs, Integral) and not isinstance(runs, bool | np.bool_) and int(runs) > MAX_RUNS_IN_MEMORY:
        raise _too_many(int(runs), "runs")
    return _check_int(runs, "runs", 1, MAX_RUNS_IN_MEMORY)


def check_run_ids(run_ids: Any, name: str = "run_ids") -> np.ndarray:
    """Run ids as an int64 array: integers from 0 to 2**63 - 1, at least one, none twice, at most
    MAX_RUNS_IN_MEMORY; checked before anything is listed (a huge `range` is refused by its length)."""
    if isinstance(run_ids, str | bytes | dict) or not isinstance(run_ids, Iterable):
        raise ConfigError(f"{name}: expected a sequence of run ids, e.g. [13] (got {run_ids!r})")
    bounds = f"{name}: expected run ids from 0 to {MAX_SEED}"
    if isinstance(run_ids, np.ndarray):
        if run_ids.ndim != 1 or run_ids.dtype.kind not in "iu":
            raise ConfigError(
                f"{name}: expected a one-dimensional array of integers (got {run_ids.dtype}, shape {run_ids.shape})"
            )
        if len(run_ids) > MAX_RUNS_IN_MEMORY:
            raise _too_many(len(run_ids), name)
        if len(run_ids) and (int(run_ids.min()) < 0 or int(run_ids.max()) > MAX_SEED):
            raise ConfigError(f"{bounds} (got {int(run_ids.min())} .. {int(run_ids.max())})")
        ids = run_ids.astype(np.int64)
    elif isinstance(run_ids, range):
        if len(run_ids) > MAX_RUNS_IN_MEMORY:
            raise _too_many(len(run_ids), name)
        ends = (run_ids[0], run_ids[-1]) if len(run_ids) else (0, 0)
        if min(ends) < 0 or max(ends) > MAX_SEED:
            raise ConfigError(f"{bounds} (got {run_ids!r})")
        ids = np.fromiter(run_ids, dtype=np.int64, count=len(run_ids))
    else:
        if isinstance(run_ids, Sized) and len(run_ids) > MAX_RUNS_IN_MEMORY:
            raise _too_many(len(run_ids), name)
        values = list(itertools.islice(run_ids, MAX_RUNS_IN_MEMORY + 1))
        if len(values) > MAX_RUNS_IN_MEMORY:
            raise _too_many(f"more than {MAX_RUNS_IN_MEMORY}", name)
        ids = np.array([_check_int(v, f"{name}[{i}]", 0, MAX_SEED) for i, v in enumerate(values)], dtype=np.int64)
    if len(ids) == 0:
        raise ConfigError(f"{name}: expected at least one run id")
    uniq, counts = np.unique(ids, return_counts=True)
    if len(uniq) < len(ids):
        raise ConfigError(f"{name}: run id {int(uniq[counts > 1][0])} is given twice; each run id is one run")
    return ids


def simulate(
    scenario: str | ScenarioConfig = "default",
    doctrine: str | Doctrine = "terror",
    runs: int = 100,
    seed: int = 0,
    run_ids: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
    events: bool = True,
    workspace: Workspace | None = None,
    follow_record_until: str | None = None,
    **overrides: Any,
) -> SimulationResult:
    """Simulate runs of a doctrine.  `run_ids=[13]` simulates only run 13 of that seed: a run's
    history depends on (seed, run id) alone.  Keyword overrides with a dot or double underscore
    ('operations__noise_km') change the scenario; plain names change the doctrine's parameters.
    `progress` is called with the number of runs finished.  `workspace`: the engine's memory, to keep
    from call to call in a loop of calls (one call at a time; see `stavka.engine.state.Workspace`); by
    default each call has its own.  `seed`: an integer from 0 to 2**63 - 1; `runs`: 1 to
    MAX_RUNS_IN_MEMORY (more: `stavka sweep`); `run_ids`: distinct integers from 0 to 2**63 - 1.
    `follow_record_until='1941-07'`: the named officers follow the record before that month, the doctrine
    decides from it on (`scenario.follow_record_until`; docs/record.md)."""
    seed = check_seed(seed)
    runs = check_runs(runs)
    ids = check_run_ids(run_ids) if run_ids is not None else np.arange(runs, dtype=np.int64)
    scen_over, doc_over = split_overrides(overrides)
    if follow_record_until is not None:
        scen_over["scenario.follow_record_until"] = follow_record_until
    scen = Scenario.load(scenario, **scen_over)
    doc = get_doctrine(doctrine, **doc_over)
    parts: list[tuple[pd.DataFrame, BatchLedgers | None, pd.DataFrame]] = []
    done = 0
    workspace = workspace or Workspace()  # each batch reuses the memory of the one before
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        parts.append(_simulate_batch(scen, doc, seed, chunk, events, workspace))
        done += len(chunk)
        if progress:
            progress(done)
    metrics = pd.concat([p[0] for p in parts], ignore_index=True)
    series = pd.concat([p[2] for p in parts], ignore_index=True)
    batches = [p[1] for p in parts if p[1] is not None]
    ev, official = _ledger(batches, False), _ledger(batches, True)
    meta = {
        "version": __version__,
        "scenario": scen.name,
        "scenario_hash": scen.config.digest(),
        "doctrine": doc.name,
        "doctrine_params": doc.params.model_dump(mode="json"),
        "doctrine_record": doc.record(),
        "seed": int(seed),
        "runs": len(ids),
        "follow_record_until": scen.config.scenario.follow_record_until,
        "overrides": {k: v for k, v in overrides.items()},
    }
    res = SimulationResult(
        metrics=metrics,
        events=cast(pd.DataFrame, ev),
        official=cast(pd.DataFrame, official),
        series=series,
        meta=meta,
        scenario=scen,
    )
    res.__dict__["_batches"] = batches  # (what careers are read from: `_career_tables`)
    return res


def _simulate_batch(
    scen: Scenario, doc: Doctrine, seed: int, ids: np.ndarray, keep_events: bool, workspace: Workspace
) -> tuple[pd.DataFrame, BatchLedgers | None, pd.DataFrame]:
    """One batch's metrics and series, and what its two ledgers are laid out from if kept; nothing in them
    refers to the workspace, which the next batch overwrites."""
    engine = Engine(scen, seed, ids, workspace)
    log = engine.run_to_end(ruler_of(scen, doc))
    metrics = run_metrics(engine.world, log, ids, scen.calendar)
    series = series_frame(log.series, ids, scen)
    labels = scen.calendar.labels()
    # One pass decides the official history; the two history metrics are read off it, and, if the ledgers
    # are kept, the official table too.
    table = TableOrder.of_log(log, len(labels))
    censored = censor(table, ids, seed, doc.censorship, labels, log.series["credit"])
    metrics["history_distortion"] = censored.distortion
    metrics["erased_names"] = censored.erased_names
    metrics = metrics[["run", *METRICS]]
    if not keep_events:
        return metrics, None, series
    return metrics, BatchLedgers(table, ids, seed, scen, censored), series


def ruler_of(scen: Scenario, doc: Doctrine) -> Any:
    """The doctrine, or, in a scenario that follows the record, the record playing beside it (`stavka.record.follow`)."""
    if not scen.config.scenario.follow_record_until:
        return doc
    from .record.follow import RecordPlayer, plan_for

    return RecordPlayer(doc, plan_for(scen), scen.calendar.labels())


def _ledger(batches: list[BatchLedgers], official: bool) -> list[BatchLedgers] | pd.DataFrame:
    """The batches (their ledger laid out and formatted as one table when read), or a table without rows."""
    return list(batches) if batches else empty_ledger(official=official)


def series_frame(series: dict[str, np.ndarray], ids: np.ndarray, scen: Scenario) -> pd.DataFrame:
    n_runs, n_months = next(iter(series.values())).shape
    df = pd.DataFrame({"run": np.repeat(ids, n_months), "month": np.tile(scen.calendar.labels(), n_runs)})
    for name, values in series.items():
        df[name] = values.reshape(-1).copy()  # the series may live in a workspace
    return df


def events_frame(engine: Engine, ids: np.ndarray) -> pd.DataFrame:
    """The true ledger as a DataFrame, officers named: by run (batch order), month, emission order."""
    log = engine.log
    if not log.n_events:
        return empty_ledger()
    table = TableOrder.of_log(log, min(len(log.counts), engine.scenario.calendar.n_months))
    return true_ledger(table, ids, engine.seed, engine.scenario).frame()


# --- paired comparison ------------------------------------------------------------------------------


@dataclass
class Comparison:
    """Doctrines run on the same seeds: run k meets the same luck under every doctrine."""

    results: dict[str, SimulationResult]
    table: pd.DataFrame  # metric x doctrine: mean, lo, hi; and paired differences against the first

    def __getitem__(self, name: str) -> SimulationResult:
        return self.results[name]


def compare(
    doctrines: Iterable[str | Doctrine] = ("terror", "meritocratic"),
    runs: int = 100,
    seed: int = 0,
    scenario: str | ScenarioConfig = "default",
    progress: Callable[[str, int], None] | None = None,
    events: bool = False,
    **overrides: Any,
) -> Comparison:
    """Paired comparison: mean and 95% interval of each metric per doctrine, and of each paired
    difference (doctrine minus the first doctrine, run by run).  Every doctrine is loaded, and the
    arguments checked, before any is simulated; two doctrines may not share a name."""
    check_seed(seed)
    check_runs(runs)
    if isinstance(doctrines, str | Doctrine) or not isinstance(doctrines, Iterable):
        raise ConfigError(f"doctrines: expected a list of doctrines, e.g. ['terror', 'meritocratic'] (got {doctrines!r})")
    docs = [get_doctrine(spec) for spec in doctrines]
    if not docs:
        raise ConfigError("doctrines: expected at least one doctrine")
    seen: set[str] = set()
    for d in docs:
        if d.name in seen:
            raise ConfigError(f"doctrines: two doctrines are named {d.name!r}; give each its own name")
        seen.add(d.name)
    results: dict[str, SimulationResult] = {}
    for d in docs:
        cb = (lambda done, name=d.name: progress(name, done)) if progress else None
        results[d.name] = simulate(scenario, d, runs=runs, seed=seed, progress=cb, events=events, **overrides)
    names = list(results)
    base = results[names[0]]
    cal = base.scenario.calendar
    rows = []
    for metric in METRICS:
        b = numeric(base.metrics, cal, metric)
        for name in names:
            x = numeric(results[name].metrics, cal, metric)
            mean, lo, hi, n = interval(x)
            dmean, dlo, dhi, dn = interval(x - b) if name != names[0] else (np.nan,) * 3 + (0,)
            rows.append(
                {
                    "metric": metric,
                    "doctrine": name,
                    "mean": mean,
                    "lo": lo,
                    "hi": hi,
                    "n": n,
                    "diff": dmean,
                    "diff_lo": dlo,
                    "diff_hi": dhi,
                }
            )
    return Comparison(results=results, table=pd.DataFrame(rows))


# --- stepping month by month (the playable ruler's interface) ------------------------------------------


@dataclass
class Orders:
    """Decisions supplied from outside for one month of a single run; anything left out falls back to
    the doctrine.  `actions` maps officer ids (as in the event log) to Actions; `appoint` maps officer ids
    to the post (an index of the scenario's post table, `view().posts`) each is appointed to."""

    actions: dict[int, Action] = field(default_factory=dict)
    appoint: dict[int, int] = field(default_factory=dict)
    hold: dict[int, bool] = field(default_factory=dict)  # front slot -> hold position?
    credit: float | None = None
    listening: float | None = None
    collate: bool | None = None


class Simulation:
    """One run stepped month by month.  `view()` shows what the ruler sees; `step(orders)` plays a
    month, the fallback doctrine deciding whatever the orders leave open."""

    def __init__(
        self,
        scenario: str | ScenarioConfig = "default",
        doctrine: str | Doctrine = "passive",
        seed: int = 0,
        run: int = 0,
        follow_record_until: str | None = None,
    ) -> None:
        seed = check_seed(seed)
        run = _check_int(run, "run", 0, MAX_SEED)
        follow = {} if follow_record_until is None else {"scenario.follow_record_until": follow_record_until}
        self.scenario = Scenario.load(scenario, **follow)
        self.doctrine = get_doctrine(doctrine)
        self._ruler = ruler_of(self.scenario, self.doctrine)
        self.engine = Engine(self.scenario, seed, np.array([run], dtype=np.int64))
        self.engine.begin_month()

    @property
    def month(self) -> str:
        return self.scenario.calendar.label(self.engine.month)

    @property
    def done(self) -> bool:
        return self.engine.done

    def view(self) -> RulerView:
        return self.engine.view()

    def step(self, orders: Orders | None = None) -> None:
        if self.done:
            raise RuntimeError("the simulation has ended")
        decisions = self._ruler.decide(self.engine.view())
        if orders is not None:
            merge_orders(decisions, orders, self.engine.world.off["ident"][0], self.scenario.posts.n)
        self.engine.end_month(decisions)
        if not self.done:
            self.engine.begin_month()

    def events(self) -> pd.DataFrame:
        return events_frame(self.engine, self.engine.run_ids)


def merge_orders(d: Decisions, orders: Orders, idents: np.ndarray, n_posts: int) -> None:
    slot = {int(ident): i for i, ident in enumerate(idents)}
    for ident in [*orders.actions, *orders.appoint]:
        if ident not in slot:
            raise KeyError(f"no officer with id {ident} in this run")
        if ident in orders.actions and ident in orders.appoint:
            raise ValueError(f"officer {ident}: one order a month, given both an action and an appointment")
    for ident, action in orders.actions.items():
        if action == Action.APPOINT:
            raise ValueError(f"officer {ident}: an appointment names its post: Orders(appoint={{{ident}: post}})")
        i = slot[ident]
        d.action[0, i] = action
        d.priority[0, i] = 1e9  # the player's own decisions come first within the attention budget
        d.cause[0, i] = Cause.RULER
    for ident, post in orders.appoint.items():
        if not 0 <= int(post) < n_posts:
            raise ValueError(f"officer {ident}: no post {post}; expected a post index in 0..{n_posts - 1}")
        d.appoint(0, slot[ident], int(post), 1e9, Cause.RULER)
    for f, hold in orders.hold.items():
        d.hold[0, f] = int(hold)
    if orders.credit is not None:
        d.credit[0] = orders.credit
    if orders.listening is not None:
        d.listening[0] = orders.listening
    if orders.collate is not None:
        d.collate[0] = int(orders.collate)
