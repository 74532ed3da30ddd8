"""The rules of the shared personnel policy, compiled; `doctrines/policy.py` gives them their parameters.

Most doctrines are parameter sets of this one policy, so the engine can run their decisions inside its
own compiled runs (`month.py:fused_run`) instead of calling back into Python.

Each officer receives the policy's orders in the order `policy.py` lists its rules; an order replaces
the one he already has only if it has a higher priority (`Decisions.order`).  The three rules that pick
officers by rank within a run (sideline the most popular marshal, promote for talent, charm) are chosen
first, since they read only the view, and then given in their place in that sequence.

The kernel reads the ruler's view only: `records` holds the visible officer fields, so a hidden trait
is a compile-time error here.  Random numbers come from the doctrine's stream (purpose 9) at
(officer, sub-draw k), drawn where a rule needs them; a draw is a pure function of its counters, so
drawing lazily gives the numbers an eager draw would.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from ..rng import stream_key, uniform
from .codes import TOP_RANK, Action, Cause, PostKind, Status, War
from .common import AXIS_ROW, new_work, routine_score

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


@numba.njit(cache=True, inline="always")
def _give(action, priority, cause, r, i, act, pr, why):  # type: ignore[no-untyped-def]
    if action[r, i] == Action.NONE or pr > priority[r, i]:
        action[r, i] = act
        priority[r, i] = pr
        cause[r, i] = why


@numba.njit(cache=True)
def _top(values, eligible, k, out):  # type: ignore[no-untyped-def]
    """Mark in `out` (flags 0/1) the k eligible officers of highest value, ties to the lower index (a stable
    sort)."""
    for _ in range(k):
        best = -1
        for i in range(values.shape[0]):
            if eligible[i] and not out[i] and (best < 0 or values[i] > values[best]):
                best = i
        if best < 0:
            return
        out[best] = True


@numba.njit(cache=True)
def exemplary_trials(r, month, rec, kind, front, collapsed, reported, last_example, key, K, value, pool, example):  # type: ignore[no-untyped-def]
    """M3 with a budget: of the front commanders the ruler would punish (for a collapse, not his loyal failures;
    for a withdrawal against orders), the `scapegoat_budget` whose fronts reported the worst month are made an
    example, once a period of `scapegoat_period` months from the last round; the rest are relieved (the
    record's 1941: Pavlov's trial; Kuznetsov, Budyonny, Cherevichenko and others relieved or recalled; under
    Order 227 no front commander was tried).  Marks them in `example`."""
    n = rec.shape[1]
    open_round = last_example[r] == 0 or month - (last_example[r] - 1) >= K.scapegoat_period
    for i in range(n):
        o = rec[r, i]
        example[i] = 0
        collapse = (
            collapsed[r, front[i]] == 1
            and uniform(key, i, 2) < K.scapegoat
            and not (K.keep_loyal_failures > 0 and o.bl_mu >= K.loyal_bar)
        )
        withdrawal = o.status == Status.ACTIVE and o.withdrew == 1 and uniform(key, i, 4) < K.punish_withdrawal
        pool[i] = open_round and kind[i] == PostKind.FRONT and (collapse or withdrawal)
        value[i] = -reported[r, front[i]]  # the scale of the failure, as reported
    if open_round:
        _top(value, pool, int(K.scapegoat_budget), example)


@numba.njit(cache=True)
def decisive_axis(r, rec, kind, front, reported, K):  # type: ignore[no-untyped-def]
    """The decisive-axis rule (docs/model.md §11.8): (the man, the post), or (-1, -1).

    The decisive front is the front with a commander whose reported movement last month was the largest either
    way: in a retreat the enemy's main thrust (Moscow, October 1941), in an advance our main effort (Berlin,
    November 1944).  The ruler gives its command to the man he believes most competent
    (his belief `bc_mu`, plus `axis_w_loyalty` times believed loyalty), of rank at least `axis_rank`, unless he
    holds it already."""
    post, weight = -1, -1.0
    for i in range(rec.shape[1]):  # (ties: the first front commander in slot order)
        if kind[i] == PostKind.FRONT and rec[r, i].status == Status.ACTIVE:
            w = abs(reported[r, front[i]])
            if w > weight:
                post, weight = int(rec[r, i].post), w
    if post < 0:
        return -1, -1
    best, best_v = -1, -np.inf
    for i in range(rec.shape[1]):
        o = rec[r, i]
        if o.status == Status.ACTIVE and o.rank >= K.axis_rank:
            v = o.bc_mu + K.axis_w_loyalty * o.bl_mu
            if v > best_v:
                best, best_v = i, v
    if best < 0 or rec[r, best].post == post:
        return -1, -1
    return best, post


@numba.njit(cache=True, parallel=True)
def decide_kernel(
    seed,
    run_ids,
    month,
    rec,
    war,
    war_end,
    paranoia,
    crisis,
    last_example,
    collapsed,
    reported,
    post_kind,
    post_front,
    K,
    action,
    priority,
    cause,
    score,
    hold,
    listening,
    target_post,
):  # type: ignore[no-untyped-def]
    """The month's decisions for every run of a batch (`rec`: the visible officer fields); `target_post`: the
    post of each APPOINT order (-1 none)."""
    for r in numba.prange(rec.shape[0]):
        work_int, work_float = new_work(rec.shape[1])
        decide_run(
            r,
            seed,
            run_ids[r],
            month,
            rec,
            war,
            war_end,
            paranoia,
            crisis,
            last_example,
            collapsed,
            reported,
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
        target_post[r] = work_int[AXIS_ROW]


@numba.njit(cache=True)
def decide_run(
    r,
    seed,
    run_id,
    month,
    rec,
    war,
    war_end,
    paranoia,
    crisis,
    last_example,
    collapsed,
    reported,
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
):  # type: ignore[no-untyped-def]
    """Run r's decisions: its rows of action, priority, cause, score and hold, and its listening.
    `work_int` and `work_float` are scratch (`common.new_work`)."""
    n = rec.shape[1]
    key = stream_key(seed, run_id, month, DOCTRINE_STREAM)
    at_war = war[r] == War.WAR
    kind, front, talent, charmed, pool = work_int[0], work_int[1], work_int[2], work_int[3], work_int[4]
    example, target = work_int[5], work_int[6]
    value = work_float
    wins = 0
    for i in range(n):
        o = rec[r, i]
        wins += o.wins
        kind[i] = post_kind[o.post] if o.post >= 0 else -1
        front[i] = max(post_front[o.post], 0) if o.post >= 0 else 0
    listening[r] = min(1.0, K.listening + K.listening_growth * wins)
    key_hold = stream_key(seed, run_id, 0, HOLD_STREAM)
    for f in range(hold.shape[1]):
        hold[r, f] = 1 if uniform(key_hold, f, 0) < K.hold_strictness else 0

    # The rules that rank officers within the run, chosen before any order is given.
    sidelined = -1
    if K.sideline_after_war >= 0 and war[r] == War.VICTORY and month - war_end[r] == K.sideline_after_war:
        top, top_pop = 0, -np.inf
        for i in range(n):
            o = rec[r, i]
            pop = o.pop if (o.status == Status.ACTIVE and o.rank >= K.sideline_rank) else -1.0
            if pop > top_pop:
                top, top_pop = i, pop
        if top_pop > K.sideline_popularity:
            sidelined = top
    has_talent = K.talent_promotions > 0
    if has_talent:
        for i in range(n):
            o = rec[r, i]
            senior = (
                kind[i] == PostKind.STAFF or kind[i] == PostKind.FRONT or kind[i] == PostKind.ARMY or kind[i] == PostKind.DISTRICT
            )
            pool[i] = o.status == Status.ACTIVE and o.rank < TOP_RANK and o.bc_mu > K.talent_bar and (not at_war or senior)
            value[i] = o.bc_mu - K.talent_rank_penalty * o.rank
            talent[i] = 0
        _top(value, pool, int(K.talent_promotions), talent)
    has_charm = K.charm > 0
    if has_charm:
        for i in range(n):
            o = rec[r, i]
            k = kind[i]
            value[i] = (
                o.bc_mu
                if (o.status == Status.ACTIVE and (k == PostKind.FRONT or k == PostKind.ARMY or k == PostKind.STAFF))
                else -1.0
            )
            pool[i] = value[i] > 0
            charmed[i] = 0
        _top(value, pool, int(K.charm), charmed)
    axis_man, axis_post = -1, -1
    axis = work_int[AXIS_ROW]  # the post of each officer's APPOINT order, for `command.appoint_run`
    if K.axis_on > 0 and at_war:
        axis_man, axis_post = decisive_axis(r, rec, kind, front, reported, K)
    limited = K.scapegoat_budget >= 0
    if limited:
        exemplary_trials(r, month, rec, kind, front, collapsed, reported, last_example, key, K, value, pool, example)

    # The ruler's own choice of the top targets (the June 1937 trial was a decision, facts A8): the senior men
    # he believes least loyal, the most senior and popular first; his clients are above the loyalty bar.
    has_top = K.top_on > 0
    if has_top:
        for i in range(n):
            o = rec[r, i]
            pool[i] = o.status == Status.ACTIVE and o.rank >= K.top_target_rank and o.bl_mu < K.top_target_loyalty
            value[i] = (1.0 - o.bl_mu) + K.top_target_w_rank * o.rank / TOP_RANK + K.top_target_w_pop * o.pop
            target[i] = 0
        _top(value, pool, int(K.top_targets), target)
    threshold = K.arrest_disloyalty * (1.0 - K.paranoia_weight * paranoia[r])
    for i in range(n):
        o = rec[r, i]
        action[r, i] = Action.NONE
        priority[r, i] = 0.0
        cause[r, i] = Cause.NONE
        axis[i] = -1
        active = o.status == Status.ACTIVE
        arrested = o.status == Status.ARRESTED
        commands = kind[i] == PostKind.FRONT or kind[i] == PostKind.ARMY
        front_collapsed = commands and collapsed[r, front[i]] == 1
        front_defeated = commands and reported[r, front[i]] <= -K.failure_km and at_war
        loyal_failure = K.keep_loyal_failures > 0 and o.bl_mu >= K.loyal_bar
        # M14 -> M1: arrest on believed disloyalty, sooner when paranoid.
        if active and 1.0 - o.bl_mu > threshold:
            _give(action, priority, cause, r, i, Action.ARREST, 1.0 - o.bl_mu, Cause.RULER)
        if has_top and target[i]:
            _give(action, priority, cause, r, i, Action.EXECUTE, K.priority_top_target, Cause.SHOW_TRIAL)
        # The review commission: a discharged man's appeal upheld (facts A2, A5).
        if K.reinstate_on > 0 and o.status == Status.DISCHARGED and uniform(key, i, 7) < K.reinstate_rate:
            _give(action, priority, cause, r, i, Action.REINSTATE, K.priority_review, Cause.REVIEW)
        # Review of sentenced officers (M10).
        if K.release_on > 0 and arrested and o.custody > K.release_after and uniform(key, i, 1) < K.release_rate:
            _give(action, priority, cause, r, i, Action.RELEASE, K.priority_review, Cause.REVIEW)
        # M3 scapegoating, M2 the loyal failure kept close.
        scapegoated = kind[i] == PostKind.FRONT and front_collapsed and uniform(key, i, 2) < K.scapegoat
        spared = False  # a scapegoat beyond the budget of examples: relieved, not tried
        if scapegoated:
            if loyal_failure:
                _give(action, priority, cause, r, i, Action.RECALL, K.priority_loyal_recall, Cause.FAILURE)
            elif limited and not example[i]:
                spared = True
            elif uniform(key, i, 3) < K.scapegoat_execute:
                _give(action, priority, cause, r, i, Action.EXECUTE, K.priority_scapegoat, Cause.SCAPEGOAT)
            else:
                _give(action, priority, cause, r, i, Action.ARREST, K.priority_scapegoat, Cause.SCAPEGOAT)
        # A peacetime reshuffle of the high command: the senior men he rates lowest make room.
        senior_post = kind[i] == PostKind.FRONT or kind[i] == PostKind.DISTRICT or kind[i] == PostKind.STAFF
        if K.reshuffle_on > 0 and active and senior_post and war[r] == War.PEACE and o.bc_mu < K.reshuffle_below:
            _give(action, priority, cause, r, i, Action.REMOVE, K.priority_failure, Cause.REFORM)
        # ... and the men he believes most competent get the new general ranks (June 1940).
        if (
            K.reshuffle_promote_above > 0
            and active
            and war[r] == War.PEACE
            and o.bc_mu >= K.reshuffle_promote_above
            and o.rank < K.reshuffle_promote_to
        ):
            _give(action, priority, cause, r, i, Action.PROMOTE, K.priority_merit, Cause.REFORM)
        withdrawal = active and o.withdrew == 1 and uniform(key, i, 4) < K.punish_withdrawal
        if withdrawal and limited and kind[i] == PostKind.FRONT and not example[i]:
            spared = True  # a front commander's withdrawal beyond the budget: relieved, not arrested
            withdrawal = False
        # relieve_below 0 is the rule off: a belief's mean can fall below 0, and no ruler relieves for that alone
        failing = K.relieve_below > 0 and o.bc_mu < K.relieve_below
        if ((front_collapsed or front_defeated) and failing and not scapegoated) or spared:
            if uniform(key, i, 6) < K.demote_failures and o.rank > 0:
                _give(action, priority, cause, r, i, Action.DEMOTE, K.priority_failure, Cause.FAILURE)  # Kulik 1942
            elif loyal_failure:
                _give(action, priority, cause, r, i, Action.RECALL, K.priority_failure, Cause.FAILURE)
            else:
                _give(action, priority, cause, r, i, Action.REMOVE, K.priority_failure, Cause.FAILURE)
        if withdrawal:
            _give(action, priority, cause, r, i, Action.ARREST, K.priority_withdrawal, Cause.UNAUTHORISED)
        # M4: keep the brilliant moving; after victory, sideline the most popular.
        if K.rotate_on > 0 and active and commands and o.pop > K.rotate_popular:
            _give(action, priority, cause, r, i, Action.ROTATE, K.priority_rotate + o.pop, Cause.ROTATION)
        if i == sidelined:
            _give(action, priority, cause, r, i, Action.SIDELINE, K.priority_sideline, Cause.SIDELINE)
        # The decisive front to the man believed most competent (Zhukov, October 1941 and November 1944).
        if i == axis_man:
            _give(action, priority, cause, r, i, Action.APPOINT, K.priority_axis, Cause.AXIS)
            axis[i] = axis_post
        # M5: break the tool to see if it still works.
        if (
            K.interrogate_autonomy > 0
            and active
            and o.requests == 1
            and (K.interrogate_in_war > 0 or not at_war)
            and uniform(key, i, 5) < K.interrogate_autonomy
        ):
            _give(action, priority, cause, r, i, Action.INTERROGATE, K.priority_interrogate, Cause.AUTONOMY)
        # Promotion of winners (M12, M4).
        if (
            active
            and commands
            and reported[r, front[i]] >= K.success_km
            and at_war
            and o.rank < TOP_RANK
            and uniform(key, i, 1) < K.promote_winners
        ):
            _give(action, priority, cause, r, i, Action.PROMOTE, K.priority_merit, Cause.MERIT)
        if has_talent and talent[i]:
            _give(action, priority, cause, r, i, Action.PROMOTE, K.priority_talent, Cause.TALENT)
        if has_charm and charmed[i]:
            _give(action, priority, cause, r, i, Action.CHARM, K.priority_charm, Cause.RULER)
        # Appointments: the doctrine's preference; in a crisis need beats suspicion (M6).
        seniority = o.rank / TOP_RANK + min(o.exper, K.seniority_months) / K.seniority_months
        if K.routine_succession > 0:  # the army's own order, in a crisis too (`passive`)
            score[r, i] = routine_score(o.rank, o.exper, o.bc_mu)
        elif K.crisis_appointment > 0 and crisis[r] == 1:
            score[r, i] = K.crisis_w_competence * o.bc_mu + K.crisis_w_seniority * seniority + K.score_noise * uniform(key, i, 0)
            if arrested and o.bc_mu >= K.crisis_release:
                _give(action, priority, cause, r, i, Action.RELEASE, K.priority_crisis_release, Cause.CRISIS)
        else:
            score[r, i] = (
                K.w_competence * o.bc_mu
                + K.w_loyalty * o.bl_mu
                + K.w_seniority * seniority
                + K.w_popularity * o.pop
                + K.score_noise * uniform(key, i, 0)
            )
