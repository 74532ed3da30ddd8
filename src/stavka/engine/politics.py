"""Step 8 of the month (docs/model.md §7.8-7.9): popularity, credit and challenges to the ruler."""

from __future__ import annotations

import numba

from ..rng import Purpose, stream_key, uniform
from .codes import Cause, Kind, PostKind, Status, War
from .common import emit, on_record, sigmoid
from .deputy import deputy_credit
from .security import arrest, execute


@numba.njit(cache=True)
def politics_step(r, t, W, S, P, log):  # type: ignore[no-untyped-def]
    """Step 8 (M4): credit from victories makes popularity; popularity, ambition, disloyalty and
    grievance with troops behind them make challenges to the ruler."""
    seed, run_id, post_kind, post_front = S.seed, S.run_ids[r], S.post_kind, S.post_front
    off, holder, fronts, run, ev, ev_n = W.off, W.holder, W.fronts, W.run, log.ev, log.ev_n
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
    the one in the communiques (Moscow, Stalingrad, Berlin), and he gains `decisive_popularity` more; the ruler's
    deputy, who coordinated it, `deputy_popularity` (`deputy.deputy_credit`)."""
    best, best_adv = -1, 0.0
    for f in range(fronts.shape[1]):
        F = fronts[r, f]
        if F.active and F.adv >= P.operations_victory_km and (best < 0 or F.adv > best_adv):
            best, best_adv = f, F.adv
    if best < 0:
        return
    commander = -1
    for p in range(holder.shape[1]):
        i = holder[r, p]
        if i >= 0 and post_front[p] == best and post_kind[p] == PostKind.FRONT:
            off[r, i].pop += P.politics_decisive_popularity * (1.0 - run[r].credit)
            commander = i
    deputy_credit(r, commander, off, run, P)  # the Stavka's representative coordinated it (§11.9)
