"""Steps 5-6 of the month: each front's fight (M7, M8) and captivity (M8)."""

from __future__ import annotations

import numba
import numpy as np

from ..rng import Purpose, normal, stream_key, uniform
from .calendar import N_BORDER
from .codes import Cause, Kind, PostKind, Status, War
from .common import emit, on_record, sigmoid, vacate
from .security import arrest


@numba.njit(cache=True)
def effective_competence(o, P):  # type: ignore[no-untyped-def]
    """Competence as it shows in command: dulled by trauma (M5), sharpened by war experience (M11),
    and not yet whole in a post he took over lately (staff and troops to learn: what rotation costs, M4)."""
    settle, gain = P.operations_settle_share, P.operations_experience_gain
    settled = settle + (1.0 - settle) * min(o.tenure / P.operations_settle_months, 1.0)
    return (
        o.comp
        * (1.0 - P.operations_trauma_dulling * o.trauma)
        * ((1.0 - gain) + gain * min(o.exper / P.operations_experience_months, 1.0))
        * settled
    )


@numba.njit(cache=True)
def main_blow(f, max_depth, P):  # type: ignore[no-untyped-def]
    """M7, the enemy's main blow: until the war's deepest mean line reaches `main_blow_depth_km`, the border front
    `main_blow_front` faces `main_blow_factor` times an even share of the enemy, the other border fronts the rest
    (the whole unchanged); a front opened later, an even share.  The record's Western Front in June 1941."""
    if f >= N_BORDER or max_depth >= P.operations_main_blow_depth_km:
        return 1.0
    if f == int(P.operations_main_blow_front):
        return P.operations_main_blow_factor
    return (N_BORDER - P.operations_main_blow_factor) / (N_BORDER - 1)


@numba.njit(cache=True)
def operations_step(r, t, W, S, P, log):  # type: ignore[no-untyped-def]
    """Step 5 (M7, M8, M11, M13): each front's fight in month t, under the calendar's pressure, enemy quality
    and mobilisation (`S.pressure[t]`, `S.enemy_q[t]`, `S.mobil[t]`)."""
    seed, run_id, post_kind, front_first, front_posts = S.seed, S.run_ids[r], S.post_kind, S.front_first, S.front_posts
    pressure, enemy_q, mobil = S.pressure[t], S.enemy_q[t], S.mobil[t]
    off, holder, fronts, run, ev, ev_n = W.off, W.holder, W.fronts, W.run, log.ev, log.ev_n
    R = run[r]
    for i in range(off.shape[1]):  # last month's withdrawals were seen (step 3) and judged (step 4)
        off[r, i].withdrew = 0
    if R.war != War.WAR:
        for f in range(fronts.shape[1]):
            fronts[r, f].collapsed = 0
            fronts[r, f].encircled = 0
        return
    k_c = stream_key(seed, run_id, t, Purpose.COMBAT)
    k_e = stream_key(seed, run_id, t, Purpose.ENCIRCLE)
    k_k = stream_key(seed, run_id, t, Purpose.CASUALTY)
    k_w = stream_key(seed, run_id, t, Purpose.WITHDRAW)
    depth_sum = 0.0
    active = 0
    for f in range(fronts.shape[1]):
        F = fronts[r, f]
        F.collapsed = 0
        F.encircled = 0
        if F.active == 0:
            continue
        # Command quality: the front commander and his army commanders.
        cmd = -1
        army_q = 0.0
        n_army = 0
        for q in range(front_first[f], front_first[f + 1]):
            p = front_posts[q]
            i = holder[r, p]
            if post_kind[p] == PostKind.FRONT:
                cmd = i
            else:
                army_q += effective_competence(off[r, i], P) if i >= 0 else P.operations_vacancy_quality
                n_army += 1
                if i >= 0:
                    R.field_comp_sum += off[r, i].comp
                    R.field_comp_n += 1
        front_q = effective_competence(off[r, cmd], P) if cmd >= 0 else P.operations_vacancy_quality
        if cmd >= 0:
            R.field_comp_sum += off[r, cmd].comp
            R.field_comp_n += 1
        w_front = P.operations_front_weight
        quality = w_front * front_q + (1.0 - w_front) * (army_q / n_army if n_army > 0 else front_q)
        fear_cmd = off[r, cmd].fear if cmd >= 0 else P.operations_vacancy_fear
        # Initiative granted by the directive, suppressed by fear (M7, M13).
        initiative = (1.0 - F.hold) * (1.0 - P.operations_fear_initiative * fear_cmd)
        total_q = quality + R.lessons - P.operations_interference * (1.0 - R.listening)
        # M7 supply lines: ours from the railhead, the enemy's from the 1941 border.
        own_supply = supply(R.railhead - F.depth, P.operations_own_supply_km, P.operations_own_supply_halving_km)
        enemy_supply = supply(F.depth, P.operations_enemy_supply_km, P.operations_enemy_supply_halving_km)
        enemy_front = F.enemy * pressure * enemy_q * enemy_supply * main_blow(f, R.max_depth, P)
        odds = F.own * own_supply * (P.operations_quality_offset + total_q) / max(enemy_front, 1.0)
        # M7: a commander under hold orders who sees the trap may withdraw against orders.
        if F.hold and odds < P.operations_withdrawal_odds and cmd >= 0:
            o = off[r, cmd]
            p_w = (
                P.operations_unauthorised_withdrawal * o.comp * (1.0 - o.fear) * (1.0 - P.operations_withdrawal_loyalty * o.loyal)
            )
            if uniform(k_w, f, 0) < p_w:
                initiative = 1.0
                o.withdrew = 1
                o.susp += P.operations_withdrawal_suspicion  # saves men, makes enemies in the capital
                emit(ev, ev_n, r, Kind.WITHDRAWAL, o.ident, -1, o.post, f, Cause.UNAUTHORISED, 0.0)
        adv = P.operations_km_per_log_odds * np.log(odds) + P.operations_noise_km * normal(k_c, f, 0)
        if adv < 0:
            adv *= P.operations_hold_ground_factor * (1.0 - initiative) + P.operations_initiative_ground_factor * initiative
        losses = F.own * P.operations_loss_rate * (1.0 + max(0.0, -np.log(odds)))
        enemy_losses = (
            F.enemy
            * P.operations_enemy_loss_rate
            * min(max(odds, P.operations_enemy_loss_odds_min), P.operations_enemy_loss_odds_max)
        )
        if odds < 1.0:
            hazard = (
                P.operations_encircle_base
                * (1.0 / odds - 1.0)
                * (P.operations_encircle_quality - min(quality, 1.0))
                * (P.operations_hold_encircle_factor * (1.0 - initiative) + P.operations_initiative_encircle_factor * initiative)
            )
            if uniform(k_e, f, 0) < 1.0 - np.exp(-hazard):
                F.encircled = 1
                losses += F.own * P.operations_encirclement_losses
                adv -= P.operations_encirclement_km
                trapped = trapped_commander(
                    r, holder, post_kind, front_posts[front_first[f] : front_first[f + 1]], cmd, uniform(k_e, f, 1)
                )
                ident = off[r, trapped].ident if trapped >= 0 else -1
                emit(ev, ev_n, r, Kind.ENCIRCLEMENT, ident, -1, -1, f, Cause.NONE, losses)
                if trapped >= 0 and not on_record(off[r, trapped], t, P):
                    u = uniform(k_e, f, 2)
                    if u < P.operations_pocket_killed:
                        kill(r, trapped, off, holder, run, f, ev, ev_n)
                    elif u < 1.0 - P.operations_pocket_escape:
                        capture(r, trapped, off, holder, run, f, ev, ev_n)
        adv = min(max(adv, -P.operations_max_retreat_km), P.operations_max_advance_km)
        F.own = max(F.own - losses, P.operations_min_strength)
        F.enemy = max(F.enemy - enemy_losses, P.operations_min_strength)
        R.losses += losses
        # Replacements: own from mobilisation, the enemy's from a finite pool.
        F.own += max(0.0, P.operations_reinforce * (P.operations_own_strength * mobil - F.own))
        want = P.operations_enemy_reinforce * max(0.0, P.operations_enemy_strength - F.enemy)
        got = min(want, R.enemy_pool)
        F.enemy += got
        R.enemy_pool -= got
        F.depth -= adv
        F.adv = adv
        F.odds = odds
        F.quality = quality
        F.reported = adv + P.ruler_report_bias_km * fear_cmd
        if cmd >= 0:
            o = off[r, cmd]
            if adv >= P.operations_victory_km:
                o.wins += 1
                emit(ev, ev_n, r, Kind.VICTORY, o.ident, -1, o.post, f, Cause.NONE, adv)
            elif adv <= -P.operations_defeat_km:
                o.defeats += 1
                emit(ev, ev_n, r, Kind.DEFEAT, o.ident, -1, o.post, f, Cause.NONE, adv)
        elif adv >= P.operations_victory_km:
            emit(ev, ev_n, r, Kind.VICTORY, -1, -1, -1, f, Cause.NONE, adv)
        elif adv <= -P.operations_defeat_km:
            emit(ev, ev_n, r, Kind.DEFEAT, -1, -1, -1, f, Cause.NONE, adv)
        if adv <= -P.operations_collapse_km or F.encircled:
            F.collapsed = 1
        # Commanders fall at the front.
        for q in range(front_first[f], front_first[f + 1]):
            p = front_posts[q]
            if holder[r, p] >= 0:
                i = holder[r, p]
                hazard = P.operations_kill_rate * (P.operations_encircled_kill_factor if F.encircled else 1.0)
                if uniform(k_k, i, 0) < hazard and not on_record(off[r, i], t, P):
                    kill(r, i, off, holder, run, f, ev, ev_n)
        depth_sum += F.depth
        active += 1
    if active == 0:
        return
    mean_depth = depth_sum / active
    R.max_depth = max(R.max_depth, mean_depth)
    # The railways: at the line in a retreat; behind an advance, rebuilt at the railway troops' pace.
    R.railhead = max(mean_depth, R.railhead - P.operations_rail_repair_km)
    enemy_total = R.enemy_pool
    for f in range(fronts.shape[1]):
        if fronts[r, f].active:
            enemy_total += fronts[r, f].enemy
    exhausted = P.operations_enemy_exhausted * P.operations_enemy_strength * N_BORDER
    if mean_depth <= P.operations_victory_depth_km or enemy_total < exhausted:
        R.war = War.VICTORY
        R.war_end = t
        emit(ev, ev_n, r, Kind.WAR, -1, -1, -1, -1, Cause.WAR_WON, mean_depth)
    elif mean_depth >= P.operations_defeat_depth_km:
        R.war = War.DEFEAT
        R.war_end = t
        R.ruler_alive = 0
        R.purge_quota = 0.0
        emit(ev, ev_n, r, Kind.WAR, -1, -1, -1, -1, Cause.WAR_LOST, mean_depth)


@numba.njit(cache=True)
def supply(distance, free_km, halving_km):  # type: ignore[no-untyped-def]
    """Share of a side's strength that reaches a front `distance` km from its base: whole up to `free_km`,
    then strength / (1 + excess / halving_km).  The enemy's base is the 1941 border: his pressure in the
    calendar was exerted at the record's depths, and a front that falls back further draws him away from
    his railheads.  Ours is our railhead (`RUN.railhead`): the retreating enemy wrecked the railways behind
    him, and an advance outruns its supply until they are rebuilt."""
    excess = distance - free_km
    return 1.0 / (1.0 + excess / halving_km) if excess > 0.0 else 1.0


@numba.njit(cache=True)
def trapped_commander(r, holder, post_kind, front_posts, cmd, u):  # type: ignore[no-untyped-def]
    """An army commander of the front is caught in the pocket; the front commander only if alone."""
    count = 0
    for p in front_posts:
        if post_kind[p] == PostKind.ARMY and holder[r, p] >= 0:
            count += 1
    if count == 0:
        return cmd
    pick = int(u * count)
    for p in front_posts:
        if post_kind[p] == PostKind.ARMY and holder[r, p] >= 0:
            if pick == 0:
                return holder[r, p]
            pick -= 1
    return cmd


@numba.njit(cache=True)
def kill(r, i, off, holder, run, f, ev, ev_n):  # type: ignore[no-untyped-def]
    o = off[r, i]
    emit(ev, ev_n, r, Kind.KILLED, o.ident, -1, o.post, f, Cause.NONE, 0.0)
    vacate(off, holder, r, i)
    o.status = Status.KILLED


@numba.njit(cache=True)
def capture(r, i, off, holder, run, f, ev, ev_n):  # type: ignore[no-untyped-def]
    o = off[r, i]
    emit(ev, ev_n, r, Kind.CAPTURED, o.ident, -1, o.post, f, Cause.NONE, 0.0)
    vacate(off, holder, r, i)
    o.status = Status.CAPTURED
    o.captive = 0


@numba.njit(cache=True)
def captivity_step(r, t, W, S, P, log):  # type: ignore[no-untyped-def]
    """Step 6 (M8): the captured die, hold out, escape, defect; at the war's end they come home and
    face the state."""
    seed, run_id, off, holder, run, ev, ev_n = S.seed, S.run_ids[r], W.off, W.holder, W.run, log.ev, log.ev_n
    R = run[r]
    k = stream_key(seed, run_id, t, Purpose.CAPTIVITY)
    homecoming = R.war == War.VICTORY and t == R.war_end + int(P.captivity_homecoming_months)
    for i in range(off.shape[1]):
        o = off[r, i]
        if o.status != Status.CAPTURED:
            continue
        o.captive += 1
        if uniform(k, i, 0) < P.captivity_death_rate:
            o.status = Status.DEAD
            emit(ev, ev_n, r, Kind.DEATH, o.ident, -1, -1, -1, Cause.CUSTODY, 0.0)
            continue
        pull = (
            P.captivity_defect_base
            + P.captivity_defect_fear * o.fear
            + P.captivity_defect_grievance * o.griev
            + P.captivity_defect_disloyalty * (1.0 - o.loyal)
            + P.captivity_defect_scapegoat * R.scapegoat_index
            + P.captivity_defect_hostage * R.hostage
        )
        # The enemy's offer comes in the first weeks; a refuser is sent to the camps and the chance fades.
        offer = np.exp(-(o.captive - 1) / P.captivity_defect_window)
        if R.war == War.WAR and uniform(k, i, 1) < sigmoid(pull) * offer:
            o.status = Status.DEFECTED
            emit(ev, ev_n, r, Kind.DEFECTION, o.ident, -1, -1, -1, Cause.NONE, o.fear)
            continue
        escaped = R.war == War.WAR and uniform(k, i, 2) < P.captivity_escape_rate
        if escaped or homecoming:
            o.status = Status.ACTIVE
            emit(ev, ev_n, r, Kind.RETURN if homecoming else Kind.ESCAPE, o.ident, -1, -1, -1, Cause.NONE, float(o.captive))
            if uniform(k, i, 3) < R.punish_returnees:
                arrest(r, i, off, holder, run, P, ev, ev_n, Cause.RETURNEE)
