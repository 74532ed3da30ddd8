"""Steps 7-9 and 11 of the month: learning, popularity and challenges, fear and loyalty, turnover."""

from __future__ import annotations

import numba
import numpy as np

from ..rng import Purpose, normal, stream_key, uniform
from .before import arrest, execute
from .codes import Cause, Kind, PostKind, Status, War
from .common import clip01, count_active, emit, on_record, sigmoid, vacate


@numba.njit(cache=True)
def learning_step(r, off, fronts, run, post_kind, P):  # type: ignore[no-untyped-def]
    """Step 7 (M11): experience in war commands; corps-wide lessons, collated or not."""
    R = run[r]
    for i in range(off.shape[1]):
        if off[r, i].post >= 0:
            off[r, i].tenure = min(off[r, i].tenure + 1, 1000)
    if R.war != War.WAR:
        return
    for i in range(off.shape[1]):
        o = off[r, i]
        if o.status != Status.ACTIVE or o.post < 0:
            continue
        k = post_kind[o.post]
        if k == PostKind.FRONT or k == PostKind.ARMY:
            o.exper += 1.0
            o.comp += P.learning_competence_gain * (1.0 - o.comp)
        elif k == PostKind.CORPS:
            o.exper += P.learning_corps_experience
    battles = 0
    for f in range(fronts.shape[1]):
        F = fronts[r, f]
        if F.active and (abs(F.adv) >= P.operations_victory_km or F.encircled):
            battles += 1
    if battles > 0:
        rate = P.learning_lessons_rate * (1.0 if R.collate else P.learning_lessons_uncollated)
        R.lessons += rate * (P.learning_lessons_cap - R.lessons)


@numba.njit(cache=True)
def politics_step(r, t, seed, run_id, off, holder, fronts, run, post_kind, post_front, P, ev, ev_n):  # type: ignore[no-untyped-def]
    """Step 8 (M4): credit from victories makes popularity; popularity, ambition, disloyalty and
    grievance with troops behind them make challenges to the ruler."""
    R = run[r]
    k = stream_key(seed, run_id, t, Purpose.CHALLENGE)
    R.scapegoat_index *= P.captivity_scapegoat_decay
    fought = R.war == War.WAR or (R.war == War.VICTORY and R.war_end == t)  # a front's `adv` is last fought month's
    if fought:  # credit for this month's victories
        for p in range(holder.shape[1]):
            f = post_front[p]
            i = holder[r, p]
            if f < 0 or i < 0 or fronts[r, f].active == 0:
                continue
            if fronts[r, f].adv >= P.operations_victory_km:
                share = 1.0 if post_kind[p] == PostKind.FRONT else P.politics_army_credit
                off[r, i].pop += share * P.politics_victory_popularity * (1.0 - R.credit)
        decisive_front(r, off, holder, fronts, run, post_kind, post_front, P)
    for i in range(off.shape[1]):
        o = off[r, i]
        o.pop = min(o.pop * P.politics_popularity_decay, P.politics_popularity_cap)
        if R.ruler_alive == 0 or o.status != Status.ACTIVE or o.post < 0:
            continue
        if post_kind[o.post] == PostKind.CORPS or on_record(o, t, P):
            continue
        pull = (
            P.politics_challenge_base
            + P.politics_challenge_popularity * o.pop * motive(o, P)
            + P.politics_challenge_ambition * o.ambition
            + P.politics_challenge_disloyalty * (1.0 - o.loyal)
            + P.politics_challenge_grievance * o.griev
            + P.politics_challenge_fear * o.fear
        )
        if uniform(k, i, 0) >= sigmoid(pull):
            continue
        R.challenges += 1
        R.challenges_month += 1
        success = sigmoid(
            P.politics_challenge_success_base
            + P.politics_challenge_success_popularity * o.pop
            + P.politics_challenge_success_paranoia * R.paranoia
        )
        if uniform(k, i, 1) < success and t >= P.record_follow_until:  # (following the record: Stalin ruled on)
            R.ruler_alive = 0
            R.purge_quota = 0.0  # the new leadership ends the old one's quotas
            emit(ev, ev_n, r, Kind.CHALLENGE, o.ident, -1, o.post, -1, Cause.SUCCESSFUL_CHALLENGE, o.pop)
        else:
            emit(ev, ev_n, r, Kind.CHALLENGE, o.ident, -1, o.post, -1, Cause.FAILED_CHALLENGE, o.pop)
            if o.repressed == 0:  # a plotter is no innocent victim, whatever his loyalty score
                o.repressed = 1
                R.repressed_n += 1
            arrest(r, i, off, holder, run, P, ev, ev_n, Cause.FAILED_CHALLENGE)
            execute(r, i, off, run, ev, ev_n, Cause.FAILED_CHALLENGE)


@numba.njit(cache=True)
def motive(o, P):  # type: ignore[no-untyped-def]
    """How much of his popularity a man would turn against the ruler: a floor that needs no motive, the
    rest in proportion to his disaffection (disloyalty and grievance, at most 1).  Popularity is the means
    of a challenge; disaffection is its motive (a popular, loyal marshal is no plotter)."""
    floor = P.politics_challenge_motive_floor
    return floor + (1.0 - floor) * min(1.0 - o.loyal + o.griev, 1.0)


@numba.njit(cache=True)
def decisive_front(r, off, holder, fronts, run, post_kind, post_front, P):  # type: ignore[no-untyped-def]
    """The month's decisive front: the one with the largest advance, if a victory; its commander's name is
    the one in the communiques (Moscow, Stalingrad, Berlin), and he gains `decisive_popularity` more."""
    best, best_adv = -1, 0.0
    for f in range(fronts.shape[1]):
        F = fronts[r, f]
        if F.active and F.adv >= P.operations_victory_km and (best < 0 or F.adv > best_adv):
            best, best_adv = f, F.adv
    if best < 0:
        return
    for p in range(holder.shape[1]):
        i = holder[r, p]
        if i >= 0 and post_front[p] == best and post_kind[p] == PostKind.FRONT:
            off[r, i].pop += P.politics_decisive_popularity * (1.0 - run[r].credit)


@numba.njit(cache=True)
def morale_step(r, off, run, P):  # type: ignore[no-untyped-def]
    """Step 9 (M13): fear spreads with the repression of peers and patrons; grievance erodes loyalty."""
    R = run[r]
    rate = R.repressed_month / max(count_active(off, r), 1)
    for i in range(off.shape[1]):
        o = off[r, i]
        if o.status != Status.ACTIVE and o.status != Status.CAPTURED and o.status != Status.ARRESTED:
            continue
        assoc = 0.0
        if o.patron >= 0:
            ps = off[r, o.patron].status
            if ps == Status.ARRESTED or ps == Status.EXECUTED:
                assoc = P.politics_association_exposure
        o.fear = clip01(
            o.fear
            + P.politics_fear_repression * rate
            + P.politics_fear_association * assoc
            + P.politics_fear_recovery * (P.politics_fear_baseline - o.fear)
        )
        o.griev *= P.politics_grievance_decay
        o.loyal = clip01(o.loyal - P.politics_loyalty_erosion * o.griev * o.loyal)
    R.repressed_month = 0


@numba.njit(cache=True)
def turnover_step(
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
    corps_comp,
    corps_loyal,
    corps_ambition,
    corps_kappa,
    prior_var,
    ev,
    ev_n,
):  # type: ignore[no-untyped-def]
    """Step 11: ageing, retirement, natural loss; once a year empty slots take new colonels."""
    k = stream_key(seed, run_id, t, Purpose.AGEING)
    n = off.shape[1]
    for i in range(n):
        o = off[r, i]
        o.age += 1.0 / 12.0
        if o.status != Status.ACTIVE or on_record(o, t, P):
            continue
        if o.age > P.turnover_retirement_age and uniform(k, i, 0) < P.turnover_retirement_rate:
            emit(ev, ev_n, r, Kind.RETIREMENT, o.ident, -1, o.post, -1, Cause.AGE, o.age)
            vacate(off, holder, r, i)
            o.status = Status.RETIRED
        elif uniform(k, i, 1) < P.turnover_attrition:
            emit(ev, ev_n, r, Kind.DEATH, o.ident, -1, o.post, -1, Cause.NONE, o.age)
            vacate(off, holder, r, i)
            o.status = Status.DEAD
    if calendar_month != int(P.turnover_intake_month):
        return
    k_in = stream_key(seed, run_id, t, Purpose.INTAKE)
    sd_c = np.sqrt(corps_comp * (1 - corps_comp) / (corps_kappa + 1))
    sd_l = np.sqrt(corps_loyal * (1 - corps_loyal) / (corps_kappa + 1))
    sd_a = np.sqrt(corps_ambition * (1 - corps_ambition) / (corps_kappa + 1))
    for i in range(n):
        o = off[r, i]
        s = o.status
        if s == Status.ACTIVE or s == Status.ARRESTED or s == Status.CAPTURED or s == Status.DISCHARGED:
            continue
        generation[r, i] += 1
        o.ident = i + n * generation[r, i]
        o.status = Status.ACTIVE
        o.rank = 0
        o.post = -1
        o.comp = min(max(corps_comp + sd_c * normal(k_in, i, 0), P.turnover_trait_min), P.turnover_trait_max)
        o.loyal = min(max(corps_loyal + sd_l * normal(k_in, i, 1), P.turnover_trait_min), P.turnover_trait_max)
        o.ambition = min(max(corps_ambition + sd_a * normal(k_in, i, 2), P.turnover_trait_min), P.turnover_trait_max)
        o.age = P.turnover_intake_age + P.turnover_intake_age_span * uniform(k_in, i, 6)
        o.exper = 0.0
        o.tenure = 0
        o.pop = 0.0
        o.fear = P.politics_fear_baseline
        o.griev = 0.0
        o.trauma = 0.0
        o.susp = 0.0
        o.bc_mu = corps_comp
        o.bc_var = prior_var
        o.bl_mu = corps_loyal
        o.bl_var = prior_var
        o.wins = 0
        o.defeats = 0
        o.custody = 0
        o.captive = 0
        o.requests = 0
        o.withdrew = 0
        o.watched = 0
        o.senior_at_war = 0
        o.repressed = 0
        o.roster = -1
        patron = int(uniform(k_in, i, 7) * n)
        o.patron = patron if (patron != i and off[r, patron].rank >= int(P.turnover_patron_min_rank)) else -1
