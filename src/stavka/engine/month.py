"""The month in order (MODEL.md §3), compiled, for one run and for a batch.

`month_before` (steps 1-3) and `month_after` (steps 4-11) run a batch with the doctrine called in
Python between them.  When the doctrine is a parameter set of the shared policy, `runs_fused` runs each
run through all its months in one compiled call, the policy's rules (`policy.py`) being step 4a of
`fused_run`: a run's state stays in the core's cache from month to month, and nothing returns to Python
between months or phases.  Both paths call the same per-run functions in the same order, so they give
the same history.
"""

from __future__ import annotations

from typing import NamedTuple, get_type_hints

import numba
import numpy as np

from ..rng import Purpose, stream_key
from .after import learning_step, morale_step, politics_step, turnover_step
from .before import calendar_step, distinction_step, observe_step, security_step
from .codes import Cause, Kind, PostKind, Status, War
from .command import apply_decisions, appoint_run, fill_vacancies, ladder_step
from .common import AXIS_ROW, emit, new_work
from .operations import captivity_step, operations_step
from .policy import decide_run
from .views import average_ranks, series_run


class RunSettings(NamedTuple):
    """The run-level settings a policy doctrine gives in a month (`Decisions` has one per run)."""

    credit: float
    collate: int
    purge_quota: float
    execute_share: float
    hostage: int
    punish_returnees: float
    organ_trust: float
    directive: int  # named order issued this month (270, 227) or 0


# A month's settings as a record, for a month-indexed array of them (`runs_fused`).
SETTINGS = np.dtype([(name, np.float64 if kind is float else np.int64) for name, kind in get_type_hints(RunSettings).items()])


@numba.njit(cache=True)
def before_run(
    r, t, seed, run_id, off, holder, fronts, run, post_kind, post_front, target, war_start, own_strength, P, ev, ev_n, distinction
):  # type: ignore[no-untyped-def]
    """Steps 1-3 of run r: calendar, security organ, observation (and the record's distinctions); then whether
    a front collapsed."""
    calendar_step(r, t, off, holder, fronts, run, post_kind, post_front, target, war_start, own_strength, P, ev, ev_n)
    security_step(r, t, seed, run_id, off, holder, run, P, ev, ev_n)
    observe_step(r, t, seed, run_id, off, holder, fronts, run, post_kind, post_front, P)
    distinction_step(r, t, off, distinction, P, ev, ev_n)
    crisis = 0
    for f in range(fronts.shape[1]):
        if fronts[r, f].active and fronts[r, f].collapsed:
            crisis = 1
    run[r].crisis = crisis


@numba.njit(cache=True)
def after_run(
    r,
    t,
    seed,
    run_id,
    calendar_month,
    off,
    holder,
    fronts,
    run,
    generation,
    post_kind,
    post_front,
    post_min_rank,
    fill_order,
    fill_position,
    front_first,
    front_posts,
    action,
    priority,
    cause,
    score,
    hold,
    directive,
    budget,
    pressure,
    enemy_q,
    mobil,
    P,
    corps,
    ev,
    ev_n,
    work_int,
    work_float,
):  # type: ignore[no-untyped-def]
    """Steps 4-11 of run r: the decisions take effect, vacancies, operations, captivity, learning,
    politics, morale, turnover.  `work_int` and `work_float` are scratch (`common.new_work`)."""
    R = run[r]
    if R.ruler_alive:
        k_int = stream_key(seed, run_id, t, Purpose.INTERROGATION)
        if directive == 270 or directive == 227:
            emit(ev, ev_n, r, Kind.DIRECTIVE, -1, -1, -1, -1, Cause.ORDER_270 if directive == 270 else Cause.ORDER_227, 0.0)
            for i in range(off.shape[1]):  # both orders frighten the commanders they threaten
                o = off[r, i]
                if o.status == Status.ACTIVE and o.post >= 0 and post_kind[o.post] != PostKind.DISTRICT:
                    o.fear = min(1.0, o.fear + P.politics_order_fear)
        examples = R.examples
        apply_decisions(
            r,
            off,
            holder,
            fronts,
            run,
            post_kind,
            post_min_rank,
            action,
            priority,
            cause,
            hold,
            budget,
            k_int,
            P,
            ev,
            ev_n,
            work_int,
        )
        if R.examples > examples:  # the ruler made an example this month (M3): his budget's period starts
            R.last_example = t + 1
    fill_vacancies(
        r,
        off,
        holder,
        fronts,
        run,
        post_kind,
        post_front,
        post_min_rank,
        fill_order,
        fill_position,
        score,
        R.crisis,
        P,
        ev,
        ev_n,
        work_int,
        work_float,
    )
    ladder_step(r, t, seed, run_id, off, post_min_rank, fill_order[0], P, ev, ev_n)
    operations_step(
        r, t, seed, run_id, off, holder, fronts, run, post_kind, front_first, front_posts, pressure, enemy_q, mobil, P, ev, ev_n
    )
    captivity_step(r, t, seed, run_id, off, holder, run, P, ev, ev_n)
    learning_step(r, off, fronts, run, post_kind, P)
    politics_step(r, t, seed, run_id, off, holder, fronts, run, post_kind, post_front, P, ev, ev_n)
    morale_step(r, off, run, P)
    turnover_step(
        r,
        t,
        seed,
        run_id,
        calendar_month,
        off,
        holder,
        generation,
        run,
        P,
        corps[0],
        corps[1],
        corps[2],
        corps[3],
        corps[4],
        ev,
        ev_n,
    )


@numba.njit(cache=True, parallel=True)
def month_before(
    t, seed, run_ids, off, holder, fronts, run, post_kind, post_front, target, war_start, own_strength, P, ev, ev_n, distinction
):  # type: ignore[no-untyped-def]
    for r in numba.prange(off.shape[0]):
        before_run(
            r,
            t,
            seed,
            run_ids[r],
            off,
            holder,
            fronts,
            run,
            post_kind,
            post_front,
            target,
            war_start,
            own_strength,
            P,
            ev,
            ev_n,
            distinction,
        )


@numba.njit(cache=True, parallel=True)
def month_after(
    t,
    seed,
    run_ids,
    calendar_month,
    off,
    holder,
    fronts,
    run,
    generation,
    post_kind,
    post_front,
    post_min_rank,
    fill_order,
    fill_position,
    front_first,
    front_posts,
    action,
    priority,
    cause,
    score,
    hold,
    directive,
    budget,
    pressure,
    enemy_q,
    mobil,
    P,
    corps,
    ev,
    ev_n,
):  # type: ignore[no-untyped-def]
    for r in numba.prange(off.shape[0]):
        work_int, work_float = new_work(off.shape[1])
        after_run(
            r,
            t,
            seed,
            run_ids[r],
            calendar_month,
            off,
            holder,
            fronts,
            run,
            generation,
            post_kind,
            post_front,
            post_min_rank,
            fill_order,
            fill_position,
            front_first,
            front_posts,
            action,
            priority,
            cause,
            score,
            hold,
            directive[r],
            budget[r],
            pressure,
            enemy_q,
            mobil,
            P,
            corps,
            ev,
            ev_n,
            work_int,
            work_float,
        )


@numba.njit(cache=True)
def fused_run(
    r,
    t,
    seed,
    run_id,
    calendar_month,
    off,
    visible,
    holder,
    fronts,
    run,
    generation,
    post_kind,
    post_front,
    post_min_rank,
    fill_order,
    fill_position,
    front_first,
    front_posts,
    target,
    war_start,
    own_strength,
    pressure,
    enemy_q,
    mobil,
    P,
    corps,
    K,
    S,
    attention,
    crisis_attention,
    action,
    priority,
    cause,
    score,
    hold,
    listening,
    series,
    so_far,
    ev,
    ev_n,
    work_int,
    work_float,
    distinction,
):  # type: ignore[no-untyped-def]
    """The whole month t of run r under a policy doctrine with knobs K and run settings S: steps 1-3, the
    policy's rules (step 4a), its run settings, steps 4-11 and the month's series.

    `visible` is `off` restricted to the fields the ruler sees: the policy reads only that.  `work_int` and
    `work_float` are scratch (`common.new_work`).
    """
    before_run(
        r,
        t,
        seed,
        run_id,
        off,
        holder,
        fronts,
        run,
        post_kind,
        post_front,
        target,
        war_start,
        own_strength,
        P,
        ev,
        ev_n,
        distinction,
    )
    decide_run(
        r,
        seed,
        run_id,
        t,
        visible,
        run.war,
        run.war_end,
        run.paranoia,
        run.crisis,
        run.last_example,
        fronts.collapsed,
        fronts.reported,
        post_kind,
        post_front,
        K,
        action,
        priority,
        cause,
        score,
        hold,
        listening,
        work_int,
        work_float,
    )
    R = run[r]
    if R.ruler_alive:  # the run-level settings of a fallen ruler stay as he left them
        R.credit = S.credit
        R.collate = S.collate
        R.listening = listening[r]
        R.purge_quota = S.purge_quota
        R.execute_share = S.execute_share
        R.hostage = S.hostage
        R.punish_returnees = S.punish_returnees
        R.organ_trust = S.organ_trust
    budget = int(attention + crisis_attention * R.crisis)
    if R.ruler_alive:  # the policy's APPOINT orders (the decisive axis), as `Engine.end_month` does them
        budget -= appoint_run(
            r,
            off,
            holder,
            fronts,
            post_kind,
            post_front,
            post_min_rank,
            action,
            priority,
            cause,
            work_int[AXIS_ROW],
            budget,
            ev,
            ev_n,
            work_int[0],
        )
    after_run(
        r,
        t,
        seed,
        run_id,
        calendar_month,
        off,
        holder,
        fronts,
        run,
        generation,
        post_kind,
        post_front,
        post_min_rank,
        fill_order,
        fill_position,
        front_first,
        front_posts,
        action,
        priority,
        cause,
        score,
        hold,
        S.directive,
        budget,
        pressure,
        enemy_q,
        mobil,
        P,
        corps,
        ev,
        ev_n,
        work_int,
        work_float,
    )
    series_run(r, t, off, fronts, run, post_kind, series, so_far)


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


@numba.njit(cache=True, parallel=True)
def runs_fused(
    t_end,
    next_t,
    seed,
    run_ids,
    calendar_months,
    off,
    visible,
    holder,
    fronts,
    run,
    generation,
    post_kind,
    post_front,
    post_min_rank,
    fill_order,
    fill_position,
    front_first,
    front_posts,
    targets,
    war_start,
    own_strength,
    pressure,
    enemy_q,
    mobil,
    P,
    corps,
    knobs,
    settings,
    attention,
    crisis_attention,
    action,
    priority,
    cause,
    score,
    hold,
    listening,
    series,
    so_far,
    ledger,
    ledger_n,
    counts,
    room,
    last_month,
    merit,
    merit_n,
    continuity,
    distinction,
):  # type: ignore[no-untyped-def]
    """Each run from its month `next_t[r]` to `t_end`, month after month (`fused_run`) before the next run:
    a run's state stays in the core's cache, and nothing returns to Python between months.  Every array
    indexed by month (`calendar_months`, `targets`, `pressure`, ..., `knobs` and `settings`, the plan of
    each month) is indexed by the month itself.

    Run r's events are appended to `ledger[r]` (`ledger_n[r]` so far, `counts[t, r]` in month t).  A run
    stops before a month when fewer than `room` records are left, and `next_t[r]` says where it stopped:
    the caller grows the ledger and calls again.  In the month its war ends, a run's snapshot is taken
    (`war_end_snapshot`); `last_month` is the scenario's last, where a war still going is cut off."""
    for r in numba.prange(off.shape[0]):
        work_int, work_float = new_work(off.shape[1])
        t = next_t[r]
        while t < t_end and ledger_n[r] + room <= ledger.shape[1]:
            start = ledger_n[r]
            fused_run(
                r,
                t,
                seed,
                run_ids[r],
                calendar_months[t],
                off,
                visible,
                holder,
                fronts,
                run,
                generation,
                post_kind,
                post_front,
                post_min_rank,
                fill_order,
                fill_position,
                front_first,
                front_posts,
                targets[t],
                war_start,
                own_strength,
                pressure[t],
                enemy_q[t],
                mobil[t],
                P,
                corps,
                knobs[t],
                settings[t],
                attention,
                crisis_attention,
                action,
                priority,
                cause,
                score,
                hold,
                listening,
                series,
                so_far,
                ledger,
                ledger_n,
                work_int,
                work_float,
                distinction,
            )
            counts[t, r] = ledger_n[r] - start
            if run[r].war_end == t or (t == last_month and run[r].war == War.WAR):
                war_end_snapshot(r, off, post_kind, merit, merit_n, continuity)
            t += 1
        next_t[r] = t
