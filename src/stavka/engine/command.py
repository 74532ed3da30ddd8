"""Step 4 of the month: the doctrine's decisions take effect within the ruler's attention, then
vacancies are filled from the top down by the doctrine's preference (crisis appointments included)."""

from __future__ import annotations

import numba
import numpy as np

from ..rng import Purpose, normal, stream_key, uniform
from .codes import TOP_RANK, Action, Cause, Kind, PostKind, Status, War
from .common import clip01, emit, kalman, on_record, rank_full, vacate
from .security import arrest, execute


@numba.njit(cache=True)
def apply_decisions(r, W, S, P, plan, k_int, log, work_int):  # type: ignore[no-untyped-def]
    """Carry out the `plan.budget[r]` highest-priority personnel actions of run r, and its hold orders
    (`work_int`: scratch)."""
    off, fronts, run, ev, ev_n = W.off, W.fronts, W.run, log.ev, log.ev_n
    action, priority, cause, hold, budget = plan.action, plan.priority, plan.cause, plan.hold, plan.budget[r]
    n = off.shape[1]
    order = work_int[0]
    m = 0
    for i in range(n):
        if action[r, i] == Action.REINSTATE:  # the review commission's work, not the ruler's attention
            reinstate(r, i, off, run, cause[r, i], ev, ev_n)
        elif action[r, i] != Action.NONE:
            order[m] = i
            m += 1
    by_priority(order, m, priority[r])
    for j in range(min(budget, m)):
        i = order[j]
        act_on(r, i, action[r, i], cause[r, i], W, S, k_int, P, log)
    for f in range(fronts.shape[1]):
        F = fronts[r, f]
        if F.active and hold[r, f] != F.hold:
            F.hold = hold[r, f]
            emit(ev, ev_n, r, Kind.DIRECTIVE, -1, -1, -1, f, Cause.HOLD if F.hold else Cause.INITIATIVE, 0.0)


@numba.njit(cache=True)
def reinstate(r, i, off, run, why, ev, ev_n):  # type: ignore[no-untyped-def]
    """A discharged officer returned to the army on review (facts A2): active again, in the reserve."""
    o = off[r, i]
    if o.status != Status.DISCHARGED:
        return
    o.status = Status.ACTIVE
    if why == Cause.NONE:
        why = np.int8(Cause.REVIEW)
    emit(ev, ev_n, r, Kind.REINSTATEMENT, o.ident, -1, -1, -1, why, float(o.rank))


@numba.njit(cache=True)
def ladder_step(r, t, W, S, P, log):  # type: ignore[no-untyped-def]
    """The career ladder: an officer settled in a post (`ladder_tenure` months) whose rank is below the post's
    establishment rank (its minimum plus `ladder_rank_steps`) is promoted in it with chance `ladder_rate` a
    month.  With the appointments of `fill_vacancies` (which promote to a post's minimum), vacancies, the
    purge's above all, are filled by promotion from below.  The chief of the General Staff (post `chief`) ranks
    one step above the other staff posts.  Draws: purpose LADDER, (officer, 0)."""
    seed, run_id, off, post_min_rank, chief, ev, ev_n = (
        S.seed,
        S.run_ids[r],
        W.off,
        S.post_min_rank,
        S.fill_order[0],
        log.ev,
        log.ev_n,
    )
    if P.command_ladder_rate <= 0.0:
        return
    k = stream_key(seed, run_id, t, Purpose.LADDER)
    steps = int(P.command_ladder_rank_steps)
    for i in range(off.shape[1]):
        o = off[r, i]
        if o.status != Status.ACTIVE or o.post < 0 or o.tenure < P.command_ladder_tenure or on_record(o, t, P):
            continue  # (a named man's rank, while a run follows the record, is the record's)
        top = post_min_rank[o.post] + steps + (1 if o.post == chief else 0)
        if o.rank < min(top, TOP_RANK - 1) and uniform(k, i, 0) < P.command_ladder_rate and not rank_full(r, off, o.rank + 1, P):
            o.rank += 1
            emit(ev, ev_n, r, Kind.PROMOTION, o.ident, -1, o.post, -1, Cause.LADDER, float(o.rank))


@numba.njit(cache=True)
def by_priority(order, m, priority):  # type: ignore[no-untyped-def]
    """Sort the officers `order[:m]` (in slot order) by priority, highest first, ties in slot order and NaN
    last: the order of `np.argsort(-priority[order[:m]], kind="mergesort")`, in place.  An insertion sort,
    without allocating: m is the officers with an order this month, a handful as a rule."""
    if m > 48:  # a purge: many orders
        order[:m] = order[:m][np.argsort(-priority[order[:m]], kind="mergesort")]
        return
    for a in range(1, m):
        i = order[a]
        p = priority[i]
        b = a
        while b > 0 and (p > priority[order[b - 1]] or (np.isnan(priority[order[b - 1]]) and not np.isnan(p))):
            order[b] = order[b - 1]
            b -= 1
        order[b] = i


@numba.njit(cache=True)
def act_on(r, i, act, why, W, S, k_int, P, log):  # type: ignore[no-untyped-def]
    """Officer i of run r receives order `act` (cause `why`), if it applies to him now."""
    off, holder, run, post_kind, post_min_rank, ev, ev_n = W.off, W.holder, W.run, S.post_kind, S.post_min_rank, log.ev, log.ev_n
    o = off[r, i]
    R = run[r]
    if why == Cause.NONE:
        why = np.int8(Cause.RULER)
    if act == Action.ARREST and o.status == Status.ACTIVE:
        arrest(r, i, off, holder, run, P, ev, ev_n, why)
        if why == Cause.SCAPEGOAT:
            R.scapegoat_index = (1.0 - P.captivity_scapegoat_weight) * R.scapegoat_index + P.captivity_scapegoat_weight
            R.examples += 1
    elif act == Action.EXECUTE and (o.status == Status.ACTIVE or o.status == Status.ARRESTED):
        if o.status == Status.ACTIVE:
            arrest(r, i, off, holder, run, P, ev, ev_n, why)
        execute(r, i, off, run, ev, ev_n, why)
        if why == Cause.SCAPEGOAT:
            R.scapegoat_index = (1.0 - P.captivity_scapegoat_weight) * R.scapegoat_index + P.captivity_scapegoat_weight
            R.examples += 1
    elif act == Action.RELEASE and o.status == Status.ARRESTED:
        o.status = Status.ACTIVE
        o.custody = 0
        o.susp *= P.command_release_suspicion
        o.griev = min(1.0, o.griev + P.command_release_grievance)
        emit(ev, ev_n, r, Kind.RELEASE, o.ident, -1, -1, -1, why, 0.0)
    elif o.status != Status.ACTIVE:
        return
    elif act == Action.INTERROGATE:
        # M5: "break the tool to see if it still works": a sharper reading of loyalty, paid in
        # trauma, grievance and fear.
        o.trauma = min(1.0, o.trauma + P.security_interrogation_trauma)
        o.griev = min(1.0, o.griev + P.command_interrogation_grievance)
        o.fear = min(1.0, o.fear + P.command_interrogation_fear)
        obs = o.loyal + P.ruler_interrogation_noise * normal(k_int, i, 0)
        o.bl_mu, o.bl_var = kalman(o.bl_mu, o.bl_var, obs, P.ruler_interrogation_noise)
        emit(ev, ev_n, r, Kind.INTERROGATION, o.ident, -1, o.post, -1, why, obs)
    elif act == Action.PROMOTE and o.rank < TOP_RANK and (why == Cause.RECORD or not rank_full(r, off, o.rank + 1, P)):
        o.rank += 1
        emit(ev, ev_n, r, Kind.PROMOTION, o.ident, -1, o.post, -1, why, float(o.rank))
    elif act == Action.DEMOTE and o.rank > 0:
        o.rank -= 1
        o.griev = min(1.0, o.griev + P.command_demotion_grievance)
        emit(ev, ev_n, r, Kind.DEMOTION, o.ident, -1, o.post, -1, why, float(o.rank))
        if o.post >= 0 and o.rank < post_min_rank[o.post] - int(P.command_rank_slack):  # too junior now for his post
            emit(ev, ev_n, r, Kind.REMOVAL, o.ident, -1, o.post, -1, why, 0.0)
            vacate(off, holder, r, i)
    elif act == Action.REMOVE and o.post >= 0:
        emit(ev, ev_n, r, Kind.REMOVAL, o.ident, -1, o.post, -1, why, 0.0)
        vacate(off, holder, r, i)
        o.griev = min(1.0, o.griev + P.command_removal_grievance)
    elif act == Action.ROTATE:
        # M4: promoted, then moved away from the troops; his influence spread thin.
        if o.rank < TOP_RANK and not rank_full(r, off, o.rank + 1, P):
            o.rank += 1
            emit(ev, ev_n, r, Kind.PROMOTION, o.ident, -1, o.post, -1, Cause.ROTATION, float(o.rank))
        move_to(r, i, PostKind.DISTRICT, Cause.ROTATION, off, holder, post_kind, ev, ev_n)
        o.pop *= P.command_rotation_popularity
    elif act == Action.SIDELINE:
        move_to(r, i, PostKind.DISTRICT, Cause.SIDELINE, off, holder, post_kind, ev, ev_n)
        o.pop *= P.command_sideline_popularity
        o.griev = min(1.0, o.griev + P.command_sideline_grievance)
    elif act == Action.RECALL:
        # M2: the loyal failure loses his command but is kept close, in a staff post.
        move_to(r, i, PostKind.STAFF, Cause.RECALL, off, holder, post_kind, ev, ev_n)
    elif act == Action.CHARM:
        o.fear = clip01(o.fear - P.politics_charm_fear)
        o.griev = clip01(o.griev - P.politics_charm_grievance)
        o.loyal = clip01(o.loyal + P.politics_charm_loyalty * (1.0 - o.loyal))
        emit(ev, ev_n, r, Kind.CHARM, o.ident, -1, o.post, -1, why, 0.0)


@numba.njit(cache=True)
def move_to(r, i, kind, why, off, holder, post_kind, ev, ev_n):  # type: ignore[no-untyped-def]
    """Transfer to a post of `kind`: a vacant one, else the one whose holder ranks lowest (he goes
    to the reserve).  Staying in his own post of that kind is no transfer."""
    o = off[r, i]
    if o.post >= 0 and post_kind[o.post] == kind:
        return
    target = -1
    low_rank = 99
    for p in range(holder.shape[1]):
        if post_kind[p] != kind:
            continue
        h = holder[r, p]
        if h < 0:
            target = p
            break
        if h != i and off[r, h].rank < low_rank:
            low_rank = off[r, h].rank
            target = p
    old = o.post
    vacate(off, holder, r, i)
    if target < 0:
        emit(ev, ev_n, r, Kind.TRANSFER, o.ident, -1, old, -1, why, 0.0)
        return
    h = holder[r, target]
    if h >= 0:
        emit(ev, ev_n, r, Kind.TRANSFER, off[r, h].ident, -1, target, -1, Cause.REORGANISATION, 0.0)
        vacate(off, holder, r, h)
    holder[r, target] = i
    o.post = target
    emit(ev, ev_n, r, Kind.TRANSFER, o.ident, -1, target, -1, why, float(old))


@numba.njit(cache=True)
def fill_vacancies(r, W, S, P, plan, log, work):  # type: ignore[no-untyped-def]
    """Fill every vacant post that must be held, in order of importance, by the eligible officer the
    doctrine scores highest (`plan.score`): an officer in the reserve or in a less important post (who leaves a
    vacancy filled later in the same pass).  Appointment above one's rank promotes to the post's rank.
    `work` is scratch (`common.new_work`)."""
    off, holder, fronts, run, ev, ev_n = W.off, W.holder, W.fronts, W.run, log.ev, log.ev_n
    post_kind, post_front, post_min_rank, fill_order, fill_position = (
        S.post_kind,
        S.post_front,
        S.post_min_rank,
        S.fill_order,
        S.fill_position,
    )
    score, crisis = plan.score, run[r].crisis
    work_int, work_float = work
    n_posts = fill_order.shape[0]
    slack = int(P.command_rank_slack)
    vacant = False
    for p in range(n_posts):
        if holder[r, p] < 0 and (post_front[p] < 0 or fronts[r, post_front[p]].active):
            vacant = True
            break
    if not vacant:  # most months of peace: nothing to fill
        return
    # The serving officers, in slot order, with what eligibility reads, copied once: every vacancy
    # scans them, and contiguous copies are far cheaper to scan than the officer records.
    n = off.shape[1]
    cand, cand_rank, cand_score = work_int[0], work_int[1], work_float
    cand_pos = work_int[2]  # fill position of his post; n_posts: no post
    cand_kind = work_int[3]  # kind of his post; -1: no post
    lateral = P.command_lateral_moves > 0
    from_staff = P.command_crisis_from_staff > 0
    at_war = run[r].war == War.WAR
    m = 0
    for i in range(n):
        o = off[r, i]
        if o.status == Status.ACTIVE:
            cand[m] = i
            cand_rank[m] = o.rank
            cand_pos[m] = fill_position[o.post] if o.post >= 0 else n_posts
            cand_kind[m] = post_kind[o.post] if o.post >= 0 else -1
            cand_score[m] = score[r, i]
            m += 1
    for j in range(n_posts):
        p = fill_order[j]
        if holder[r, p] >= 0:
            continue
        f = post_front[p]
        if f >= 0 and fronts[r, f].active == 0:
            continue
        best_c = -1
        best_s = -np.inf
        kind_p = post_kind[p]
        for c in range(m):
            if cand_rank[c] < post_min_rank[p] - slack:
                continue
            if cand_pos[c] <= j and not (from_staff and crisis and kind_p == PostKind.FRONT and cand_kind[c] == PostKind.STAFF):
                continue  # (in a front's collapse the staff is sent to it, the Chief of Staff included)
            if from_staff and at_war and kind_p == PostKind.STAFF and cand_kind[c] == PostKind.FRONT:
                continue  # a front commander stays at the front
            if not lateral and cand_kind[c] == kind_p and j > 0:  # from below: no move to a post of his own kind
                continue
            if cand_score[c] > best_s:
                best_s = cand_score[c]
                best_c = c
        best = cand[best_c] if best_c >= 0 else -1
        if best < 0:
            continue
        o = off[r, best]
        vacate(off, holder, r, best)
        holder[r, p] = best
        o.post = p
        war_post = post_kind[p] == PostKind.FRONT or post_kind[p] == PostKind.ARMY
        why = Cause.CRISIS if (crisis and war_post) else Cause.ROUTINE
        if why == Cause.CRISIS and (o.trauma > 0.0 or o.bl_mu < P.command_watch_loyalty):
            o.watched = 1  # "REMEMBER WHO GAVE YOU THIS COMMAND"
        emit(ev, ev_n, r, Kind.APPOINTMENT, o.ident, -1, p, f, why, 0.0)
        cand_pos[best_c] = j
        cand_kind[best_c] = kind_p
        if o.rank < post_min_rank[p]:
            o.rank = post_min_rank[p]
            cand_rank[best_c] = o.rank
            emit(ev, ev_n, r, Kind.PROMOTION, o.ident, -1, p, f, why, float(o.rank))


@numba.njit(cache=True)
def appoint_by_order(W, S, plan, target_post, log):  # type: ignore[no-untyped-def]
    """The APPOINT orders of the month (an officer named to a post: a player, the record, the decisive-axis rule),
    carried out before the other actions, run by run (`appoint_run`); `target_post`: (runs, officers)."""
    order = np.empty(W.off.shape[1], dtype=np.int64)
    for r in range(W.off.shape[0]):
        if W.run[r].ruler_alive == 0:
            continue
        plan.budget[r] -= appoint_run(r, W, S, plan, target_post[r], log, order)


@numba.njit(cache=True)
def appoint_run(r, W, S, plan, target, log, order):  # type: ignore[no-untyped-def]
    """Run r's APPOINT orders (`target[i]`: officer i's post).  They take their places in the attention budget
    (`plan.budget[r]`) by priority as any action does: each one carried out (or refused) uses a place, and is
    then cleared from `plan.action`, so `apply_decisions` spends the rest of the budget on the others in the same
    order as without them.  Returns the places used.  `order`: officer-length scratch."""
    off, action, priority, cause, budget = W.off, plan.action, plan.priority, plan.cause, plan.budget[r]
    n = off.shape[1]
    m = 0
    appoints = False
    for i in range(n):
        if action[r, i] != Action.NONE:
            order[m] = i
            m += 1
            appoints = appoints or action[r, i] == Action.APPOINT
    if not appoints:  # most months: nothing to do
        return 0
    by_priority(order, m, priority[r])
    used = 0
    for j in range(min(budget, m)):
        i = order[j]
        if action[r, i] != Action.APPOINT:
            continue
        appoint(r, i, int(target[i]), cause[r, i], W, S, log)  # (int: one specialisation for either path's target)
        action[r, i] = Action.NONE
        used += 1
    for i in range(n):  # beyond the budget: not carried out this month
        if action[r, i] == Action.APPOINT:
            action[r, i] = Action.NONE
    return used


@numba.njit(cache=True)
def appoint(r, i, p, why, W, S, log):  # type: ignore[no-untyped-def]
    """Officer i to post p: only an officer in service, only to a post that exists this month (a front's
    posts while the front is open).  The holder goes to the reserve; an officer below the post's rank is
    promoted to it, as a routine appointment is (`fill_vacancies`)."""
    off, holder, fronts, post_front, post_min_rank, ev, ev_n = (
        W.off,
        W.holder,
        W.fronts,
        S.post_front,
        S.post_min_rank,
        log.ev,
        log.ev_n,
    )
    o = off[r, i]
    if o.status != Status.ACTIVE or p < 0 or p >= holder.shape[1] or o.post == p:
        return
    f = post_front[p]
    if f >= 0 and fronts[r, f].active == 0:
        return
    if why == Cause.NONE:
        why = np.int8(Cause.RULER)
    h = holder[r, p]
    if h >= 0:
        emit(ev, ev_n, r, Kind.REMOVAL, off[r, h].ident, -1, p, f, Cause.REORGANISATION, 0.0)
        vacate(off, holder, r, h)
    vacate(off, holder, r, i)
    holder[r, p] = i
    o.post = p
    emit(ev, ev_n, r, Kind.APPOINTMENT, o.ident, -1, p, f, why, 0.0)
    if o.rank < post_min_rank[p]:
        o.rank = post_min_rank[p]
        emit(ev, ev_n, r, Kind.PROMOTION, o.ident, -1, p, f, why, float(o.rank))
