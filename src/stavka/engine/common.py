"""Small compiled helpers shared by the phases of the month."""

from __future__ import annotations

import numba
import numpy as np

from .codes import TOP_RANK, Status


@numba.njit(cache=True, inline="always")
def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


@numba.njit(cache=True, inline="always")
def clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


@numba.njit(cache=True)
def emit(ev, ev_n, r, kind, officer, other, post, front, cause, value):  # type: ignore[no-untyped-def]
    """Append one event to run r's buffer for this month (the true ledger, step 10)."""
    n = ev_n[r]
    if n < ev.shape[1]:
        e = ev[r, n]
        e.kind = kind
        e.officer = officer
        e.other = other
        e.post = post
        e.front = front
        e.cause = cause
        e.value = value
    ev_n[r] = n + 1


@numba.njit(cache=True, inline="always")
def on_record(o, t, P):  # type: ignore[no-untyped-def]
    """A named officer in a month of a run that follows the record (`scenario.follow_record_until`): his fate is
    the record's, imposed by the record's player (`stavka.record.follow`), not a draw: the organ does not take him,
    no trial, death in battle, capture, retirement or challenge of his own."""
    return o.roster >= 0 and t < P.record_follow_until


@numba.njit(cache=True)
def vacate(off, holder, r, i):  # type: ignore[no-untyped-def]
    p = off[r, i].post
    if p >= 0:
        holder[r, p] = -1
        off[r, i].post = -1
        off[r, i].tenure = 0


@numba.njit(cache=True)
def mark_repressed(off, run, r, i, loyal_threshold):  # type: ignore[no-untyped-def]
    """Bookkeeping for `innocent_share`: judged on true loyalty at the moment of repression."""
    run[r].repressed_month += 1
    if off[r, i].repressed == 0:
        off[r, i].repressed = 1
        run[r].repressed_n += 1
        if off[r, i].loyal >= loyal_threshold:
            run[r].repressed_innocent += 1


@numba.njit(cache=True)
def kalman(mu, var, obs, noise_sd):  # type: ignore[no-untyped-def]
    gain = var / (var + noise_sd * noise_sd)
    return mu + gain * (obs - mu), var * (1.0 - gain)


@numba.njit(cache=True)
def count_active(off, r):  # type: ignore[no-untyped-def]
    n = 0
    for i in range(off.shape[1]):
        if off[r, i].status == Status.ACTIVE:
            n += 1
    return n


# The army's own order of succession (`passive`, and any policy with `routine_succession`): rank first (ten per
# rank outweighs everything after it), then experience up to four years, counted in years, then record as the
# ruler reads it (`bc_mu`, 0..1).  One definition for the compiled policy and `RulerView.routine_score`.
ROUTINE_RANK_WEIGHT = 10.0
ROUTINE_EXPER_CAP = 48.0  # months
MONTHS_PER_YEAR = 12.0


@numba.njit(cache=True, inline="always")
def routine_score(rank, exper, bc_mu):  # type: ignore[no-untyped-def]
    return rank * ROUTINE_RANK_WEIGHT + min(exper, ROUTINE_EXPER_CAP) / MONTHS_PER_YEAR + bc_mu


# Officer-length scratch for the steps that need temporaries (the policy, `apply_decisions`,
# `fill_vacancies`): allocated by the caller once per run, not by each step every month, where the
# allocations cost about a sixth of the compiled month.  It means nothing between calls, except row
# AXIS_ROW: the post of each officer's APPOINT order, from the policy (`policy.decisive_axis`) to the
# appointments of the same month (`command.appoint_run`).
WORK_ROWS = 8
AXIS_ROW = 7


@numba.njit(cache=True)
def new_work(n):  # type: ignore[no-untyped-def]
    """Scratch for a corps of n officers: (WORK_ROWS, n) integers and n floats."""
    return np.empty((WORK_ROWS, n), dtype=np.int64), np.empty(n)


@numba.njit(cache=True)
def rank_full(r, off, rank, P):  # type: ignore[no-untyped-def]
    """Whether `rank` holds its establishment already: as many serving officers as `command.marshal_cap` (Marshal)
    or `command.army_general_cap` (Army General) allow, 0 no cap; the lower ranks have none.  No promotion goes
    into a full rank (the record: the Marshal's rank conferred one man at a time, by decree)."""
    if rank == TOP_RANK:
        cap = int(P.command_marshal_cap)
    elif rank == TOP_RANK - 1:
        cap = int(P.command_army_general_cap)
    else:
        return False
    if cap <= 0:
        return False
    n = 0
    for i in range(off.shape[1]):
        if off[r, i].rank == rank and off[r, i].status == Status.ACTIVE:
            n += 1
    return n >= cap
