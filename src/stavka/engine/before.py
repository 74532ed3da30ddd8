"""Steps 1-3 of the month: calendar, the security organ, the ruler's observation."""

from __future__ import annotations

import numba
import numpy as np

from ..rng import Purpose, normal, stream_key, uniform
from .codes import TOP_RANK, Cause, Kind, PostKind, Status, War
from .common import clip01, emit, kalman, mark_repressed, on_record, rank_full, vacate

N_BORDER = 5


@numba.njit(cache=True)
def calendar_step(r, t, off, holder, fronts, run, post_kind, post_front, target, war_start, own_strength, P, ev, ev_n):  # type: ignore[no-untyped-def]
    """Step 1: war begins, fronts open and close."""
    R = run[r]
    if R.war == War.PEACE and t == war_start:
        R.war = War.WAR
        emit(ev, ev_n, r, Kind.WAR, -1, -1, -1, -1, Cause.WAR_BEGINS, 0.0)
        for i in range(off.shape[1]):
            o = off[r, i]
            # Senior: a staff, front, army or district post when the war began (corps and division
            # commands are the pipeline below; counting them too makes the metric saturate near 1).
            if o.status == Status.ACTIVE and o.post >= 0 and post_kind[o.post] != PostKind.CORPS:
                o.senior_at_war = 1
    n_front = fronts.shape[1]
    if R.war == War.WAR:
        active = 0
        depth_sum = 0.0
        enemy_sum = 0.0
        for f in range(n_front):
            if fronts[r, f].active:
                active += 1
                depth_sum += fronts[r, f].depth
                enemy_sum += fronts[r, f].enemy
        for f in range(n_front):  # open the lowest free slots
            if active >= target:
                break
            if fronts[r, f].active == 0:
                F = fronts[r, f]
                F.active = 1
                F.depth = depth_sum / active if active > 0 else 0.0
                if active > 0:  # the enemy spreads over one more front: no troops from nowhere
                    share = enemy_sum / (active + 1)
                    for g in range(n_front):
                        if fronts[r, g].active:
                            fronts[r, g].enemy *= active / (active + 1.0)
                    F.enemy = share
                    enemy_sum = share * (active + 1)
                F.own = P.operations_new_front_strength * own_strength
                F.hold = 0
                F.quality = 0.0
                active += 1
                emit(ev, ev_n, r, Kind.DIRECTIVE, -1, -1, -1, f, Cause.FRONT_OPENED, 0.0)
        for f in range(n_front - 1, N_BORDER - 1, -1):  # close the highest, never the border fronts
            if active <= target:
                break
            if fronts[r, f].active:
                close_front(r, f, off, holder, fronts, post_kind, post_front, ev, ev_n)
                active -= 1
    elif R.war == War.VICTORY and t == R.war_end + int(P.operations_demobilisation_months):
        for f in range(N_BORDER, n_front):  # demobilisation: fronts become groups and districts
            if fronts[r, f].active:
                close_front(r, f, off, holder, fronts, post_kind, post_front, ev, ev_n)


@numba.njit(cache=True)
def close_front(r, f, off, holder, fronts, post_kind, post_front, ev, ev_n):  # type: ignore[no-untyped-def]
    fronts[r, f].active = 0
    emit(ev, ev_n, r, Kind.DIRECTIVE, -1, -1, -1, f, Cause.FRONT_CLOSED, 0.0)
    for p in range(holder.shape[1]):
        if post_front[p] == f and holder[r, p] >= 0:
            i = holder[r, p]
            emit(ev, ev_n, r, Kind.TRANSFER, off[r, i].ident, -1, p, f, Cause.REORGANISATION, 0.0)
            vacate(off, holder, r, i)


@numba.njit(cache=True)
def security_step(r, t, seed, run_id, off, holder, run, P, ev, ev_n):  # type: ignore[no-untyped-def]
    """Step 2 (M14, M10): denunciations raise suspicion; quotas turn suspicion into arrests; custody
    brings interrogation and trial."""
    R = run[r]
    n = off.shape[1]
    k_den = stream_key(seed, run_id, t, Purpose.DENOUNCE)
    k_sig = stream_key(seed, run_id, t, Purpose.DENOUNCE_SIGNAL)
    n_active = 0
    fear_sum = 0.0
    for i in range(n):
        if off[r, i].status == Status.ACTIVE:
            n_active += 1
            fear_sum += off[r, i].fear
    mean_fear = fear_sum / max(n_active, 1)
    quota_on = 1.0 if R.purge_quota > 0 else 0.0
    for i in range(n):
        o = off[r, i]
        if o.status != Status.ACTIVE:
            continue
        o.susp *= P.security_suspicion_decay
        patron_hit = 0.0
        if o.patron >= 0:
            ps = off[r, o.patron].status
            if ps == Status.ARRESTED or ps == Status.EXECUTED:
                patron_hit = 1.0
        hazard = (
            P.security_denounce_rate
            * (1.0 + P.security_quota_denounce_boost * quota_on)
            * (1.0 + P.security_fear_denounce_boost * mean_fear)
            * (1.0 + P.security_rank_denounce * o.rank)
            * (1.0 + P.security_association_boost * patron_hit)
            * (1.0 + P.security_watched_denounce * o.watched)
        )
        u = uniform(k_den, i, 0)
        # 1 - exp(-h) <= h (to within an ulp): a draw above h + 1e-12 cannot be a denunciation, and the
        # exact test, exp and all, is needed only below it.  Same outcome, a twentieth of the exps.
        if u < hazard + 1e-12 and u < 1.0 - np.exp(-hazard):
            signal = P.security_accuracy * (1.0 - o.loyal) + P.security_false_accusation * uniform(k_sig, i, 0)
            o.susp += signal
            other = -1
            start = int(uniform(k_den, i, 1) * n)
            for step in range(n):  # the accuser: the first serving officer from a random place
                j = (start + step) % n
                if j != i and off[r, j].status == Status.ACTIVE:
                    other = off[r, j].ident
                    break
            emit(ev, ev_n, r, Kind.DENUNCIATION, o.ident, other, o.post, -1, Cause.NONE, signal)
            if quota_on > 0 and uniform(k_den, i, 2) < expulsion_chance(o.rank, P) and not on_record(o, t, P):
                discharge(r, i, off, holder, ev, ev_n)
    # Arrests by quota (M10): the organ takes the most suspected, serving or discharged, up to its monthly
    # limit; a senior man the ruler trusts needs a sanction he refuses (his clients, facts A7).
    if R.purge_quota > 0:
        k_q = stream_key(seed, run_id, t, Purpose.QUOTA)
        n_arrest = int(R.purge_quota * n_active + uniform(k_q, 0, 0))
        for _ in range(n_arrest):
            best = -1
            best_s = -1.0
            for i in range(n):
                o = off[r, i]
                if (
                    (o.status == Status.ACTIVE or o.status == Status.DISCHARGED)
                    and not (o.rank >= P.security_sanction_rank and o.bl_mu >= P.security_sanction_loyalty)
                    and not on_record(o, t, P)
                ):
                    s = o.susp + P.security_quota_jitter * uniform(k_q, i, 1)
                    if s > best_s:
                        best_s = s
                        best = i
            if best < 0:
                break
            arrest(r, best, off, holder, run, P, ev, ev_n, Cause.QUOTA)
    # Custody: interrogation in the first month, trial after the delay.
    k_t = stream_key(seed, run_id, t, Purpose.TRIAL)
    for i in range(n):
        o = off[r, i]
        if o.status != Status.ARRESTED:
            continue
        o.custody += 1
        if o.custody == 1:
            o.trauma = min(1.0, o.trauma + P.security_interrogation_trauma)
            o.griev = min(1.0, o.griev + P.security_custody_grievance)
            R.interrogations += 1
            emit(ev, ev_n, r, Kind.INTERROGATION, o.ident, -1, -1, -1, Cause.CUSTODY, 0.0)
        if o.custody == int(P.security_trial_delay) and uniform(k_t, i, 0) < R.execute_share and not on_record(o, t, P):
            execute(r, i, off, run, ev, ev_n, Cause.TRIAL)


@numba.njit(cache=True)
def expulsion_chance(rank, P):  # type: ignore[no-untyped-def]
    """Chance that a man denounced in a purge is expelled and discharged: falling with rank, since at the
    top the organ arrested rather than discharged (facts A3)."""
    return P.security_expulsion_share * max(0.0, 1.0 - P.security_expulsion_rank_slope * rank)


@numba.njit(cache=True)
def discharge(r, i, off, holder, ev, ev_n):  # type: ignore[no-untyped-def]
    """Party expulsion and discharge (Reese's second process, facts A6): out of his post and the army, not
    arrested; the organ may still take him, the review commission may return him (`Action.REINSTATE`)."""
    o = off[r, i]
    emit(ev, ev_n, r, Kind.DISCHARGE, o.ident, -1, o.post, -1, Cause.EXPULSION, float(o.rank))
    vacate(off, holder, r, i)
    o.status = Status.DISCHARGED


@numba.njit(cache=True)
def arrest(r, i, off, holder, run, P, ev, ev_n, cause):  # type: ignore[no-untyped-def]
    o = off[r, i]
    emit(ev, ev_n, r, Kind.ARREST, o.ident, -1, o.post, -1, cause, 0.0)
    vacate(off, holder, r, i)
    o.status = Status.ARRESTED
    o.custody = 0
    run[r].arrests += 1
    mark_repressed(off, run, r, i, P.politics_loyal_threshold)


@numba.njit(cache=True)
def execute(r, i, off, run, ev, ev_n, cause):  # type: ignore[no-untyped-def]
    o = off[r, i]
    o.status = Status.EXECUTED
    run[r].executions += 1
    emit(ev, ev_n, r, Kind.EXECUTION, o.ident, -1, -1, -1, cause, 0.0)


@numba.njit(cache=True)
def distinction_step(r, t, off, distinction, P, ev, ev_n):  # type: ignore[no-untyped-def]
    """The small wars of 1936-40 (Spain, Khasan, Khalkhin Gol, Poland, Finland) are not fought in the model; the
    record enters as the month of each named officer's first distinction (`distinction[slot]`, -1 none;
    roster column distinction_month).  The ruler reads it as evidence of competence, and it makes him known."""
    for i in range(distinction.shape[0]):
        if distinction[i] != t:
            continue
        o = off[r, i]
        if o.status != Status.ACTIVE or o.roster < 0:  # his slot's first officer, serving
            continue
        o.bc_mu, o.bc_var = kalman(o.bc_mu, o.bc_var, P.ruler_distinction_reading, P.ruler_distinction_noise)
        o.pop = min(o.pop + P.ruler_distinction_popularity, P.politics_popularity_cap)
        emit(ev, ev_n, r, Kind.DISTINCTION, o.ident, -1, o.post, -1, Cause.NONE, o.bc_mu)
        if P.ruler_distinction_promotion > 0 and o.rank < TOP_RANK - 1 and not rank_full(r, off, o.rank + 1, P):  # the Hero's
            o.rank += 1
            emit(ev, ev_n, r, Kind.PROMOTION, o.ident, -1, o.post, -1, Cause.MERIT, float(o.rank))


@numba.njit(cache=True)
def observe_step(r, t, seed, run_id, off, holder, fronts, run, post_kind, post_front, P):  # type: ignore[no-untyped-def]
    """Step 3 (M1, M13): the ruler reads last month's reports and the organ's, and updates beliefs."""
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
