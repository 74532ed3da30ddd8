"""The loop that drives a batch of runs through its months (the month itself is `month.py`).

Two paths give the same history.  On the Python path the batch goes month by month: steps 1-3 and 4b-11
run compiled, in parallel over runs (runs never read each other's state), and the doctrine decides (step
4a) once a month for the whole batch in Python.  For a parameter set of the shared policy, whose rules
are compiled, each run goes through a whole stretch of months in one compiled call before the next run
(`run_months_fused`).  Nothing here imports a doctrine, storage or the UI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from ..scenario import Scenario
from .command import appoint_by_order
from .interface import VISIBLE_OFFICER_FIELDS, Decisions, RulerView
from .log import BatchLog
from .month import month_after, month_before, month_take, runs_fused
from .records import SETTINGS, STANDING_SETTINGS, DoctrinePlans, Log, MonthPlan, Output, RunSettings, Statics, new_plan
from .records import World as WorldRecord
from .rules import KNOBS, Knobs
from .series import SERIES
from .spearman import rho_of_ranks
from .state import EVENT, Workspace

DecideFn = Callable[[RulerView], Decisions]


class Ruler(Protocol):
    """What the engine needs of a doctrine (the engine does not import the doctrines)."""

    def decide(self, view: RulerView) -> Decisions: ...

    def month_plan(self, label: str) -> tuple[Knobs, RunSettings] | None: ...


RUN_SETTINGS = STANDING_SETTINGS  # the settings a doctrine's `Decisions` gives that become the run's own


class Engine:
    """Drives a batch of runs of one scenario through its months."""

    def __init__(self, scenario: Scenario, seed: int, run_ids: NDArray[np.int64], workspace: Workspace | None = None) -> None:
        """`workspace`: memory kept from an earlier batch's engine, which must no longer be in use (see
        `Workspace`); by default the engine has its own."""
        self.scenario = scenario
        self.seed = int(seed)
        self.run_ids = np.asarray(run_ids, dtype=np.int64)
        self.workspace = ws = workspace or Workspace()
        self.world = scenario.initial_world(self.seed, self.run_ids, ws)
        n_runs = len(self.run_ids)
        n_months = scenario.calendar.n_months
        n = scenario.config.corps.n_officers
        self.capacity = 4 * n + 64 * scenario.config.posts.n_fronts
        self.ev = ws.array("month events", (n_runs, self.capacity), EVENT)  # the Python path's month
        self.ev_n = np.zeros(n_runs, dtype=np.int64)
        self._series_block = ws.array("series", (len(SERIES), n_runs, n_months), np.float64)
        self._series_block[:] = np.nan
        self._repression_so_far = np.zeros(n_runs, dtype=np.int64)
        self.events_per_run_month = max(8, self.capacity // 32)  # room made at first: ~2x what the default writes
        self.log = BatchLog(
            series={k: self._series_block[j] for j, k in enumerate(SERIES)},
            meritocracy=np.full(n_runs, np.nan),
            continuity=np.full(n_runs, np.nan),
            records=ws.array("ledger", (n_runs * n_months * self.events_per_run_month,), EVENT),
        )
        self.log.reserve(n_runs, n_months, self.events_per_run_month)
        self._posts = p = scenario.posts
        s = scenario
        self.statics = Statics(
            seed=self.seed,
            run_ids=self.run_ids,
            post_kind=p.kind,
            post_front=p.front,
            post_min_rank=p.min_rank,
            fill_order=p.fill_order,
            fill_position=p.fill_position,
            front_first=p.front_first,
            front_posts=p.front_posts,
            calendar_month=((s.calendar.start_month - 1 + np.arange(n_months)) % 12 + 1).astype(np.int64),
            target=s.fronts_target,
            pressure=s.pressure,
            enemy_q=s.enemy_quality,
            mobil=s.mobilisation,
            war_start=s.war_start,
            distinction=s.distinction,
            distinction_staff=s.distinction_staff,
            month_capacity=self.capacity,
        )
        self._plan: MonthPlan | None = None  # the month's plan, made on first use
        self._world_record: WorldRecord | None = None
        # The war-end snapshot's ranks for `meritocracy` (see `war_end_snapshot`); merit_n 0: none pending.
        self.output = Output(
            series=self._series_block,
            so_far=self._repression_so_far,
            merit=ws.array("merit", (n_runs, 2, n), np.float64),
            merit_n=np.zeros(n_runs, dtype=np.int64),
            continuity=self.log.continuity,  # type: ignore[arg-type]
            counts=np.zeros((n_months, n_runs), dtype=np.int64),
        )

    def _state(self) -> WorldRecord:
        """The world as the kernels take it (remade if the world's arrays were replaced)."""
        w, rec = self.world, self._world_record
        arrays = (w.off, w.holder, w.fronts, w.run, w.generation)
        if rec is None or any(
            a is not b for a, b in zip(arrays, (rec.off, rec.holder, rec.fronts, rec.run, rec.generation), strict=True)
        ):
            visible = w.off[list(VISIBLE_OFFICER_FIELDS)]
            rec = self._world_record = WorldRecord(w.off, visible, w.holder, w.fronts, w.run, w.generation)
        return rec

    def _month_plan(self) -> MonthPlan:
        if self._plan is None:
            w = self.world
            self._plan = new_plan(w.n_runs, w.n_slots, w.fronts.shape[1], self.workspace.array)
        return self._plan

    @property
    def month(self) -> int:
        return self.world.month

    @property
    def done(self) -> bool:
        return self.world.month >= self.scenario.calendar.n_months

    def view(self) -> RulerView:
        """The ruler's view after steps 1-3 of the current month (call `begin_month` first)."""
        s = self.scenario
        return RulerView.of(self.world, self._posts, s.calendar.label(self.month), s.war_start, self.seed, self.run_ids)

    def begin_month(self) -> None:
        """Steps 1-3: calendar, security organ, the ruler's observation."""
        self.ev_n[:] = 0
        month_before(self.world.month, self._state(), self.statics, self.scenario.params, Log(self.ev, self.ev_n))

    def end_month(self, decisions: Decisions) -> None:
        """Step 4 (the decisions take effect) and steps 5-11."""
        s, w = self.scenario, self.world
        t = w.month
        W, plan = self._state(), self._month_plan()
        plan.action[:] = decisions.action  # a copy: the appointments below clear theirs
        plan.priority[:] = decisions.priority
        plan.cause[:] = decisions.cause
        plan.score[:] = np.nan_to_num(decisions.appoint_score, nan=-np.inf)
        plan.hold[:] = decisions.hold
        plan.listening[:] = decisions.listening
        for name in RunSettings._fields:
            plan.settings[name] = getattr(decisions, name)
        month_take(W, s.params, plan)
        if decisions.target_post is not None:
            appoint_by_order(W, self.statics, plan, decisions.target_post.astype(np.int16), Log(self.ev, self.ev_n))
        month_after(t, W, self.statics, s.params, plan, Log(self.ev, self.ev_n), self.output)
        self._collect(t)
        w.month += 1

    def run_months_fused(self, plans: Sequence[tuple[Knobs, RunSettings]]) -> None:
        """The next len(plans) months under the shared policy, the j-th with the knobs and run settings
        `plans[j]`: each run through all of them in one compiled call (`runs_fused`).  The same history as
        `begin_month`, a policy `decide`, then `end_month`, month after month."""
        s, w = self.scenario, self.world
        t0, t1 = w.month, w.month + len(plans)
        n_runs, n_months = len(self.run_ids), s.calendar.n_months
        knob_rows, setting_rows = np.zeros(n_months, dtype=KNOBS), np.zeros(n_months, dtype=SETTINGS)
        for t, (knobs, settings) in enumerate(plans, start=t0):
            knob_rows[t], setting_rows[t] = tuple(knobs), tuple(settings)
        D = DoctrinePlans(knob_rows, setting_rows)
        W, plan, out = self._state(), self._month_plan(), self.output
        # Each run's events, month after month; a run that fills its row stops and resumes once it grows.
        ledgers = self.workspace.array("run ledgers", (n_runs, self.capacity + len(plans) * self.events_per_run_month), EVENT)
        ledger_n = np.zeros(n_runs, dtype=np.int64)
        out.counts[:] = 0
        next_t = np.full(n_runs, t0, dtype=np.int64)
        while True:
            runs_fused(t1, next_t, W, self.statics, s.params, D, plan, Log(ledgers, ledger_n), out)
            if (next_t == t1).all():
                break
            grown = np.empty((n_runs, 2 * ledgers.shape[1]), dtype=EVENT)  # not the workspace's: it may be the same memory
            grown[:, : ledgers.shape[1]] = ledgers
            ledgers = grown
        counts = out.counts
        if int(counts.max(initial=0)) > self.capacity:
            raise RuntimeError(f"event buffer overflow in month {int(counts.max(axis=1).argmax())}: raise the capacity")
        self.log.append_months(t0, counts[t0:t1], ledgers)
        self._meritocracy(np.flatnonzero(out.merit_n))
        w.month = t1

    def run_to_end(self, ruler: Ruler | DecideFn) -> BatchLog:
        """Run every remaining month.  `ruler` is a doctrine (anything with `decide` and `month_plan`) or a
        bare `decide` function.  The months for which the doctrine's `month_plan(label)` gives knobs and
        settings of the shared policy run compiled throughout (`run_months_fused`); in any other month
        `decide` is called on the ruler's view."""
        decide, plan = (ruler, None) if callable(ruler) else (ruler.decide, ruler.month_plan)
        n_months, label = self.scenario.calendar.n_months, self.scenario.calendar.label
        while not self.done:
            plans: list[tuple[Knobs, RunSettings]] = []
            while plan and self.month + len(plans) < n_months:
                month = plan(label(self.month + len(plans)))
                if month is None:
                    break
                plans.append(month)
            if plans:
                self.run_months_fused(plans)
            else:
                self.begin_month()
                self.end_month(decide(self.view()))
        return self.log

    def _collect(self, t: int) -> None:
        if int(self.ev_n.max(initial=0)) > self.capacity:
            raise RuntimeError(f"event buffer overflow in month {t}: raise the capacity")
        self.log.append(t, self.ev, self.ev_n)
        self._meritocracy(np.flatnonzero(self.output.merit_n))  # the runs whose war ended (`month.close_run`)

    def _meritocracy(self, rows: NDArray[np.int64]) -> None:
        """Meritocracy of runs whose war ended, from the ranks their snapshot took (scipy's spearmanr)."""
        merit, merit_n = self.output.merit, self.output.merit_n
        for r in rows:
            n = merit_n[r]
            if n:
                self.log.meritocracy[r] = rho_of_ranks(merit[r, :, :n])  # type: ignore[index]
                merit_n[r] = 0
