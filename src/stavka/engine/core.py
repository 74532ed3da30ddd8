"""The month in order (MODEL.md §3) for a batch of runs, and the loop that drives it.

Steps 1-3 and 5-11 run compiled, one run per iteration (runs never read each other's state); step 4
calls the doctrine once for the whole batch.  Nothing here imports a doctrine, storage or the UI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np
from numpy.typing import NDArray

from ..rng import Purpose, stream_key
from ..scenario import Scenario
from .after import learning_step, morale_step, politics_step, turnover_step
from .before import calendar_step, observe_step, security_step
from .codes import Cause, Kind, PostKind, Status, War
from .command import apply_decisions, fill_vacancies
from .common import emit
from .interface import Decisions, RulerView
from .operations import captivity_step, operations_step
from .state import EVENT
from .views import monthly_series

DecideFn = Callable[[RulerView], Decisions]


@numba.njit(cache=True, parallel=True)
def month_before(t, seed, run_ids, off, holder, fronts, run, post_kind, post_front, target, war_start,
                 own_strength, P, ev, ev_n):  # type: ignore[no-untyped-def]
    for r in numba.prange(off.shape[0]):
        calendar_step(r, t, off, holder, fronts, run, post_kind, post_front, target, war_start, own_strength,
                      ev, ev_n)
        security_step(r, t, seed, run_ids[r], off, holder, run, P, ev, ev_n)
        observe_step(r, t, seed, run_ids[r], off, holder, fronts, run, post_kind, post_front, P)
        crisis = 0
        for f in range(fronts.shape[1]):
            if fronts[r, f].active and fronts[r, f].collapsed:
                crisis = 1
        run[r].crisis = crisis


@numba.njit(cache=True, parallel=True)
def month_after(t, seed, run_ids, calendar_month, off, holder, fronts, run, generation, post_kind, post_front,
                post_min_rank, fill_order, action, priority, cause, score, hold, directive, budget, pressure,
                enemy_q, mobil, P, corps, ev, ev_n):  # type: ignore[no-untyped-def]
    for r in numba.prange(off.shape[0]):
        R = run[r]
        if R.ruler_alive:
            k_int = stream_key(seed, run_ids[r], t, Purpose.INTERROGATION)
            d = directive[r]
            if d == 270 or d == 227:
                emit(ev, ev_n, r, Kind.DIRECTIVE, -1, -1, -1, -1,
                     Cause.ORDER_270 if d == 270 else Cause.ORDER_227, 0.0)
                for i in range(off.shape[1]):  # both orders frighten the commanders they threaten
                    o = off[r, i]
                    if o.status == Status.ACTIVE and o.post >= 0 and post_kind[o.post] != PostKind.DISTRICT:
                        o.fear = min(1.0, o.fear + 0.1)
            apply_decisions(r, off, holder, fronts, run, post_kind, post_min_rank, action, priority, cause,
                            hold, budget[r], k_int, P, ev, ev_n)
        fill_vacancies(r, off, holder, fronts, run, post_kind, post_front, post_min_rank, fill_order, score,
                       R.crisis, ev, ev_n)
        operations_step(r, t, seed, run_ids[r], off, holder, fronts, run, post_kind, post_front, pressure,
                        enemy_q, mobil, P, ev, ev_n)
        captivity_step(r, t, seed, run_ids[r], off, holder, run, P, ev, ev_n)
        learning_step(r, off, fronts, run, post_kind, P)
        politics_step(r, t, seed, run_ids[r], off, holder, fronts, run, post_kind, post_front, P, ev, ev_n)
        morale_step(r, off, run, P)
        turnover_step(r, t, seed, run_ids[r], calendar_month, off, holder, generation, run, P, corps[0],
                      corps[1], corps[2], corps[3], corps[4], ev, ev_n)


SERIES = ("front_line", "corps_quality", "fear", "paranoia", "own_strength", "enemy_strength", "fronts",
          "repression", "lessons", "listening", "credit")

KERNEL_SERIES = ("front_line", "corps_quality", "fear", "own_strength", "enemy_strength", "fronts")

RUN_SETTINGS = ("credit", "collate", "listening", "purge_quota", "execute_share", "hostage", "punish_returnees",
                "organ_trust")


@dataclass
class BatchLog:
    """What a batch produced: events (true ledger), monthly series, and the final world."""

    events: list[tuple[int, NDArray[np.int64], NDArray]] = field(default_factory=list)  # type: ignore[type-arg]
    series: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    meritocracy: NDArray[np.float64] | None = None  # rank correlation of competence and rank at war's end
    continuity: NDArray[np.float64] | None = None  # share of last front commanders senior when war began


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
        self._series_block = np.full((len(KERNEL_SERIES), n_runs, n_months), np.nan)
        self._repression_so_far = np.zeros(n_runs, dtype=np.int64)
        self.log = BatchLog(series={k: np.full((n_runs, n_months), np.nan) for k in SERIES},
                            meritocracy=np.full(n_runs, np.nan), continuity=np.full(n_runs, np.nan))
        c = scenario.config
        self._corps = np.array([c.corps.competence_mean, c.corps.loyalty_mean, c.corps.ambition_mean,
                                c.corps.trait_concentration, c.ruler.prior_var])
        self._posts = scenario.posts

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
                    decisions.action.astype(np.int8), decisions.priority.astype(np.float64),
                    decisions.cause.astype(np.int8), np.nan_to_num(decisions.appoint_score, nan=-np.inf),
                    decisions.hold.astype(np.int8), decisions.directive.astype(np.int64), budget,
                    float(s.pressure[t]), float(s.enemy_quality[t]), float(s.mobilisation[t]), s.params,
                    self._corps, self.ev, self.ev_n)
        self._collect(t)
        w.month += 1

    def run_to_end(self, decide: DecideFn, on_month: Callable[[int], None] | None = None) -> BatchLog:
        while not self.done:
            self.begin_month()
            self.end_month(decide(self.view()))
            if on_month:
                on_month(self.world.month)
        return self.log

    def _collect(self, t: int) -> None:
        if int(self.ev_n.max(initial=0)) > self.capacity:
            raise RuntimeError(f"event buffer overflow in month {t}: raise the capacity")
        mask = np.arange(self.capacity)[None, :] < self.ev_n[:, None]
        if mask.any():
            rows = np.repeat(np.arange(len(self.run_ids)), self.ev_n)
            self.log.events.append((t, rows, self.ev[mask].copy()))
        self._record_series(t)
        last = t == self.scenario.calendar.n_months - 1
        ending = (self.world.run["war_end"] == t) | (last & (self.world.run["war"] == War.WAR))
        if ending.any():
            self._war_end_snapshot(np.flatnonzero(ending))

    def _war_end_snapshot(self, rows: NDArray[np.int64]) -> None:
        """Meritocracy and continuity are read off the corps in the month the war ends."""
        from scipy.stats import spearmanr

        off = self.world.off
        for r in rows:
            live = off["status"][r] == Status.ACTIVE
            if live.sum() > 2:
                rho = spearmanr(off["comp"][r, live], off["rank"][r, live]).statistic
                self.log.meritocracy[r] = float(rho)  # type: ignore[index]
            fronts = off["post"][r] >= 0
            fronts &= self._posts.kind[np.maximum(off["post"][r], 0)] == PostKind.FRONT
            if fronts.any():
                self.log.continuity[r] = float(off["senior_at_war"][r, fronts].mean())  # type: ignore[index]

    def _record_series(self, t: int) -> None:
        w, s = self.world, self.log.series
        monthly_series(w.off, w.fronts, w.run, self._posts.kind, t, self._series_block)
        for j, name in enumerate(KERNEL_SERIES):
            s[name][:, t] = self._series_block[j, :, t]
        s["paranoia"][:, t] = w.run["paranoia"]
        s["lessons"][:, t] = w.run["lessons"]
        s["listening"][:, t] = w.run["listening"]
        s["credit"][:, t] = w.run["credit"]
        rep = w.run["arrests"] + w.run["executions"]
        s["repression"][:, t] = rep - self._repression_so_far
        self._repression_so_far = rep.copy()
