"""The rules of the shared personnel policy, compiled; `doctrines/policy.py` gives them their parameters.

Most doctrines are parameter sets of this one policy, so the engine can run their decisions inside its
own compiled runs (`month.py:fused_run`) instead of calling back into Python.

`decide_run` is the policy for one run in a month: each rule is a function of `doctrine_rules.py` (listed with
its trait and priority knob in `doctrines/rulebook.py`), and each officer is offered their orders in the order
they are called here; an order replaces the one he already holds only if it has a higher priority (`offer`, as
`Decisions.order` on the Python path), and the one he holds at the end is written to the plan.  The rules that
pick officers by rank within a run (sideline the most popular marshal, promote for talent, charm, the decisive
axis, the exemplary trials, the top targets) are chosen first, since they read only the view, and then given in
their place in that sequence.

The kernel reads the ruler's view only: `PolicyView.officers` holds the visible officer fields, so a hidden
trait is a compile-time error here.  Random numbers come from the doctrine's stream (purpose 9) at
(officer, sub-draw k), drawn where a rule needs them; a draw is a pure function of its counters, so
drawing lazily gives the numbers an eager draw would.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from ..rng import stream_key, uniform
from .codes import PostKind, War
from .common import AXIS_ROW, new_work
from .doctrine_rules import (
    appoint_to_axis,
    appointment_score,
    arrest_disloyal,
    arrest_for_withdrawal,
    charm_officer,
    choose_charmed,
    choose_sidelined,
    choose_talent,
    choose_top_targets,
    crisis_release,
    decisive_axis,
    exemplary_trials,
    hold_orders,
    interrogate,
    listening_rule,
    offer,
    promote_talent,
    promote_winner,
    reinstate_on_review,
    release_on_review,
    relieve_failure,
    reshuffle_promote,
    reshuffle_remove,
    rotate_winner,
    scapegoat,
    show_trial,
    sideline_victor,
    withdrew_against_orders,
)

DOCTRINE_STREAM = 9
HOLD_STREAM = 24  # month 0 of this stream fixes which fronts get hold orders, for the whole run


class Knobs(NamedTuple):
    """The policy parameters in force this month, as floats for the kernel (booleans 0/1)."""

    arrest_disloyalty: float
    paranoia_weight: float
    release_on: float  # release window open and release_rate > 0
    release_rate: float
    scapegoat: float
    scapegoat_execute: float
    scapegoat_budget: float  # exemplary trials a round; -1 every scapegoat is tried
    scapegoat_period: float
    relieve_below: float
    keep_loyal_failures: float
    demote_failures: float
    loyal_bar: float
    punish_withdrawal: float
    rotate_on: float  # rotate_popular is finite
    rotate_popular: float
    sideline_after_war: float
    interrogate_autonomy: float
    interrogate_in_war: float
    promote_winners: float
    talent_promotions: float
    charm: float
    w_competence: float
    w_loyalty: float
    w_seniority: float
    w_popularity: float
    crisis_appointment: float
    crisis_release: float
    hold_strictness: float
    listening: float
    listening_growth: float
    release_after: float
    failure_km: float
    sideline_popularity: float
    sideline_rank: float
    crisis_w_competence: float
    crisis_w_seniority: float
    success_km: float
    talent_bar: float
    talent_rank_penalty: float
    seniority_months: float
    score_noise: float
    priority_scapegoat: float
    priority_crisis_release: float
    priority_loyal_recall: float
    priority_withdrawal: float
    priority_sideline: float
    priority_rotate: float
    priority_failure: float
    priority_interrogate: float
    priority_merit: float
    priority_talent: float
    priority_charm: float
    priority_review: float
    top_on: float  # top_target_window open and top_targets > 0
    top_targets: float
    top_target_rank: float
    top_target_loyalty: float
    top_target_w_rank: float
    top_target_w_pop: float
    priority_top_target: float
    reinstate_on: float  # release window open and reinstate_rate > 0
    reinstate_rate: float
    reshuffle_on: float  # reshuffle window open and reshuffle_below > 0
    reshuffle_below: float
    reshuffle_promote_above: float  # 0 outside the reshuffle window
    reshuffle_promote_to: float
    routine_succession: float
    axis_on: float  # a month of the decisive-axis rule (the doctrine's axis_months)
    axis_rank: float
    axis_w_loyalty: float
    priority_axis: float


# A month's knobs as a record, for a month-indexed array of them (`month.runs_fused`).
KNOBS = np.dtype([(name, np.float64) for name in Knobs._fields])


@numba.njit(cache=True, parallel=True)
def decide_kernel(V, K, plan, target_post):  # type: ignore[no-untyped-def]
    """The month's decisions for every run of a batch (`V`: the ruler's view), into `plan`'s orders, scores,
    hold orders and listening; `target_post`: the post of each APPOINT order (-1 none)."""
    for r in numba.prange(V.officers.shape[0]):
        work = new_work(V.officers.shape[1])
        decide_run(np.int64(r), V, K, plan, work)  # (np.int64: one specialisation, `month.runs_fused`)
        target_post[r] = work[0][AXIS_ROW]


@numba.njit(cache=True, inline="always")
def posts_of(r, rec, post_kind, post_front, kind, front):  # type: ignore[no-untyped-def]
    """The kind (-1 none) and front (0 none) of each officer's post, in `kind` and `front`; returns the wins
    of the run's officers."""
    wins = 0
    for i in range(rec.shape[1]):
        o = rec[r, i]
        wins += o.wins
        kind[i] = post_kind[o.post] if o.post >= 0 else -1
        front[i] = max(post_front[o.post], 0) if o.post >= 0 else 0
    return wins


@numba.njit(cache=True)
def decide_run(r, V, K, plan, work):  # type: ignore[no-untyped-def]
    """Run r's decisions: its rows of the plan's action, priority, cause, score and hold, and its listening;
    `work` is scratch (`common.new_work`), its row AXIS_ROW the post of each APPOINT order (-1 none).  The rules
    are `doctrine_rules.py`'s, given in this order."""
    rec, month, collapsed, reported = V.officers, V.month, V.collapsed, V.reported
    n = rec.shape[1]
    key = stream_key(V.seed, V.run_ids[r], month, DOCTRINE_STREAM)
    war = V.war[r]
    at_war = war == War.WAR
    at_peace = war == War.PEACE
    crisis = V.crisis[r]
    work_int, value = work
    kind, front, talent, charmed, pool = work_int[0], work_int[1], work_int[2], work_int[3], work_int[4]
    example, target = work_int[5], work_int[6]
    axis = work_int[AXIS_ROW]  # the post of each officer's APPOINT order, for `command.appoint_run`
    wins = posts_of(r, rec, V.post_kind, V.post_front, kind, front)
    plan.listening[r] = listening_rule(K, wins)
    hold_orders(r, stream_key(V.seed, V.run_ids[r], 0, HOLD_STREAM), K, plan.hold)

    # The rules that rank officers within the run, chosen before any order is given.
    sidelined = choose_sidelined(r, rec, war, month, V.war_end[r], K)
    has_talent = K.talent_promotions > 0
    if has_talent:
        choose_talent(r, rec, at_war, kind, K, value, pool, talent)
    has_charm = K.charm > 0
    if has_charm:
        choose_charmed(r, rec, kind, K, value, pool, charmed)
    axis_man, axis_post = -1, -1
    if K.axis_on > 0 and at_war:
        axis_man, axis_post = decisive_axis(r, rec, kind, front, reported, K)
    limited = K.scapegoat_budget >= 0
    if limited:
        exemplary_trials(r, V, kind, front, key, K, value, pool, example)
    has_top = K.top_on > 0
    if has_top:
        choose_top_targets(r, rec, K, value, pool, target)

    threshold = K.arrest_disloyalty * (1.0 - K.paranoia_weight * V.paranoia[r])
    for i in range(n):
        o = rec[r, i]
        axis[i] = -1
        is_front = kind[i] == PostKind.FRONT
        commands = is_front or kind[i] == PostKind.ARMY
        senior_post = is_front or kind[i] == PostKind.DISTRICT or kind[i] == PostKind.STAFF
        front_collapsed = commands and collapsed[r, front[i]] == 1
        front_defeated = commands and reported[r, front[i]] <= -K.failure_km and at_war
        loyal_failure = K.keep_loyal_failures > 0 and o.bl_mu >= K.loyal_bar
        beyond_budget = limited and not example[i]  # not chosen for an exemplary trial: relieved, not tried
        held = arrest_disloyal(o, threshold)
        if has_top and target[i]:
            held = offer(held, show_trial(K))
        held = offer(held, reinstate_on_review(o, i, key, K))
        held = offer(held, release_on_review(o, i, key, K))
        scapegoated = is_front and front_collapsed and uniform(key, i, 2) < K.scapegoat
        spared, given = scapegoat(i, scapegoated, loyal_failure, beyond_budget, key, K)
        held = offer(held, given)
        held = offer(held, reshuffle_remove(o, senior_post, at_peace, K))
        held = offer(held, reshuffle_promote(o, at_peace, K))
        withdrawal = withdrew_against_orders(o, i, key, K)
        if withdrawal and is_front and beyond_budget:
            spared, withdrawal = True, False  # a front commander's withdrawal beyond the budget: relieved
        lost = (front_collapsed or front_defeated) and not scapegoated
        held = offer(held, relieve_failure(o, i, lost, spared, loyal_failure, key, K))
        if withdrawal:
            held = offer(held, arrest_for_withdrawal(K))
        held = offer(held, rotate_winner(o, commands, K))
        if i == sidelined:
            held = offer(held, sideline_victor(K))
        if i == axis_man:
            held = offer(held, appoint_to_axis(K))
            axis[i] = axis_post
        held = offer(held, interrogate(o, i, at_war, key, K))
        held = offer(held, promote_winner(o, i, commands, reported[r, front[i]], at_war, key, K))
        if has_talent and talent[i]:
            held = offer(held, promote_talent(K))
        if has_charm and charmed[i]:
            held = offer(held, charm_officer(K))
        plan.score[r, i] = appointment_score(o, crisis, i, key, K)
        held = offer(held, crisis_release(o, crisis, K))
        plan.action[r, i], plan.priority[r, i], plan.cause[r, i] = held  # his one order, written once
