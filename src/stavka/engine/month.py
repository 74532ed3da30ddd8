"""The month in order (MODEL.md §3), compiled, for one run and for a batch.

`month_before` (steps 1-3) and `month_after` (steps 4-11) run a batch with the doctrine called in
Python between them.  When the doctrine is a parameter set of the shared policy, `runs_fused` runs each
run through all its months in one compiled call, the policy's rules (`policy.py`) being step 4a of
`fused_run`: a run's state stays in the core's cache from month to month, and nothing returns to Python
between months or phases.  Both paths call the same per-run functions in the same order (`before_run`, the
plan filled, `take_plan`, `after_run`, `close_run`), so they give the same history: they differ only in who
fills the month's plan.  The kernels take the records of `records.py` (world, statics, parameters, plan, log,
output) rather than their arrays one by one.
"""

from __future__ import annotations

import numba
import numpy as np

from ..rng import Purpose, stream_key
from .calendar import calendar_step
from .codes import Cause, Kind, PostKind, Status, War
from .command import apply_decisions, appoint_run, fill_vacancies, ladder_step
from .common import AXIS_ROW, emit, new_work
from .deputy import name_deputy
from .learning import learning_step
from .morale import morale_step
from .observation import distinction_step, observe_step
from .operations import captivity_step, operations_step
from .politics import politics_step
from .records import SETTINGS, PolicyView, RunSettings
from .rules import decide_run
from .security import security_step
from .series import average_ranks, series_run
from .turnover import turnover_step

__all__ = ["SETTINGS", "RunSettings", "month_after", "month_before", "month_take", "runs_fused"]


@numba.njit(cache=True)
def before_run(r, t, W, S, P, log):  # type: ignore[no-untyped-def]
    """Steps 1-3 of run r in month t: calendar, security organ, observation (and the record's distinctions);
    then whether a front collapsed."""
    off, fronts, run, ev, ev_n = W.off, W.fronts, W.run, log.ev, log.ev_n
    calendar_step(r, t, W, S, P, log)
    security_step(r, t, W, S, P, log)
    observe_step(r, t, W, S, P)
    distinction_step(r, t, off, S, P, ev, ev_n)
    crisis = 0
    for f in range(fronts.shape[1]):
        if fronts[r, f].active and fronts[r, f].collapsed:
            crisis = 1
    run[r].crisis = crisis


@numba.njit(cache=True)
def take_plan(r, W, P, plan):  # type: ignore[no-untyped-def]
    """Step 4's start for run r: the plan's run-level settings become the run's own if its ruler lives (a
    fallen ruler's stay as he left them), and the month's attention budget is set."""
    R = W.run[r]
    if R.ruler_alive:
        s = plan.settings[r]
        R.credit = s.credit
        R.collate = s.collate
        R.listening = plan.listening[r]
        R.purge_quota = s.purge_quota
        R.execute_share = s.execute_share
        R.hostage = s.hostage
        R.punish_returnees = s.punish_returnees
        R.organ_trust = s.organ_trust
    plan.budget[r] = int(P.ruler_attention + P.ruler_crisis_attention * R.crisis)


@numba.njit(cache=True)
def after_run(r, t, W, S, P, plan, log, work):  # type: ignore[no-untyped-def]
    """Steps 4-11 of run r in month t: the decisions of `plan` take effect (after `take_plan`), vacancies,
    operations, captivity, learning, politics, morale, turnover.  `work` is scratch (`common.new_work`)."""
    off, run, ev, ev_n = W.off, W.run, log.ev, log.ev_n
    R = run[r]
    if R.ruler_alive:
        k_int = stream_key(S.seed, S.run_ids[r], t, Purpose.INTERROGATION)
        name_deputy(r, off, run, plan.settings[r], ev, ev_n)  # the Stavka's representative (§11.9)
        directive = plan.settings[r].directive
        if directive == 270 or directive == 227:
            emit(ev, ev_n, r, Kind.DIRECTIVE, -1, -1, -1, -1, Cause.ORDER_270 if directive == 270 else Cause.ORDER_227, 0.0)
            for i in range(off.shape[1]):  # both orders frighten the commanders they threaten
                o = off[r, i]
                if o.status == Status.ACTIVE and o.post >= 0 and S.post_kind[o.post] != PostKind.DISTRICT:
                    o.fear = min(1.0, o.fear + P.politics_order_fear)
        examples = R.examples
        apply_decisions(r, W, S, P, plan, k_int, log, work[0])
        if R.examples > examples:  # the ruler made an example this month (M3): his budget's period starts
            R.last_example = t + 1
    fill_vacancies(r, W, S, P, plan, log, work)
    ladder_step(r, t, W, S, P, log)
    operations_step(r, t, W, S, P, log)
    captivity_step(r, t, W, S, P, log)
    learning_step(r, off, W.fronts, run, S.post_kind, P)
    politics_step(r, t, W, S, P, log)
    morale_step(r, off, run, P)
    turnover_step(r, t, W, S, P, log)


@numba.njit(cache=True)
def close_run(r, t, W, S, out):  # type: ignore[no-untyped-def]
    """The end of run r's month t: its series, and in the month its war ends (or the scenario's last, where a
    war still going is cut off) the war-end snapshot."""
    off, run = W.off, W.run
    series_run(r, t, off, W.fronts, run, S.post_kind, out.series, out.so_far)
    if run[r].war_end == t or (t == S.calendar_month.shape[0] - 1 and run[r].war == War.WAR):
        war_end_snapshot(r, off, S.post_kind, out.merit, out.merit_n, out.continuity)


@numba.njit(cache=True, parallel=True)
def month_before(t, W, S, P, log):  # type: ignore[no-untyped-def]
    """Steps 1-3 of month t for every run of the batch (the stepping path)."""
    for r in numba.prange(W.off.shape[0]):
        before_run(np.int64(r), t, W, S, P, log)


@numba.njit(cache=True, parallel=True)
def month_take(W, P, plan):  # type: ignore[no-untyped-def]
    """`take_plan` for every run of the batch (the stepping path, after the doctrine filled the plan)."""
    for r in numba.prange(W.off.shape[0]):
        take_plan(np.int64(r), W, P, plan)


@numba.njit(cache=True, parallel=True)
def month_after(t, W, S, P, plan, log, out):  # type: ignore[no-untyped-def]
    """Steps 4-11 of month t and its series for every run of the batch (the stepping path, after `month_take`)."""
    for r in numba.prange(W.off.shape[0]):
        work = new_work(W.off.shape[1])
        after_run(np.int64(r), t, W, S, P, plan, log, work)
        close_run(np.int64(r), t, W, S, out)


@numba.njit(cache=True)
def fused_run(r, t, W, S, P, D, plan, log, out, work):  # type: ignore[no-untyped-def]
    """The whole month t of run r under a policy doctrine whose knobs and run settings for the month are
    `D.knobs[t]` and `D.settings[t]`: steps 1-3, the policy's rules fill run r's plan (step 4a), steps 4-11
    and the month's series: the stepping path's month with the compiled policy in the doctrine's place.

    The policy reads only `W.visible`, the officers' fields the ruler sees.  `work` is scratch
    (`common.new_work`)."""
    before_run(r, t, W, S, P, log)
    work_int = work[0]
    run, fronts = W.run, W.fronts
    V = PolicyView(
        S.seed,
        S.run_ids,
        t,
        W.visible,
        run.war,
        run.war_end,
        run.paranoia,
        run.crisis,
        run.last_example,
        fronts.collapsed,
        fronts.reported,
        S.post_kind,
        S.post_front,
    )
    decide_run(r, V, D.knobs[t], plan, work)
    plan.settings[r] = D.settings[t]
    take_plan(r, W, P, plan)
    if run[r].ruler_alive:  # the policy's APPOINT orders (the decisive axis), as the stepping path's `appoint_by_order`
        plan.budget[r] -= appoint_run(r, W, S, plan, work_int[AXIS_ROW], log, work_int[0])
    after_run(r, t, W, S, P, plan, log, work)
    close_run(r, t, W, S, out)


@numba.njit(cache=True)
def war_end_snapshot(r, off, post_kind, merit, merit_n, continuity):  # type: ignore[no-untyped-def]
    """What is read off run r's corps in the month its war ends: the ranks (scipy's 'average' ranks) of the
    serving officers' competence and rank, for the rank correlation `meritocracy` (computed from them in
    Python, see `core.rho_of_ranks`), in `merit[r, :, :merit_n[r]]` (merit_n 0: undefined, as with fewer
    than three officers or a NaN); and `continuity`, the share of front commanders senior when it began."""
    n = off.shape[1]
    comp = np.empty(n)
    rank = np.empty(n)
    live = 0
    seniors = 0
    commanders = 0
    for i in range(n):
        o = off[r, i]
        if o.status == Status.ACTIVE:
            comp[live] = o.comp
            rank[live] = o.rank
            live += 1
        if o.post >= 0 and post_kind[o.post] == PostKind.FRONT:
            commanders += 1
            seniors += o.senior_at_war
    merit_n[r] = 0
    if live > 2 and not np.isnan(comp[:live]).any():
        merit[r, 0, :live] = average_ranks(comp[:live])
        merit[r, 1, :live] = average_ranks(rank[:live])
        merit_n[r] = live
    if commanders:
        continuity[r] = seniors / commanders


@numba.njit(cache=True)
def run_months(r, t, t_end, W, S, P, D, plan, ledger, out):  # type: ignore[no-untyped-def]
    """Run r from month t to `t_end`, month after month (`fused_run`), appending its events to `ledger.ev[r]`
    (`ledger.ev_n[r]` so far, `out.counts[t, r]` in month t); returns the month it stopped before, which is
    earlier when fewer than `S.month_capacity` records are left in its row."""
    work = new_work(W.off.shape[1])
    ev_n, capacity = ledger.ev_n, ledger.ev.shape[1]
    while t < t_end and ev_n[r] + S.month_capacity <= capacity:
        start = ev_n[r]
        fused_run(r, t, W, S, P, D, plan, ledger, out, work)
        out.counts[t, r] = ev_n[r] - start
        t += 1
    return t


@numba.njit(cache=True, parallel=True)
def runs_fused(t_end, next_t, W, S, P, D, plan, ledger, out):  # type: ignore[no-untyped-def]
    """Each run from its month `next_t[r]` to `t_end` (`run_months`) before the next run: a run's state stays
    in the core's cache, and nothing returns to Python between months.  A run stops early when its row of the
    ledger is full, and `next_t[r]` says where: the caller grows the ledger and calls again.

    The parallel loop's body only calls: Numba's parallel loops do not see that a call writes an array it
    reaches through a record (and so may reuse a value read before the call), and a body that writes through a
    record's field (`out.counts[t, r] = ...`) writes nowhere (seen with Numba 0.68).

    Every parallel body hands its functions the run as `np.int64(r)`: Numba types the body twice, the loop's
    index an int64 in the kernel's own typing and a uint64 in the parallel loop's, and each type of `r` would
    compile the whole month once more (twice the first compile, seen with Numba 0.68)."""
    for r in numba.prange(W.off.shape[0]):
        next_t[r] = run_months(np.int64(r), next_t[r], t_end, W, S, P, D, plan, ledger, out)
