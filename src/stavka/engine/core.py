"""The loop that drives a batch of runs month by month (the month itself is `month.py`).

Steps 1-3 and 4b-11 run compiled, one run per iteration (runs never read each other's state); the
doctrine decides (step 4a) once for the whole batch in Python, or, for a parameter set of the shared
policy, by its compiled rules inside the month.  Nothing here imports a doctrine, storage or the UI.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numba
import numpy as np
from numpy.typing import NDArray

from ..scenario import Scenario
from .codes import PostKind, Status, War
from .interface import VISIBLE_OFFICER_FIELDS, Decisions, RulerView
from .month import RunSettings, month_after, month_before, month_fused
from .policy import Knobs
from .state import EVENT
from .views import SERIES, monthly_series

DecideFn = Callable[[RulerView], Decisions]


class Ruler(Protocol):
    """What the engine needs of a doctrine (the engine does not import the doctrines)."""

    def decide(self, view: RulerView) -> Decisions: ...

    def month_plan(self, label: str) -> tuple[Knobs, RunSettings] | None: ...


RUN_SETTINGS = ("credit", "collate", "listening", "purge_quota", "execute_share", "hostage", "punish_returnees",
                "organ_trust")


@numba.njit(cache=True)
def append_events(ev_bytes, ev_n, item, buf, start):  # type: ignore[no-untyped-def]
    """Copy this month's events, run by run (each run's in emission order), into the ledger from record
    `start`; returns the new end.  `ev_bytes` is the (runs, capacity) event buffer and `buf` the ledger,
    both viewed as bytes; `item` is the size of one record."""
    k = start * item
    for r in range(ev_bytes.shape[0]):
        m = ev_n[r] * item
        buf[k : k + m] = ev_bytes[r, :m]
        k += m
    return k // item


@numba.njit(cache=True)
def average_ranks(x):  # type: ignore[no-untyped-def]
    """Ranks 1..n, ties sharing their mean rank: `scipy.stats.rankdata(x)` (method 'average'), exactly
    (every rank is an integer or half-integer, computed without rounding)."""
    n = x.shape[0]
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(n)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and x[order[j + 1]] == x[order[i]]:
            j += 1
        mid = (i + j + 2) / 2.0
        for k in range(i, j + 1):
            ranks[order[k]] = mid
        i = j + 1
    return ranks


def spearman_rho(a: NDArray[np.float64], b: NDArray) -> float:  # type: ignore[type-arg]
    """`scipy.stats.spearmanr(a, b).statistic` bit for bit, without its overhead (input checks, p-value):
    the same exact ranks, laid out as spearmanr lays them out, through the same `np.corrcoef`.  Two 1-d
    inputs of equal length without NaN, as the war-end snapshot has."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if len(x) <= 1:
        return np.nan
    if (x[0] == x).all() or (y[0] == y).all():
        from scipy.stats import ConstantInputWarning

        warnings.warn(ConstantInputWarning("An input array is constant; the correlation coefficient is not defined."),
                      stacklevel=2)
        return np.nan
    if np.isnan(x).any() or np.isnan(y).any():
        return np.nan
    ranked = np.empty((2, len(x)))  # spearmanr's ranks are the transpose of a C-ordered (2, n) buffer
    ranked[0] = average_ranks(x)
    ranked[1] = average_ranks(y)
    return float(np.asarray(np.corrcoef(ranked))[1, 0])


def _empty_records() -> NDArray[np.void]:
    return np.zeros(0, dtype=EVENT)


def _empty_counts() -> NDArray[np.int64]:
    return np.zeros((0, 0), dtype=np.int64)


@dataclass
class BatchLog:
    """What a batch produced: events (true ledger), monthly series, and the final world.

    The true ledger is one flat buffer of EVENT records in the order they were written: month by month,
    within a month run by run (batch row), within a run in emission order.  `records[:n_events]` are the
    events and `counts[t, r]` how many run r wrote in month t, which places every record; `rows_months()`
    spells out each record's batch row and month, and `events` gives the ledger month by month."""

    series: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    meritocracy: NDArray[np.float64] | None = None  # rank correlation of competence and rank at war's end
    continuity: NDArray[np.float64] | None = None  # share of last front commanders senior when war began
    records: NDArray[np.void] = field(default_factory=_empty_records)  # EVENT; capacity >= n_events
    counts: NDArray[np.int64] = field(default_factory=_empty_counts)  # (months, runs)
    n_events: int = 0
    next_month: int = 0  # months are appended in order, each once

    def reserve(self, n_runs: int, n_months: int, per_run_month: int) -> None:
        """Make room for about `per_run_month` events per run and month.  The buffer is not written until
        used (np.empty), so a generous reservation costs address space, not memory; if the batch writes
        more, `append` grows it."""
        have = self.counts
        if have.shape[1] != n_runs:
            if have.any():
                raise ValueError(f"the ledger holds a batch of {have.shape[1]} runs, not {n_runs}")
            have = np.zeros((0, n_runs), dtype=np.int64)
        if n_months > len(have):
            self.counts = np.zeros((n_months, n_runs), dtype=np.int64)
            self.counts[: len(have)] = have
        self._grow(n_runs * n_months * per_run_month)

    def _grow(self, capacity: int) -> None:
        if capacity > len(self.records):
            new = np.empty(capacity, dtype=self.records.dtype)
            new[: self.n_events] = self.records[: self.n_events]
            self.records = new

    def append(self, t: int, ev: NDArray[np.void], ev_n: NDArray[np.int64]) -> None:
        """Add month t's events: run r's are `ev[r, :ev_n[r]]`."""
        if t < self.next_month:
            raise ValueError(f"month {t} is already in the ledger")
        if self.counts.shape[1] != len(ev_n) or t >= len(self.counts):
            self.reserve(len(ev_n), max(t + 1, 2 * len(self.counts)), 0)
        need = self.n_events + int(ev_n.sum())
        if need > len(self.records):
            self._grow(max(need, 2 * len(self.records), 4096))
        item = self.records.dtype.itemsize
        self.n_events = int(append_events(ev.view(np.uint8), ev_n, item, self.records.view(np.uint8),
                                          self.n_events))
        self.counts[t] = ev_n
        self.next_month = t + 1

    def rows_months(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Batch row and month index of each record of `records[:n_events]`."""
        n_months, n_runs = self.counts.shape
        rows = np.repeat(np.tile(np.arange(n_runs), n_months), self.counts.reshape(-1))
        months = np.repeat(np.arange(n_months), self.counts.sum(axis=1))
        return rows, months

    @property
    def events(self) -> list[tuple[int, NDArray[np.int64], NDArray]]:  # type: ignore[type-arg]
        """The ledger month by month: (month, batch rows, records) for each month that has events."""
        out = []
        start = 0
        for t, n in enumerate(self.counts):
            total = int(n.sum())
            if total:
                out.append((t, np.repeat(np.arange(len(n)), n), self.records[start : start + total]))
            start += total
        return out


class Engine:
    """Drives a batch of runs of one scenario month by month."""

    def __init__(self, scenario: Scenario, seed: int, run_ids: NDArray[np.int64]) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.run_ids = np.asarray(run_ids, dtype=np.int64)
        self.world = scenario.initial_world(self.seed, self.run_ids)
        n_runs = len(self.run_ids)
        n_months = scenario.calendar.n_months
        n = scenario.config.corps.n_officers
        self.capacity = 4 * n + 64 * scenario.config.posts.n_fronts
        self.ev = np.zeros((n_runs, self.capacity), dtype=EVENT)
        self.ev_n = np.zeros(n_runs, dtype=np.int64)
        self._series_block = np.full((len(SERIES), n_runs, n_months), np.nan)
        self._repression_so_far = np.zeros(n_runs, dtype=np.int64)
        self.log = BatchLog(series={k: self._series_block[j] for j, k in enumerate(SERIES)},
                            meritocracy=np.full(n_runs, np.nan), continuity=np.full(n_runs, np.nan))
        self.log.reserve(n_runs, n_months, max(8, self.capacity // 32))  # ~2x what the default scenario writes
        c = scenario.config
        self._corps = np.array([c.corps.competence_mean, c.corps.loyalty_mean, c.corps.ambition_mean,
                                c.corps.trait_concentration, c.ruler.prior_var])
        self._posts = scenario.posts
        self._visible: NDArray | None = None  # type: ignore[type-arg]  # for the compiled policy
        self._decisions: tuple[NDArray, ...] = ()  # type: ignore[type-arg]  # its reusable outputs

    @property
    def month(self) -> int:
        return self.world.month

    @property
    def done(self) -> bool:
        return self.world.month >= self.scenario.calendar.n_months

    def view(self) -> RulerView:
        """The ruler's view after steps 1-3 of the current month (call `begin_month` first)."""
        s = self.scenario
        return RulerView.of(self.world, self._posts, s.calendar.label(self.month), s.war_start, self.seed,
                            self.run_ids)

    def begin_month(self) -> None:
        """Steps 1-3: calendar, security organ, the ruler's observation."""
        s, w = self.scenario, self.world
        t = w.month
        self.ev_n[:] = 0
        month_before(t, self.seed, self.run_ids, w.off, w.holder, w.fronts, w.run, self._posts.kind,
                     self._posts.front, int(s.fronts_target[t]), s.war_start,
                     s.config.operations.own_strength, s.params, self.ev, self.ev_n)

    def end_month(self, decisions: Decisions) -> None:
        """Step 4 (the decisions take effect) and steps 5-11."""
        s, w = self.scenario, self.world
        t = w.month
        alive = w.run["ruler_alive"] == 1
        for name in RUN_SETTINGS:
            w.run[name] = np.where(alive, getattr(decisions, name), w.run[name])
        budget = (s.config.ruler.attention + s.config.ruler.crisis_attention * w.run["crisis"]).astype(np.int64)
        cal_month = (s.calendar.start_month - 1 + t) % 12 + 1
        month_after(t, self.seed, self.run_ids, cal_month, w.off, w.holder, w.fronts, w.run, w.generation,
                    self._posts.kind, self._posts.front, self._posts.min_rank, self._posts.fill_order,
                    self._posts.fill_position, self._posts.front_first, self._posts.front_posts,
                    decisions.action.astype(np.int8), decisions.priority.astype(np.float64),
                    decisions.cause.astype(np.int8), np.nan_to_num(decisions.appoint_score, nan=-np.inf),
                    decisions.hold.astype(np.int8), decisions.directive.astype(np.int64), budget,
                    float(s.pressure[t]), float(s.enemy_quality[t]), float(s.mobilisation[t]), s.params,
                    self._corps, self.ev, self.ev_n)
        self._collect(t)
        w.month += 1

    def run_month_fused(self, knobs: Knobs, settings: RunSettings) -> None:
        """The whole month under the shared policy with these knobs and run settings, in one compiled
        pass per run: the same history as `begin_month`, a policy `decide`, then `end_month`."""
        s, w = self.scenario, self.world
        t = w.month
        self.ev_n[:] = 0
        if self._visible is None:
            self._visible = w.off[list(VISIBLE_OFFICER_FIELDS)]
            self._decisions = (np.empty(w.off.shape, dtype=np.int8), np.empty(w.off.shape),
                               np.empty(w.off.shape, dtype=np.int8), np.empty(w.off.shape),
                               np.empty(w.fronts.shape, dtype=np.int8), np.empty(len(self.run_ids)))
        action, priority, cause, score, hold, listening = self._decisions
        cal_month = (s.calendar.start_month - 1 + t) % 12 + 1
        month_fused(t, self.seed, self.run_ids, cal_month, w.off, self._visible, w.holder, w.fronts, w.run,
                    w.generation, self._posts.kind, self._posts.front, self._posts.min_rank, self._posts.fill_order,
                    self._posts.fill_position, self._posts.front_first, self._posts.front_posts,
                    int(s.fronts_target[t]), s.war_start, s.config.operations.own_strength, float(s.pressure[t]),
                    float(s.enemy_quality[t]), float(s.mobilisation[t]), s.params, self._corps, knobs, settings,
                    s.config.ruler.attention, s.config.ruler.crisis_attention, action, priority, cause, score,
                    hold, listening, self._series_block, self._repression_so_far, self.ev, self.ev_n)
        self._collect(t, series=False)
        w.month += 1

    def run_to_end(self, ruler: Ruler | DecideFn, on_month: Callable[[int], None] | None = None) -> BatchLog:
        """Run every remaining month.  `ruler` is a doctrine (anything with `decide` and `month_plan`) or a
        bare `decide` function.  Where the doctrine's `month_plan(label)` gives the month as knobs and
        settings of the shared policy, the month runs compiled throughout; otherwise `decide` is called
        on the ruler's view."""
        decide, plan = (ruler, None) if callable(ruler) else (ruler.decide, ruler.month_plan)
        while not self.done:
            month = plan(self.scenario.calendar.label(self.month)) if plan else None
            if month is not None:
                self.run_month_fused(*month)
            else:
                self.begin_month()
                self.end_month(decide(self.view()))
            if on_month:
                on_month(self.world.month)
        return self.log

    def _collect(self, t: int, series: bool = True) -> None:
        if int(self.ev_n.max(initial=0)) > self.capacity:
            raise RuntimeError(f"event buffer overflow in month {t}: raise the capacity")
        self.log.append(t, self.ev, self.ev_n)
        if series:  # the fused month writes its series itself
            self._record_series(t)
        last = t == self.scenario.calendar.n_months - 1
        ending = (self.world.run["war_end"] == t) | (last & (self.world.run["war"] == War.WAR))
        if ending.any():
            self._war_end_snapshot(np.flatnonzero(ending))

    def _war_end_snapshot(self, rows: NDArray[np.int64]) -> None:
        """Meritocracy and continuity are read off the corps in the month the war ends."""
        off = self.world.off
        for r in rows:
            live = off["status"][r] == Status.ACTIVE
            if live.sum() > 2:
                rho = spearman_rho(off["comp"][r, live], off["rank"][r, live])  # = scipy's spearmanr, bit for bit
                self.log.meritocracy[r] = float(rho)  # type: ignore[index]
            fronts = off["post"][r] >= 0
            fronts &= self._posts.kind[np.maximum(off["post"][r], 0)] == PostKind.FRONT
            if fronts.any():
                self.log.continuity[r] = float(off["senior_at_war"][r, fronts].mean())  # type: ignore[index]

    def _record_series(self, t: int) -> None:
        w = self.world
        monthly_series(w.off, w.fronts, w.run, self._posts.kind, t, self._series_block, self._repression_so_far)
