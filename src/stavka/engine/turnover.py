"""Step 11 of the month (docs/model.md §7.12): retirement, death and the new generation."""

from __future__ import annotations

import numba
import numpy as np

from ..rng import Purpose, normal, stream_key, uniform
from .codes import Cause, Kind, Status
from .common import MONTHS_PER_YEAR, emit, on_record, vacate


@numba.njit(cache=True)
def turnover_step(r, t, W, S, P, log):  # type: ignore[no-untyped-def]
    """Step 11: ageing, retirement, natural loss; once a year (`S.calendar_month[t]`) empty slots take new
    colonels, drawn as the corps was (`P.corps_*`)."""
    seed, run_id, calendar_month = S.seed, S.run_ids[r], S.calendar_month[t]
    off, holder, generation, ev, ev_n = W.off, W.holder, W.generation, log.ev, log.ev_n
    corps_comp, corps_loyal, corps_ambition = P.corps_competence_mean, P.corps_loyalty_mean, P.corps_ambition_mean
    corps_kappa, prior_var = P.corps_trait_concentration, P.ruler_prior_var
    k = stream_key(seed, run_id, t, Purpose.AGEING)
    n = off.shape[1]
    for i in range(n):
        o = off[r, i]
        o.age += 1.0 / MONTHS_PER_YEAR
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
