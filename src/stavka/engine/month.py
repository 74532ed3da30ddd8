"""The month in order (MODEL.md §3), compiled, for one run and for a batch.

`month_before` (steps 1-3) and `month_after` (steps 4-11) run a batch with the doctrine called in
Python between them.  When the doctrine is a parameter set of the shared policy, `month_fused` runs
the whole month of each run in one pass, with the policy's rules (`policy.py`) as step 4a: a run's
state is read into cache once a month instead of once per phase, and nothing returns to Python
between the phases.  Both paths call the same per-run functions in the same order, so they give the
same history.
"""

from __future__ import annotations

from typing import NamedTuple

import numba

from ..rng import Purpose, stream_key
from .after import learning_step, morale_step, politics_step, turnover_step
from .before import calendar_step, observe_step, security_step
from .codes import Cause, Kind, PostKind, Status
from .command import apply_decisions, fill_vacancies
from .common import emit
from .operations import captivity_step, operations_step
from .policy import decide_run
from .views import series_run


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


@numba.njit(cache=True)
def before_run(r, t, seed, run_id, off, holder, fronts, run, post_kind, post_front, target, war_start,
               own_strength, P, ev, ev_n):  # type: ignore[no-untyped-def]
    """Steps 1-3 of run r: calendar, security organ, observation; then whether a front collapsed."""
    calendar_step(r, t, off, holder, fronts, run, post_kind, post_front, target, war_start, own_strength, ev, ev_n)
    security_step(r, t, seed, run_id, off, holder, run, P, ev, ev_n)
    observe_step(r, t, seed, run_id, off, holder, fronts, run, post_kind, post_front, P)
    crisis = 0
    for f in range(fronts.shape[1]):
        if fronts[r, f].active and fronts[r, f].collapsed:
            crisis = 1
    run[r].crisis = crisis


@numba.njit(cache=True)
def after_run(r, t, seed, run_id, calendar_month, off, holder, fronts, run, generation, post_kind, post_front,
              post_min_rank, fill_order, fill_position, front_first, front_posts, action, priority, cause, score, hold,
              directive, budget, pressure, enemy_q, mobil, P, corps, ev, ev_n):  # type: ignore[no-untyped-def]
    """Steps 4-11 of run r: the decisions take effect, vacancies, operations, captivity, learning,
    politics, morale, turnover."""
    R = run[r]
    if R.ruler_alive:
        k_int = stream_key(seed, run_id, t, Purpose.INTERROGATION)
        if directive == 270 or directive == 227:
            emit(ev, ev_n, r, Kind.DIRECTIVE, -1, -1, -1, -1,
                 Cause.ORDER_270 if directive == 270 else Cause.ORDER_227, 0.0)
            for i in range(off.shape[1]):  # both orders frighten the commanders they threaten
                o = off[r, i]
                if o.status == Status.ACTIVE and o.post >= 0 and post_kind[o.post] != PostKind.DISTRICT:
                    o.fear = min(1.0, o.fear + 0.1)
        apply_decisions(r, off, holder, fronts, run, post_kind, post_min_rank, action, priority, cause, hold, budget,
                        k_int, P, ev, ev_n)
    fill_vacancies(r, off, holder, fronts, run, post_kind, post_front, post_min_rank, fill_order, fill_position, score,
                   R.crisis, ev, ev_n)
    operations_step(r, t, seed, run_id, off, holder, fronts, run, post_kind, front_first, front_posts, pressure,
                    enemy_q, mobil, P, ev, ev_n)
    captivity_step(r, t, seed, run_id, off, holder, run, P, ev, ev_n)
    learning_step(r, off, fronts, run, post_kind, P)
    politics_step(r, t, seed, run_id, off, holder, fronts, run, post_kind, post_front, P, ev, ev_n)
    morale_step(r, off, run, P)
    turnover_step(r, t, seed, run_id, calendar_month, off, holder, generation, run, P, corps[0], corps[1], corps[2],
                  corps[3], corps[4], ev, ev_n)


@numba.njit(cache=True, parallel=True)
def month_before(t, seed, run_ids, off, holder, fronts, run, post_kind, post_front, target, war_start,
                 own_strength, P, ev, ev_n):  # type: ignore[no-untyped-def]
    for r in numba.prange(off.shape[0]):
        before_run(r, t, seed, run_ids[r], off, holder, fronts, run, post_kind, post_front, target, war_start,
                   own_strength, P, ev, ev_n)


@numba.njit(cache=True, parallel=True)
def month_after(t, seed, run_ids, calendar_month, off, holder, fronts, run, generation, post_kind, post_front,
                post_min_rank, fill_order, fill_position, front_first, front_posts, action, priority, cause, score,
                hold, directive, budget, pressure, enemy_q, mobil, P, corps, ev, ev_n):  # type: ignore[no-untyped-def]
    for r in numba.prange(off.shape[0]):
        after_run(r, t, seed, run_ids[r], calendar_month, off, holder, fronts, run, generation, post_kind,
                  post_front, post_min_rank, fill_order, fill_position, front_first, front_posts, action, priority,
                  cause, score, hold, directive[r], budget[r], pressure, enemy_q, mobil, P, corps, ev, ev_n)


@numba.njit(cache=True, parallel=True)
def month_fused(t, seed, run_ids, calendar_month, off, visible, holder, fronts, run, generation, post_kind,
                post_front, post_min_rank, fill_order, fill_position, front_first, front_posts, target, war_start,
                own_strength, pressure, enemy_q, mobil, P, corps, K, S, attention, crisis_attention, action, priority,
                cause, score, hold, listening, series, so_far, ev, ev_n):  # type: ignore[no-untyped-def]
    """The whole month of every run under a policy doctrine with knobs K and run settings S.

    `visible` is `off` restricted to the fields the ruler sees: the policy reads only that.
    """
    war, war_end, paranoia, crisis = run.war, run.war_end, run.paranoia, run.crisis
    collapsed, reported = fronts.collapsed, fronts.reported
    for r in numba.prange(off.shape[0]):
        before_run(r, t, seed, run_ids[r], off, holder, fronts, run, post_kind, post_front, target, war_start,
                   own_strength, P, ev, ev_n)
        decide_run(r, seed, run_ids[r], t, visible, war, war_end, paranoia, crisis, collapsed, reported, post_kind,
                   post_front, K, action, priority, cause, score, hold, listening)
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
        after_run(r, t, seed, run_ids[r], calendar_month, off, holder, fronts, run, generation, post_kind,
                  post_front, post_min_rank, fill_order, fill_position, front_first, front_posts, action, priority,
                  cause, score, hold, S.directive, budget, pressure, enemy_q, mobil, P, corps, ev, ev_n)
        series_run(r, t, off, fronts, run, post_kind, series, so_far)
