"""Step 2 of the month (docs/model.md §7.2): the security organ's denunciations, arrests, expulsions and trials."""

from __future__ import annotations

import numba
import numpy as np

from ..rng import Purpose, stream_key, uniform
from .codes import Cause, Kind, Status
from .common import emit, mark_repressed, on_record, vacate


@numba.njit(cache=True)
def security_step(r, t, W, S, P, log):  # type: ignore[no-untyped-def]
    """Step 2 (M14, M10): denunciations raise suspicion; quotas turn suspicion into arrests; custody
    brings interrogation and trial."""
    seed, run_id, off, holder, run, ev, ev_n = S.seed, S.run_ids[r], W.off, W.holder, W.run, log.ev, log.ev_n
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
