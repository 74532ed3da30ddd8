"""Step 3 of the month (docs/model.md §7.3): what the ruler sees of his officers, and the record's distinctions."""

from __future__ import annotations

import numba
import numpy as np

from ..rng import Purpose, normal, stream_key, uniform
from .codes import TOP_RANK, Cause, Kind, PostKind, Status, War
from .common import clip01, emit, kalman, rank_full


@numba.njit(cache=True)
def distinction_step(r, t, off, S, P, ev, ev_n):  # type: ignore[no-untyped-def]
    """The small wars of 1936-40 (Spain, Khasan, Khalkhin Gol, Poland, Finland) are not fought in the model; the
    record enters as the month of each named officer's first distinction (`S.distinction[slot]`, -1 none;
    roster column distinction_month).  The ruler reads it as evidence of competence, a commander's victory
    (`ruler.distinction_reading`) above a staff officer's or adviser's part (`ruler.staff_distinction_reading`,
    roster column distinction_role), and it makes him known."""
    distinction = S.distinction
    for i in range(distinction.shape[0]):
        if distinction[i] != t:
            continue
        o = off[r, i]
        if o.status != Status.ACTIVE or o.roster < 0:  # his slot's first officer, serving
            continue
        reading = P.ruler_staff_distinction_reading if S.distinction_staff[i] else P.ruler_distinction_reading
        o.bc_mu, o.bc_var = kalman(o.bc_mu, o.bc_var, reading, P.ruler_distinction_noise)
        o.pop = min(o.pop + P.ruler_distinction_popularity, P.politics_popularity_cap)
        emit(ev, ev_n, r, Kind.DISTINCTION, o.ident, -1, o.post, -1, Cause.NONE, o.bc_mu)
        if P.ruler_distinction_promotion > 0 and o.rank < TOP_RANK - 1 and not rank_full(r, off, o.rank + 1, P):
            o.rank += 1
            emit(ev, ev_n, r, Kind.PROMOTION, o.ident, -1, o.post, -1, Cause.MERIT, float(o.rank))


@numba.njit(cache=True)
def observe_step(r, t, W, S, P):  # type: ignore[no-untyped-def]
    """Step 3 (M1, M13): the ruler reads last month's reports and the organ's, and updates beliefs."""
    seed, run_id, post_kind, post_front = S.seed, S.run_ids[r], S.post_kind, S.post_front
    off, holder, fronts, run = W.off, W.holder, W.fronts, W.run
    R = run[r]
    n = off.shape[1]
    k = stream_key(seed, run_id, t, Purpose.OBSERVE)
    k_a = stream_key(seed, run_id, t, Purpose.AUTONOMY)
    if R.war == War.WAR:
        for p in range(holder.shape[1]):
            i = holder[r, p]
            if i < 0 or post_front[p] < 0:
                continue
            F = fronts[r, post_front[p]]
            if F.active == 0 or F.quality == 0.0:  # a front that has not fought yet tells nothing
                continue
            # The front's result as reported: fear inflates it ("maps never show fear").
            overstatement = (F.reported - F.adv) / P.operations_km_per_log_odds
            sd = P.ruler_observe_noise * (1.0 if post_kind[p] == PostKind.FRONT else P.ruler_army_noise_factor)
            obs = F.quality + overstatement + sd * normal(k, i, 0)
            o = off[r, i]
            o.bc_mu, o.bc_var = kalman(o.bc_mu, o.bc_var, obs, sd)
    trust = max(R.organ_trust, P.ruler_organ_trust_floor)
    top_pop = 0.0
    for i in range(n):
        o = off[r, i]
        if o.status != Status.ACTIVE:
            o.requests = 0
            continue
        if o.post >= 0:  # the service record: every post shows a little of a man's competence
            sd = P.ruler_observe_noise * (P.ruler_record_noise_war if R.war == War.WAR else P.ruler_record_noise_peace)
            o.bc_mu, o.bc_var = kalman(o.bc_mu, o.bc_var, o.comp + sd * normal(k, i, 2), sd)
        if o.susp > P.ruler_dossier_threshold:  # the organ reports on him; how much it counts depends on trust in the organ
            # Evidence saturates: a dossier twice as thick is not twice as damning.
            obs = 1.0 - o.susp / (1.0 + o.susp) + P.ruler_organ_noise * normal(k, i, 1)
            o.bl_mu, o.bl_var = kalman(o.bl_mu, o.bl_var, obs, P.ruler_organ_noise / np.sqrt(trust))
        if o.withdrew:
            o.bl_mu, o.bl_var = kalman(o.bl_mu, o.bl_var, P.ruler_withdrawal_loyalty, P.ruler_withdrawal_noise)
        ask = (
            P.ruler_autonomy_rate * o.comp * P.ruler_autonomy_competence * o.ambition * P.ruler_autonomy_ambition * (1.0 - o.fear)
        )
        o.requests = 1 if (o.post >= 0 and uniform(k_a, i, 0) < ask) else 0
        if o.post >= 0 and o.pop > top_pop:
            top_pop = o.pop
    R.paranoia = clip01(
        R.paranoia
        + P.ruler_paranoia_decay * (P.ruler_paranoia_start - R.paranoia)
        + P.ruler_paranoia_popularity * max(0.0, top_pop - P.ruler_paranoia_popularity_floor)
        + P.ruler_paranoia_challenge * R.challenges_month
    )
    R.challenges_month = 0
