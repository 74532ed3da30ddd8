"""The shared policy's rules, one compiled function each (docs/model.md §7.11); `rules.decide_run` calls them.

A personnel rule returns the order it gives officer i (`order(action, priority, cause)`, or `no_order()`); an
order replaces the one he has only if its priority is higher (`offer`), so the order of the calls in `decide_run`
is part of the model.  Each rule's docstring names its trait (`doctrines/base.py:TRAITS`, derived in
`doctrines/traits.py`), "no trait" for a rule no trait names, and its priority knob (`Knobs`, a `PolicyParams`
field): `doctrines/rulebook.py` lists them, and tests/test_rulebook.py checks the list against the docstrings, the
traits and the parameters.

A rule reads the ruler's view only (`o`: officer i's visible record).  Its random numbers are the doctrine's
stream at (officer, sub-draw k), `uniform(key, i, k)`: a pure function of its counters, drawn where the rule
needs it.  The rules that choose officers by rank within a run (`choose_*`) mark them before any order is given.

A personnel rule takes only numbers and records (the officer's view `o`, the knobs `K`), never the plan's
arrays: an array handed to a function is reference-counted at each call, and the pairs of counts Numba cannot
prune cost more than the rules' own work (the rules once wrote into the plan: 414 calls to NRT_incref/decref in
`decide_run`'s loop, 2.5 times the engine's time, docs/performance.md).  `decide_run` folds the orders and
writes each officer's one order once.  The rules are inlined into `decide_run` (``inline="always"``), as the one
function they were before: compiled one by one, the two dozen small functions made the first compile of the
policy about half as long again (CPU seconds, Numba 0.68).
"""

from __future__ import annotations

import numba
import numpy as np

from ..rng import uniform
from .codes import TOP_RANK, Action, Cause, PostKind, Status, War
from .common import routine_score


@numba.njit(cache=True, inline="always")
def order(act, pr, why):  # type: ignore[no-untyped-def]
    """The order `act` with priority `pr` and cause `why`, as a rule returns it."""
    return act, float(pr), why


@numba.njit(cache=True, inline="always")
def no_order():  # type: ignore[no-untyped-def]
    """What a rule returns when it gives no order."""
    return Action.NONE, 0.0, Cause.NONE


@numba.njit(cache=True, inline="always")
def offer(held, given):  # type: ignore[no-untyped-def]
    """The order an officer holds after a rule gives him `given`: it replaces `held` unless `held` is an order
    of priority as high or higher (the first order he gets stands whatever its priority)."""
    if given[0] != Action.NONE and (held[0] == Action.NONE or given[1] > held[1]):
        return given
    return held


@numba.njit(cache=True)
def top(values, eligible, k, out):  # type: ignore[no-untyped-def]
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


# The run-level rules.


@numba.njit(cache=True, inline="always")
def listening_rule(K, wins):  # type: ignore[no-untyped-def]
    """How far the ruler listens: `listening`, more as the war goes well (`listening_growth` a victory of his
    officers').  Trait `listens`; no priority."""
    return min(1.0, K.listening + K.listening_growth * wins)


@numba.njit(cache=True, inline="always")
def hold_orders(r, key_hold, K, hold):  # type: ignore[no-untyped-def]
    """Hold-position orders: front f holds iff its draw from a stream fixed for the run is below
    `hold_strictness`, so the same fronts keep the same orders.  Trait `strict_hold`; no priority."""
    for f in range(hold.shape[1]):
        hold[r, f] = 1 if uniform(key_hold, f, 0) < K.hold_strictness else 0


# The rules that choose officers by rank within the run, before any order is given.


@numba.njit(cache=True, inline="always")
def choose_sidelined(r, rec, war, month, war_end, K):  # type: ignore[no-untyped-def]
    """The most popular active officer of rank `sideline_rank` or more, `sideline_after_war` months after a
    victory, if his popularity is above `sideline_popularity`; -1 none (`sideline_victor`)."""
    if K.sideline_after_war >= 0 and war == War.VICTORY and month - war_end == K.sideline_after_war:
        best, best_pop = 0, -np.inf
        for i in range(rec.shape[1]):
            o = rec[r, i]
            pop = o.pop if (o.status == Status.ACTIVE and o.rank >= K.sideline_rank) else -1.0
            if pop > best_pop:
                best, best_pop = i, pop
        if best_pop > K.sideline_popularity:
            return best
    return -1


@numba.njit(cache=True, inline="always")
def choose_talent(r, rec, at_war, kind, K, value, pool, talent):  # type: ignore[no-untyped-def]
    """Marks in `talent` the `talent_promotions` active officers below the top rank believed best (`bc_mu`
    above `talent_bar`, less `talent_rank_penalty` a rank); at war only in senior posts (`promote_talent`)."""
    for i in range(rec.shape[1]):
        o = rec[r, i]
        senior = (
            kind[i] == PostKind.STAFF or kind[i] == PostKind.FRONT or kind[i] == PostKind.ARMY or kind[i] == PostKind.DISTRICT
        )
        pool[i] = o.status == Status.ACTIVE and o.rank < TOP_RANK and o.bc_mu > K.talent_bar and (not at_war or senior)
        value[i] = o.bc_mu - K.talent_rank_penalty * o.rank
        talent[i] = 0
    top(value, pool, int(K.talent_promotions), talent)


@numba.njit(cache=True, inline="always")
def choose_charmed(r, rec, kind, K, value, pool, charmed):  # type: ignore[no-untyped-def]
    """Marks in `charmed` the `charm` active holders of front, army or staff posts believed best (`charm_officer`)."""
    for i in range(rec.shape[1]):
        o = rec[r, i]
        k = kind[i]
        value[i] = (
            o.bc_mu
            if (o.status == Status.ACTIVE and (k == PostKind.FRONT or k == PostKind.ARMY or k == PostKind.STAFF))
            else -1.0
        )
        pool[i] = value[i] > 0
        charmed[i] = 0
    top(value, pool, int(K.charm), charmed)


@numba.njit(cache=True, inline="always")
def choose_top_targets(r, rec, K, value, pool, target):  # type: ignore[no-untyped-def]
    """The ruler's own choice of the top targets (the June 1937 trial was a decision, facts A8): marks in
    `target` the `top_targets` senior men he believes least loyal, the most senior and popular first; his
    clients are above the loyalty bar (`show_trial`)."""
    for i in range(rec.shape[1]):
        o = rec[r, i]
        pool[i] = o.status == Status.ACTIVE and o.rank >= K.top_target_rank and o.bl_mu < K.top_target_loyalty
        value[i] = (1.0 - o.bl_mu) + K.top_target_w_rank * o.rank / TOP_RANK + K.top_target_w_pop * o.pop
        target[i] = 0
    top(value, pool, int(K.top_targets), target)


@numba.njit(cache=True)
def exemplary_trials(r, V, kind, front, key, K, value, pool, example):  # type: ignore[no-untyped-def]
    """M3 with a budget: of the front commanders the ruler would punish (for a collapse, not his loyal failures;
    for a withdrawal against orders), the `scapegoat_budget` whose fronts reported the worst month are made an
    example, once a period of `scapegoat_period` months from the last round; the rest are relieved (the
    record's 1941: Pavlov's trial; Kuznetsov, Budyonny, Cherevichenko and others relieved or recalled; under
    Order 227 no front commander was tried).  Marks them in `example`."""
    rec, month, collapsed, reported, last_example = V.officers, V.month, V.collapsed, V.reported, V.last_example
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
        top(value, pool, int(K.scapegoat_budget), example)


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


# The personnel rules, in the order `decide_run` gives them.  Each returns its order for officer i.


@numba.njit(cache=True, inline="always")
def arrest_disloyal(o, threshold):  # type: ignore[no-untyped-def]
    """M14 -> M1: arrest on believed disloyalty above `threshold` (`arrest_disloyalty`, lower when paranoid by
    `paranoia_weight`).  No trait; no priority knob: the priority is the believed disloyalty."""
    if o.status == Status.ACTIVE and 1.0 - o.bl_mu > threshold:
        return order(Action.ARREST, 1.0 - o.bl_mu, Cause.RULER)
    return no_order()


@numba.njit(cache=True, inline="always")
def show_trial(K):  # type: ignore[no-untyped-def]
    """One of the ruler's top targets (`choose_top_targets`) tried and shot (facts A7, A8).  No trait;
    priority `priority_top_target`."""
    return order(Action.EXECUTE, K.priority_top_target, Cause.SHOW_TRIAL)


@numba.njit(cache=True, inline="always")
def reinstate_on_review(o, i, key, K):  # type: ignore[no-untyped-def]
    """The review commission: a discharged man's appeal upheld, `reinstate_rate` a month (facts A2, A5).  No
    trait; priority `priority_review`."""
    if K.reinstate_on > 0 and o.status == Status.DISCHARGED and uniform(key, i, 7) < K.reinstate_rate:
        return order(Action.REINSTATE, K.priority_review, Cause.REVIEW)
    return no_order()


@numba.njit(cache=True, inline="always")
def release_on_review(o, i, key, K):  # type: ignore[no-untyped-def]
    """Review of the sentenced (M10): an officer held longer than `release_after` released, `release_rate` a
    month.  No trait; priority `priority_review`."""
    if K.release_on > 0 and o.status == Status.ARRESTED and o.custody > K.release_after and uniform(key, i, 1) < K.release_rate:
        return order(Action.RELEASE, K.priority_review, Cause.REVIEW)
    return no_order()


@numba.njit(cache=True, inline="always")
def recall_loyal_failure(K):  # type: ignore[no-untyped-def]
    """M2: the loyal failure a scapegoat would be is recalled to a staff post, kept close.  Trait
    `keeps_loyal_failures`; priority `priority_loyal_recall`."""
    return order(Action.RECALL, K.priority_loyal_recall, Cause.FAILURE)


@numba.njit(cache=True, inline="always")
def scapegoat(i, chosen, loyal_failure, beyond_budget, key, K):  # type: ignore[no-untyped-def]
    """M3: the commander of a collapsed front (`chosen`, drawn with `scapegoat`) shot with `scapegoat_execute`,
    else arrested; a loyal failure recalled instead (`recall_loyal_failure`); a scapegoat beyond the budget of
    exemplary trials (`exemplary_trials`) spared, to be relieved.  Returns whether he was spared, and the order.
    Trait `scapegoats`; priority `priority_scapegoat`."""
    if not chosen:
        return False, no_order()
    if loyal_failure:
        return False, recall_loyal_failure(K)
    if beyond_budget:
        return True, no_order()
    if uniform(key, i, 3) < K.scapegoat_execute:
        return False, order(Action.EXECUTE, K.priority_scapegoat, Cause.SCAPEGOAT)
    return False, order(Action.ARREST, K.priority_scapegoat, Cause.SCAPEGOAT)


@numba.njit(cache=True, inline="always")
def reshuffle_remove(o, senior_post, at_peace, K):  # type: ignore[no-untyped-def]
    """A peacetime reshuffle of the high command: the holders of senior posts he rates below
    `reshuffle_below` make room (careers_1936_41.csv, May-June 1940).  No trait; priority `priority_failure`."""
    if K.reshuffle_on > 0 and o.status == Status.ACTIVE and senior_post and at_peace and o.bc_mu < K.reshuffle_below:
        return order(Action.REMOVE, K.priority_failure, Cause.REFORM)
    return no_order()


@numba.njit(cache=True, inline="always")
def reshuffle_promote(o, at_peace, K):  # type: ignore[no-untyped-def]
    """... and the men he believes most competent (`reshuffle_promote_above`) get the new general ranks, up to
    `reshuffle_promote_to` (June 1940).  No trait; priority `priority_merit`."""
    if (
        K.reshuffle_promote_above > 0
        and o.status == Status.ACTIVE
        and at_peace
        and o.bc_mu >= K.reshuffle_promote_above
        and o.rank < K.reshuffle_promote_to
    ):
        return order(Action.PROMOTE, K.priority_merit, Cause.REFORM)
    return no_order()


@numba.njit(cache=True, inline="always")
def withdrew_against_orders(o, i, key, K):  # type: ignore[no-untyped-def]
    """Whether the ruler punishes an active officer's withdrawal (drawn with `punish_withdrawal`,
    `arrest_for_withdrawal`)."""
    return o.status == Status.ACTIVE and o.withdrew == 1 and uniform(key, i, 4) < K.punish_withdrawal


@numba.njit(cache=True, inline="always")
def relieve_failure(o, i, lost, spared, loyal_failure, key, K):  # type: ignore[no-untyped-def]
    """A commander whose front collapsed or was defeated (`lost`, not a scapegoat) and whom the ruler rates
    below `relieve_below`, or one spared a trial: demoted with `demote_failures` (Kulik 1942), recalled if a
    loyal failure, else removed.  No trait; priority `priority_failure`."""
    # relieve_below 0 is the rule off: a belief's mean can fall below 0, and no ruler relieves for that alone
    failing = K.relieve_below > 0 and o.bc_mu < K.relieve_below
    if not ((lost and failing) or spared):
        return no_order()
    if uniform(key, i, 6) < K.demote_failures and o.rank > 0:
        return order(Action.DEMOTE, K.priority_failure, Cause.FAILURE)
    if loyal_failure:
        return order(Action.RECALL, K.priority_failure, Cause.FAILURE)
    return order(Action.REMOVE, K.priority_failure, Cause.FAILURE)


@numba.njit(cache=True, inline="always")
def arrest_for_withdrawal(K):  # type: ignore[no-untyped-def]
    """M7: an officer who withdrew against orders (`withdrew_against_orders`) arrested.  Trait `strict_hold`;
    priority `priority_withdrawal`."""
    return order(Action.ARREST, K.priority_withdrawal, Cause.UNAUTHORISED)


@numba.njit(cache=True, inline="always")
def rotate_winner(o, commands, K):  # type: ignore[no-untyped-def]
    """M4: keep the brilliant moving: a commander more popular than `rotate_popular` promoted and moved away
    from the troops, the more popular the sooner.  Trait `rotates_winners`; priority `priority_rotate`."""
    if K.rotate_on > 0 and o.status == Status.ACTIVE and commands and o.pop > K.rotate_popular:
        return order(Action.ROTATE, K.priority_rotate + o.pop, Cause.ROTATION)
    return no_order()


@numba.njit(cache=True, inline="always")
def sideline_victor(K):  # type: ignore[no-untyped-def]
    """M4: after victory the most popular marshal (`choose_sidelined`) sent to a district.  Trait
    `sidelines_victors`; priority `priority_sideline`."""
    return order(Action.SIDELINE, K.priority_sideline, Cause.SIDELINE)


@numba.njit(cache=True, inline="always")
def appoint_to_axis(K):  # type: ignore[no-untyped-def]
    """The decisive front to the man believed most competent (`decisive_axis`; Zhukov, October 1941 and November
    1944).  No trait; priority `priority_axis`."""
    return order(Action.APPOINT, K.priority_axis, Cause.AXIS)


@numba.njit(cache=True, inline="always")
def interrogate(o, i, at_war, key, K):  # type: ignore[no-untyped-def]
    """M5: break the tool to see if it still works: an officer who asks for autonomy interrogated, with
    `interrogate_autonomy` (at war only with `interrogate_in_war`).  Trait `interrogates`; priority
    `priority_interrogate`."""
    if (
        K.interrogate_autonomy > 0
        and o.status == Status.ACTIVE
        and o.requests == 1
        and (K.interrogate_in_war > 0 or not at_war)
        and uniform(key, i, 5) < K.interrogate_autonomy
    ):
        return order(Action.INTERROGATE, K.priority_interrogate, Cause.AUTONOMY)
    return no_order()


@numba.njit(cache=True, inline="always")
def promote_winner(o, i, commands, reported, at_war, key, K):  # type: ignore[no-untyped-def]
    """M12, M4: a commander whose front reported an advance of `success_km` or more promoted, with
    `promote_winners`.  No trait; priority `priority_merit`."""
    if (
        o.status == Status.ACTIVE
        and commands
        and reported >= K.success_km
        and at_war
        and o.rank < TOP_RANK
        and uniform(key, i, 1) < K.promote_winners
    ):
        return order(Action.PROMOTE, K.priority_merit, Cause.MERIT)
    return no_order()


@numba.njit(cache=True, inline="always")
def promote_talent(K):  # type: ignore[no-untyped-def]
    """M12: the officers of the talent search (`choose_talent`, `talent_promotions` a month) promoted.  Trait
    `talent_search`; priority `priority_talent`."""
    return order(Action.PROMOTE, K.priority_talent, Cause.TALENT)


@numba.njit(cache=True, inline="always")
def charm_officer(K):  # type: ignore[no-untyped-def]
    """M12: the ruler's personal attention to the commanders he believes best (`choose_charmed`, `charm` a
    month).  Trait `charms`; priority `priority_charm`."""
    return order(Action.CHARM, K.priority_charm, Cause.RULER)


@numba.njit(cache=True, inline="always")
def appointment_score(o, crisis, i, key, K):  # type: ignore[no-untyped-def]
    """M6: the officer's score for vacancies: the doctrine's weights (`w_competence` ... `w_popularity`); in a
    crisis with `crisis_appointment` need beats suspicion (`crisis_w_competence`, `crisis_w_seniority`); the
    army's own order with `routine_succession`.  Trait `crisis_appointments`; no priority (a score, not an
    order)."""
    seniority = o.rank / TOP_RANK + min(o.exper, K.seniority_months) / K.seniority_months
    if K.routine_succession > 0:  # the army's own order, in a crisis too (`passive`)
        return routine_score(o.rank, o.exper, o.bc_mu)
    if K.crisis_appointment > 0 and crisis == 1:
        return K.crisis_w_competence * o.bc_mu + K.crisis_w_seniority * seniority + K.score_noise * uniform(key, i, 0)
    return (
        K.w_competence * o.bc_mu
        + K.w_loyalty * o.bl_mu
        + K.w_seniority * seniority
        + K.w_popularity * o.pop
        + K.score_noise * uniform(key, i, 0)
    )


@numba.njit(cache=True, inline="always")
def crisis_release(o, crisis, K):  # type: ignore[no-untyped-def]
    """M6: in a crisis month with `crisis_appointment`, an arrested officer believed competent enough
    (`crisis_release`) released for a command.  Trait `crisis_appointments`; priority
    `priority_crisis_release`."""
    if (
        not K.routine_succession > 0
        and K.crisis_appointment > 0
        and crisis == 1
        and o.status == Status.ARRESTED
        and o.bc_mu >= K.crisis_release
    ):
        return order(Action.RELEASE, K.priority_crisis_release, Cause.CRISIS)
    return no_order()
