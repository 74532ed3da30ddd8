"""Step 1 of the month (docs/model.md §7.1): the calendar opens and closes fronts and starts the war."""

from __future__ import annotations

import numba

from .codes import Cause, Kind, PostKind, Status, War
from .common import emit, vacate

N_BORDER = 5


@numba.njit(cache=True)
def calendar_step(r, t, W, S, P, log):  # type: ignore[no-untyped-def]
    """Step 1: war begins, fronts open and close (`S.target[t]` fronts open)."""
    off, holder, fronts, run, ev, ev_n = W.off, W.holder, W.fronts, W.run, log.ev, log.ev_n
    post_kind, post_front, target, war_start, own_strength = (
        S.post_kind,
        S.post_front,
        S.target[t],
        S.war_start,
        P.operations_own_strength,
    )
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
