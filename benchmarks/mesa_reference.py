"""The stavka model written the way a Mesa 3.3 user would write it: the reference for speed and agreement.

One run at a time.  `StavkaModel` is a `mesa.Model`; every officer is a `mesa.Agent` (`Officer`) in the
model's AgentSet (`model.agents`); fronts are plain objects; the month is `StavkaModel.step()`, calling
the phases in the engine's order (docs/model.md §3): calendar, security, observation, the doctrine's
decisions, their execution and the filling of vacancies, operations, captivity, learning, politics,
morale, turnover, then the ledgers (a `mesa.DataCollector` for the monthly series).  The doctrine's
rules are methods of a ruler object (`PolicyRuler`, a port of `stavka.doctrines.policy.decide_by_policy`
officer by officer; `passive` is the policy with the routine succession).

What is shared with stavka, so that the two implementations can be compared run by run:

* the scenario (`stavka.scenario.Scenario`) and its initial world for (seed, run), converted into agents;
* the parameters: the scenario's flattened `Scenario.params` and the doctrine's own parameter objects,
  `get_doctrine(name).params_at(label)` (the doctrine's *code* is not used);
* the random streams: every draw is `stavka.rng`'s counter-based stream for the same (seed, run, month,
  purpose), officer or front index and sub-draw as the engine uses (key by `stream_key`, draws by the
  NumPy copy `uniforms`, bit-identical to the compiled `uniform`; normals by the same inverse normal CDF
  (AS241) with Python's `math`, whose exp/log/sqrt match Numba's bit for bit);
* the official history: `stavka.history.official_history` applied to this model's own event table.

Everything else (the state, the month, the rules) is written here again, in plain Python over agents.
Officers are visited in slot order (the AgentSet is kept sorted by slot after each intake): the random
draws are indexed by slot and the engine breaks ties and sums in that order.

Profiled once for obvious waste, which led to: drawing each sub-draw of a stream for all officers at once
(one NumPy call, cached for the month) instead of calling the compiled scalar `uniform` per number (about
100 microseconds a call from Python through Numba's dispatcher); passing plain ints, not IntEnum members,
to `stream_key` (Numba types an IntEnum argument slowly) and in hot comparisons; building the candidate
lists of the vacancy and quota loops once per pass.  See docs/performance.md.

    import sys; sys.path.insert(0, "benchmarks")
    import mesa_reference
    mesa_reference.run("terror", seed=0, run_id=13)    # the same metrics as stavka.simulate(...) for run 13
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import mesa
import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from stavka.calendar import parse_month
from stavka.doctrines import Doctrine, PolicyDoctrine, get_doctrine
from stavka.doctrines.historical import ORDERS, Historical
from stavka.doctrines.policy import in_window
from stavka.engine.codes import TOP_RANK, Action, Cause, Kind, PostKind, Status, War
from stavka.history import CAUSE_TEXT, KIND_TEXT, official_history
from stavka.metrics import METRICS
from stavka.names import generated_names
from stavka.rng import Purpose, ppnd16, stream_key, uniforms
from stavka.scenario import N_BORDER, Scenario

# Plain ints: comparing with IntEnum members in hot loops costs an attribute lookup each time.
ACTIVE, ARRESTED, EXECUTED, KILLED, CAPTURED, DEFECTED, RETIRED, DEAD, DISCHARGED = (int(s) for s in Status)
STAFF, FRONT, ARMY, DISTRICT, CORPS = (int(k) for k in PostKind)
PEACE, WAR, VICTORY, DEFEAT = (int(w) for w in War)
A = {a.name: int(a) for a in Action}
K = {k.name: int(k) for k in Kind}
C = {c.name: int(c) for c in Cause}
NONE = 0

FRONT_FIELDS = ("active", "depth", "own", "enemy", "hold", "adv", "reported", "odds", "quality", "collapsed", "encircled")


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def supply(distance: float, free_km: float, halving_km: float) -> float:
    """Share of a side's strength that reaches a front `distance` km from its base (the enemy's: the 1941
    border; ours: our railhead)."""
    excess = distance - free_km
    return 1.0 / (1.0 + excess / halving_km) if excess > 0.0 else 1.0


def main_blow(f: int, max_depth: float, P: Any) -> float:
    """M7, the enemy's main blow (engine `operations.main_blow`): until the war's deepest mean line reaches
    `main_blow_depth_km`, the main-blow border front faces `main_blow_factor` times an even share, the other border
    fronts the rest; a later front an even share."""
    if f >= N_BORDER or max_depth >= P.operations_main_blow_depth_km:
        return 1.0
    if f == int(P.operations_main_blow_front):
        return P.operations_main_blow_factor
    return (N_BORDER - P.operations_main_blow_factor) / (N_BORDER - 1)


def clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def kalman(mu: float, var: float, obs: float, noise_sd: float) -> tuple[float, float]:
    gain = var / (var + noise_sd * noise_sd)
    return mu + gain * (obs - mu), var * (1.0 - gain)


class Stream:
    """One (seed, run, month, purpose) stream of `stavka.rng`; `u(index, draw)` is the engine's
    `uniform(key, index, draw)`, `normal(index, draw)` its `normal`.  Each sub-draw is computed for
    all indices at once, on first use, and kept for the month."""

    __slots__ = ("keys", "n", "cols")

    def __init__(self, seed: int, run: int, month: int, purpose: int, n: int) -> None:
        self.keys = np.array([stream_key(seed, run, month, int(purpose))], dtype=np.uint64)
        self.n = n
        self.cols: dict[int, list[float]] = {}

    def col(self, draw: int = 0) -> list[float]:
        """Sub-draw `draw` for every index (hot loops index this list directly)."""
        col = self.cols.get(draw)
        if col is None:
            col = self.cols[draw] = uniforms(self.keys, self.n, draw)[0].tolist()
        return col

    def u(self, index: int, draw: int = 0) -> float:
        return self.col(draw)[index]

    def normal(self, index: int, draw: int = 0) -> float:
        """The engine's `normal`: AS241's inverse normal CDF of sub-draw 2·draw, by `stavka.rng.ppnd16`
        (plain Python, the same operations in the same order as the compiled one)."""
        return ppnd16(self.u(index, 2 * draw))


class Front:
    """A front slot: its line, strengths, directive and last month's result (not an agent: it has no
    behaviour of its own, the operations phase acts on it)."""

    def __init__(self, index: int, **state: Any) -> None:
        self.index = index
        self.__dict__.update(state)


class Officer(mesa.Agent):
    """A general: hidden traits, the ruler's beliefs about him, his post and his record.  `slot` is his
    place in the corps (the index of his random draws); a new officer takes an emptied slot at intake."""

    def __init__(self, model: StavkaModel, slot: int, generation: int = 0, **state: Any) -> None:
        super().__init__(model)
        self.slot = slot
        self.generation = generation
        self.__dict__.update(state)
        # the ruler's decision about him this month
        self.action = NONE
        self.priority = 0.0
        self.cause = NONE
        self.target = -1  # the post of an APPOINT order

    # --- the officer's own rules ---------------------------------------------------------------------

    def effective_competence(self) -> float:
        """Competence as it shows in command: dulled by trauma (M5), sharpened by war experience (M11),
        not yet whole in a post taken over lately (M4)."""
        P = self.model.P
        settle, gain = P.operations_settle_share, P.operations_experience_gain
        settled = settle + (1.0 - settle) * min(self.tenure / P.operations_settle_months, 1.0)
        return (
            self.comp
            * (1.0 - P.operations_trauma_dulling * self.trauma)
            * ((1.0 - gain) + gain * min(self.exper / P.operations_experience_months, 1.0))
            * settled
        )

    def denunciation_hazard(self, P: Any, quota_on: float, mean_fear: float) -> float:
        patron_hit = 0.0
        if self.patron >= 0:
            ps = self.model.slots[self.patron].status
            if ps in (ARRESTED, EXECUTED):
                patron_hit = 1.0
        return (
            P.security_denounce_rate
            * (1.0 + P.security_quota_denounce_boost * quota_on)
            * (1.0 + P.security_fear_denounce_boost * mean_fear)
            * (1.0 + P.security_rank_denounce * self.rank)
            * (1.0 + P.security_association_boost * patron_hit)
            * (1.0 + P.security_watched_denounce * self.watched)
        )

    def autonomy_wish(self, P: Any) -> float:
        return (
            P.ruler_autonomy_rate
            * self.comp
            * P.ruler_autonomy_competence
            * self.ambition
            * P.ruler_autonomy_ambition
            * (1.0 - self.fear)
        )

    def challenge_pull(self, P: Any) -> float:
        return (
            P.politics_challenge_base
            + P.politics_challenge_popularity * self.pop * self.motive(P)
            + P.politics_challenge_ambition * self.ambition
            + P.politics_challenge_disloyalty * (1.0 - self.loyal)
            + P.politics_challenge_grievance * self.griev
            + P.politics_challenge_fear * self.fear
        )

    def motive(self, P: Any) -> float:
        """Disaffection (disloyalty and grievance) turns popularity into a challenge; a floor needs none."""
        floor = P.politics_challenge_motive_floor
        return floor + (1.0 - floor) * min(1.0 - self.loyal + self.griev, 1.0)

    def defection_pull(self, P: Any, scapegoat_index: float, hostage: int) -> float:
        return (
            P.captivity_defect_base
            + P.captivity_defect_fear * self.fear
            + P.captivity_defect_grievance * self.griev
            + P.captivity_defect_disloyalty * (1.0 - self.loyal)
            + P.captivity_defect_scapegoat * scapegoat_index
            + P.captivity_defect_hostage * hostage
        )

    def morale(self, P: Any, rate: float) -> None:
        """Fear spreads with repression of peers and patrons; grievance erodes loyalty (M13)."""
        s = self.status
        if s != ACTIVE and s != CAPTURED and s != ARRESTED:
            return
        assoc = 0.0
        if self.patron >= 0:
            ps = self.model.slots[self.patron].status
            if ps in (ARRESTED, EXECUTED):
                assoc = P.politics_association_exposure
        self.fear = clip01(
            self.fear
            + P.politics_fear_repression * rate
            + P.politics_fear_association * assoc
            + P.politics_fear_recovery * (P.politics_fear_baseline - self.fear)
        )
        self.griev *= P.politics_grievance_decay
        self.loyal = clip01(self.loyal - P.politics_loyalty_erosion * self.griev * self.loyal)

    # --- what happens to him -------------------------------------------------------------------------

    def vacate(self) -> None:
        if self.post >= 0:
            self.model.holder[self.post] = None
            self.post = -1
            self.tenure = 0

    def arrest(self, cause: int) -> None:
        m = self.model
        m.emit(K["ARREST"], self.ident, -1, self.post, -1, cause, 0.0)
        self.vacate()
        self.status = ARRESTED
        self.custody = 0
        m.arrests += 1
        m.repressed_month += 1
        if self.repressed == 0:
            self.repressed = 1
            m.repressed_n += 1
            if self.loyal >= m.P.politics_loyal_threshold:
                m.repressed_innocent += 1

    def discharge(self) -> None:
        """Party expulsion and discharge: out of post and army, not arrested (engine `before.discharge`)."""
        self.model.emit(K["DISCHARGE"], self.ident, -1, self.post, -1, C["EXPULSION"], float(self.rank))
        self.vacate()
        self.status = DISCHARGED

    def execute(self, cause: int) -> None:
        self.status = EXECUTED
        self.model.executions += 1
        self.model.emit(K["EXECUTION"], self.ident, -1, -1, -1, cause, 0.0)

    def kill(self, front: int) -> None:
        self.model.emit(K["KILLED"], self.ident, -1, self.post, front, NONE, 0.0)
        self.vacate()
        self.status = KILLED
        self.model.commanders_killed += 1

    def capture(self, front: int) -> None:
        self.model.emit(K["CAPTURED"], self.ident, -1, self.post, front, NONE, 0.0)
        self.vacate()
        self.status = CAPTURED
        self.captive = 0
        self.model.commanders_captured += 1


# --- the doctrine's rules --------------------------------------------------------------------------------


class Settings:
    """The run-level part of a month's decisions."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


def order(o: Officer, action: int, priority: float, cause: int) -> None:
    """Give `action` to the officer where it outranks what he already has (as `Decisions.order`)."""
    if o.action == NONE or priority > o.priority:
        o.action, o.priority, o.cause = action, priority, cause


class PolicyRuler:
    """The shared personnel policy (`stavka.doctrines.policy`), rule by rule, for one officer at a time,
    with the doctrine's parameters in force this month.  It reads only what the ruler may see."""

    def __init__(self, doctrine: Doctrine) -> None:
        self.doctrine = doctrine

    def decide(self, m: StavkaModel) -> Settings:
        p = self.doctrine.params_at(m.label)  # type: ignore[attr-defined]
        u = m.stream(Purpose.DOCTRINE)
        at_war = m.war == WAR
        post_kind, post_front, fronts = m.post_kind, m.post_front, m.fronts
        officers = list(m.agents)
        threshold = p.arrest_disloyalty * (1.0 - p.paranoia_weight * m.paranoia)
        review = in_window(m.label, p.release_window) and p.release_rate > 0
        rotate = math.isfinite(p.rotate_popular)
        interrogate_window = p.interrogate_autonomy > 0 and (p.interrogate_in_war or not at_war)
        crisis = p.crisis_appointment and m.crisis == 1

        # Rules that pick a few officers out of the whole corps.
        sideline = None
        if p.sideline_after_war >= 0 and m.war == VICTORY and m.month - m.war_end == p.sideline_after_war:
            best, best_pop = None, -math.inf
            for o in officers:
                v = o.pop if (o.status == ACTIVE and o.rank >= p.sideline_rank) else -1.0
                if v > best_pop:
                    best, best_pop = o, v
            if best_pop > p.sideline_popularity:
                sideline = best
        talent: set[int] = set()
        if p.talent_promotions > 0:
            pool = [
                o
                for o in officers
                if o.status == ACTIVE
                and o.rank < TOP_RANK
                and o.bc_mu > p.talent_bar
                and (not at_war or (o.post >= 0 and post_kind[o.post] != CORPS))
            ]
            pool.sort(key=lambda o: -(o.bc_mu - p.talent_rank_penalty * o.rank))
            talent = {o.slot for o in pool[: p.talent_promotions]}
        charmed: set[int] = set()
        if p.charm > 0:
            valued = [o for o in officers if o.status == ACTIVE and o.post >= 0 and post_kind[o.post] in (FRONT, ARMY, STAFF)]
            valued.sort(key=lambda o: -o.bc_mu)
            charmed = {o.slot for o in valued[: p.charm] if o.bc_mu > 0}

        targets: set[int] = set()
        if p.top_targets > 0 and in_window(m.label, p.top_target_window):  # the ruler's own top targets
            pool = [o for o in officers if o.status == ACTIVE and o.rank >= p.top_target_rank and o.bl_mu < p.top_target_loyalty]
            pool.sort(key=lambda o: -((1.0 - o.bl_mu) + p.top_target_w_rank * o.rank / TOP_RANK + p.top_target_w_pop * o.pop))
            targets = {o.slot for o in pool[: p.top_targets]}
        reinstate = in_window(m.label, p.release_window) and p.reinstate_rate > 0
        axis_man, axis_post = decisive_axis(m, p) if (m.label in p.axis_months and at_war) else (None, -1)
        # M3 with a budget: the worst reported failures among the scapegoats are tried, once a period.
        limited = p.scapegoat_budget >= 0
        example: set[int] = set()
        if limited and (m.last_example == 0 or m.month - (m.last_example - 1) >= p.scapegoat_period):
            pool = [
                o
                for o in officers
                if o.post >= 0
                and post_kind[o.post] == FRONT
                and (
                    (
                        fronts[post_front[o.post]].collapsed == 1
                        and u.u(o.slot, 2) < p.scapegoat
                        and not (p.keep_loyal_failures and o.bl_mu >= p.loyal_bar)
                    )
                    or (o.status == ACTIVE and o.withdrew == 1 and u.u(o.slot, 4) < p.punish_withdrawal)
                )
            ]
            pool.sort(key=lambda o: fronts[post_front[o.post]].reported)  # stable: ties in slot order
            example = {o.slot for o in pool[: p.scapegoat_budget]}

        u0 = u.col(0)
        for o in officers:
            i = o.slot
            o.action, o.priority, o.cause, o.target = NONE, 0.0, NONE, -1
            active = o.status == ACTIVE
            arrested = o.status == ARRESTED
            kind = post_kind[o.post] if o.post >= 0 else -1
            commands = kind in (FRONT, ARMY)
            front = fronts[post_front[o.post]] if commands else None
            collapsed = commands and front.collapsed == 1
            defeated = commands and front.reported <= -p.failure_km and at_war
            loyal_failure = p.keep_loyal_failures and o.bl_mu >= p.loyal_bar
            # M14 -> M1: arrest on believed disloyalty, sooner when paranoid.
            if active and 1.0 - o.bl_mu > threshold:
                order(o, A["ARREST"], 1.0 - o.bl_mu, C["RULER"])
            if i in targets:
                order(o, A["EXECUTE"], p.priority_top_target, C["SHOW_TRIAL"])
            if reinstate and o.status == DISCHARGED and u.u(i, 7) < p.reinstate_rate:
                order(o, A["REINSTATE"], p.priority_review, C["REVIEW"])
            # Review of sentenced officers (reinstatements, M10).
            if review and arrested and o.custody > p.release_after and u.u(i, 1) < p.release_rate:
                order(o, A["RELEASE"], p.priority_review, C["REVIEW"])
            # M3 scapegoating, M2 the loyal failure kept close.
            scapegoated = kind == FRONT and collapsed and u.u(i, 2) < p.scapegoat
            spared = False  # beyond the budget of examples: relieved, not tried
            if scapegoated:
                if loyal_failure:
                    order(o, A["RECALL"], p.priority_loyal_recall, C["FAILURE"])
                elif limited and i not in example:
                    spared = True
                elif u.u(i, 3) < p.scapegoat_execute:
                    order(o, A["EXECUTE"], p.priority_scapegoat, C["SCAPEGOAT"])
                else:
                    order(o, A["ARREST"], p.priority_scapegoat, C["SCAPEGOAT"])
            if (
                p.reshuffle_below > 0
                and in_window(m.label, p.reshuffle_window)
                and active
                and kind in (FRONT, DISTRICT, STAFF)
                and m.war == PEACE
                and o.bc_mu < p.reshuffle_below
            ):  # a peacetime reshuffle of the high command
                order(o, A["REMOVE"], p.priority_failure, C["REFORM"])
            if (
                p.reshuffle_promote_above > 0
                and p.reshuffle_below > 0
                and in_window(m.label, p.reshuffle_window)
                and active
                and m.war == PEACE
                and o.bc_mu >= p.reshuffle_promote_above
                and o.rank < p.reshuffle_promote_to
            ):  # ... and the men he believes most competent get the new general ranks
                order(o, A["PROMOTE"], p.priority_merit, C["REFORM"])
            withdrawal = active and o.withdrew == 1 and u.u(i, 4) < p.punish_withdrawal
            if withdrawal and limited and kind == FRONT and i not in example:
                spared, withdrawal = True, False  # a front commander's withdrawal beyond the budget: relieved
            failing = p.relieve_below > 0 and o.bc_mu < p.relieve_below  # 0: the rule off (a belief can fall below 0)
            if spared or ((collapsed or defeated) and failing and not scapegoated):
                if u.u(i, 6) < p.demote_failures and o.rank > 0:
                    order(o, A["DEMOTE"], p.priority_failure, C["FAILURE"])  # Kulik 1942, Popov 1944
                else:
                    order(o, A["RECALL"] if loyal_failure else A["REMOVE"], p.priority_failure, C["FAILURE"])
            if withdrawal:
                order(o, A["ARREST"], p.priority_withdrawal, C["UNAUTHORISED"])
            # M4: keep the brilliant moving; after victory, sideline the most popular.
            if rotate and active and commands and o.pop > p.rotate_popular:
                order(o, A["ROTATE"], p.priority_rotate + o.pop, C["ROTATION"])
            if o is sideline:
                order(o, A["SIDELINE"], p.priority_sideline, C["SIDELINE"])
            if o is axis_man:  # the decisive front to the man believed most competent
                order(o, A["APPOINT"], p.priority_axis, C["AXIS"])
                o.target = axis_post
            # M5: break the tool to see if it still works.
            if interrogate_window and active and o.requests == 1 and u.u(i, 5) < p.interrogate_autonomy:
                order(o, A["INTERROGATE"], p.priority_interrogate, C["AUTONOMY"])
            # Promotion of winners; talent search; personal attention (M12, M4).
            if (
                active
                and commands
                and front.reported >= p.success_km
                and at_war
                and o.rank < TOP_RANK
                and u.u(i, 1) < p.promote_winners
            ):
                order(o, A["PROMOTE"], p.priority_merit, C["MERIT"])
            if i in talent:
                order(o, A["PROMOTE"], p.priority_talent, C["TALENT"])
            if i in charmed:
                order(o, A["CHARM"], p.priority_charm, C["RULER"])
            # Appointments: the doctrine's preference; in a crisis need beats suspicion (M6).
            seniority = o.rank / TOP_RANK + min(o.exper, p.seniority_months) / p.seniority_months
            if p.routine_succession:  # the army's own order of succession (`passive`)
                o.score = o.rank * 10.0 + min(o.exper, 48.0) / 12.0 + o.bc_mu
            elif crisis:
                o.score = p.crisis_w_competence * o.bc_mu + p.crisis_w_seniority * seniority + p.score_noise * u0[i]
                if arrested and o.bc_mu >= p.crisis_release:
                    order(o, A["RELEASE"], p.priority_crisis_release, C["CRISIS"])
            else:
                o.score = (
                    p.w_competence * o.bc_mu
                    + p.w_loyalty * o.bl_mu
                    + p.w_seniority * seniority
                    + p.w_popularity * o.pop
                    + p.score_noise * u0[i]
                )

        wins = 0
        for o in officers:
            wins += o.wins
        # Hold or initiative (M7): the same fronts keep the same orders from month to month.
        fixed = Stream(m.seed, m.run_id, 0, 24, len(fronts))
        return Settings(
            listening=min(1.0, p.listening + p.listening_growth * wins),
            credit=p.credit_taken,
            collate=int(p.collate_lessons),
            purge_quota=p.purge_quota if in_window(m.label, p.purge_window) else 0.0,
            execute_share=p.execute_share,
            organ_trust=p.organ_trust,
            hostage=int(p.hostage),
            punish_returnees=p.punish_returnees,
            hold=[int(fixed.u(f.index) < p.hold_strictness) for f in fronts],
            directive=ORDERS.get(m.label, 0) if isinstance(self.doctrine, Historical) else 0,
            deputy_on=p.deputy_month is not None and parse_month(m.label) >= parse_month(p.deputy_month),
            deputy_rank=p.deputy_rank,
            deputy_w_popularity=p.deputy_w_popularity,
            deputy_w_loyalty=p.deputy_w_loyalty,
        )


def decisive_axis(m: StavkaModel, p: Any) -> tuple[Officer | None, int]:
    """The decisive-axis rule (engine `policy.decisive_axis`): the commanded front whose reported movement last
    month was largest either way goes to the man believed most competent, of rank at least `axis_rank`."""
    post, weight = -1, -1.0
    for o in m.agents:  # ties: the first front commander in slot order
        if o.status == ACTIVE and o.post >= 0 and m.post_kind[o.post] == FRONT:
            w = abs(m.fronts[m.post_front[o.post]].reported)
            if w > weight:
                post, weight = o.post, w
    if post < 0:
        return None, -1
    best, best_v = None, -math.inf
    for o in m.agents:
        if o.status == ACTIVE and o.rank >= p.axis_rank:
            v = o.bc_mu + p.axis_w_loyalty * o.bl_mu
            if v > best_v:
                best, best_v = o, v
    if best is None or best.post == post:
        return None, -1
    return best, post


def ruler_for(doctrine: Doctrine) -> PolicyRuler:
    if isinstance(doctrine, PolicyDoctrine):  # `passive` too: the policy with the routine succession
        return PolicyRuler(doctrine)
    raise NotImplementedError(f"the Mesa reference ports the shared policy, not {doctrine.name!r}")


# --- the model -------------------------------------------------------------------------------------------

RUN_SETTINGS = ("credit", "collate", "listening", "purge_quota", "execute_share", "hostage", "punish_returnees", "organ_trust")


class StavkaModel(mesa.Model):
    """One run of the command system, month by month."""

    def __init__(
        self, doctrine: str | Doctrine = "terror", seed: int = 0, run_id: int = 0, scenario: Scenario | None = None
    ) -> None:
        super().__init__(seed=seed)  # Mesa's own generators are not used: draws come from stavka's streams
        self.scenario = s = scenario if scenario is not None else default_scenario()
        self.doctrine = get_doctrine(doctrine)
        self.ruler = ruler_for(self.doctrine)
        self.seed, self.run_id = int(seed), int(run_id)
        self.P = s.params
        cfg = s.config
        self.n = cfg.corps.n_officers
        self.n_draw = max(self.n, cfg.posts.n_fronts)
        self.month = 0
        self.n_months = s.calendar.n_months
        self.labels = s.calendar.labels()
        posts = s.posts
        self.post_kind = posts.kind.tolist()
        self.post_front = posts.front.tolist()
        self.post_min_rank = posts.min_rank.tolist()
        self.fill_order = posts.fill_order.tolist()
        self.position = [0] * posts.n
        for j, p in enumerate(self.fill_order):
            self.position[p] = j
        self.field_posts = [p for p in range(posts.n) if self.post_front[p] >= 0]  # front and army posts
        self.posts_of_front = [[p for p in self.field_posts if self.post_front[p] == f] for f in range(cfg.posts.n_fronts)]
        self.armies_of_front = [[p for p in ps if self.post_kind[p] == ARMY] for ps in self.posts_of_front]

        # The initial world of this (seed, run), from stavka's initializer, as agents.
        world = s.initial_world(self.seed, np.array([self.run_id], dtype=np.int64))
        off = world.off[0]
        fields = off.dtype.names
        cols = {name: off[name].tolist() for name in fields}
        self.slots: list[Officer] = [Officer(self, i, **{k: cols[k][i] for k in fields}) for i in range(self.n)]
        self.holder: list[Officer | None] = [self.slots[h] if h >= 0 else None for h in world.holder[0].tolist()]
        fr = world.fronts[0]
        fcols = {name: fr[name].tolist() for name in FRONT_FIELDS}
        self.fronts = [Front(f, **{k: fcols[k][f] for k in FRONT_FIELDS}) for f in range(len(fr))]
        run = world.run[0]
        for name in run.dtype.names:
            setattr(self, name, run[name].item())
        # The reference counts these itself (the engine counts them off its event log, `metrics.COUNTS`)
        self.encirclements = self.commanders_killed = self.commanders_captured = self.defections = 0
        self.interrogations = self.releases = self.challenges = 0

        self.events: list[tuple[int, int, int, int, int, int, int, float]] = []
        self.meritocracy = math.nan
        self.continuity = math.nan
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "front_line": StavkaModel.front_line,
                "corps_quality": StavkaModel.corps_quality,
                "fear": StavkaModel.mean_fear,
                "paranoia": "paranoia",
                "own_strength": StavkaModel.own_strength,
                "enemy_strength": StavkaModel.enemy_strength,
                "fronts": StavkaModel.active_fronts,
                "repression": "repression",
                "lessons": "lessons",
                "listening": "listening",
                "credit": "credit",
            }
        )
        self._repression_so_far = 0
        self.repression = 0

    # --- helpers -----------------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        return self.labels[self.month]

    def stream(self, purpose: int) -> Stream:
        return Stream(self.seed, self.run_id, self.month, purpose, self.n_draw)

    def emit(self, kind: int, officer: int, other: int, post: int, front: int, cause: int, value: float) -> None:
        self.events.append((self.month, kind, officer, other, post, front, cause, value))

    # --- the month ---------------------------------------------------------------------------------------

    def step(self) -> None:
        s = self.scenario
        t = self.month
        self.calendar_step()
        self.security_step()
        self.observe_step()
        self.distinction_step()
        self.crisis = int(any(f.active and f.collapsed for f in self.fronts))
        decision = self.ruler.decide(self)
        if self.ruler_alive:
            for name in RUN_SETTINGS:
                setattr(self, name, getattr(decision, name))
        budget = int(s.config.ruler.attention + s.config.ruler.crisis_attention * self.crisis)
        if self.ruler_alive:
            budget -= self.appoint_orders(budget)
            self.name_deputy(decision)
            self.issue_order(decision.directive)
            examples = self.examples
            self.apply_decisions(decision, budget)
            if self.examples > examples:  # an exemplary trial this month: the budget's period starts (M3)
                self.last_example = t + 1
        self.fill_vacancies()
        self.ladder_step()
        self.operations_step(float(s.pressure[t]), float(s.enemy_quality[t]), float(s.mobilisation[t]))
        self.captivity_step()
        self.learning_step()
        self.politics_step()
        self.morale_step()
        self.turnover_step((s.calendar.start_month - 1 + t) % 12 + 1)
        rep = self.arrests + self.executions
        self.repression = rep - self._repression_so_far
        self._repression_so_far = rep
        self.datacollector.collect(self)
        if self.war_end == t or (t == self.n_months - 1 and self.war == WAR):
            self.war_end_snapshot()
        self.month += 1
        self.running = self.month < self.n_months

    # 1. Calendar --------------------------------------------------------------------------------------

    def calendar_step(self) -> None:
        t, s = self.month, self.scenario
        if self.war == PEACE and t == s.war_start:
            self.war = WAR
            self.emit(K["WAR"], -1, -1, -1, -1, C["WAR_BEGINS"], 0.0)
            for o in self.agents:
                if o.status == ACTIVE and o.post >= 0 and self.post_kind[o.post] != CORPS:
                    o.senior_at_war = 1
        fronts = self.fronts
        if self.war == WAR:
            target = int(s.fronts_target[t])
            active = 0
            depth_sum = 0.0
            enemy_sum = 0.0
            for F in fronts:
                if F.active:
                    active += 1
                    depth_sum += F.depth
                    enemy_sum += F.enemy
            for F in fronts:  # open the lowest free slots
                if active >= target:
                    break
                if F.active == 0:
                    F.active = 1
                    F.depth = depth_sum / active if active > 0 else 0.0
                    if active > 0:  # the enemy spreads over one more front
                        share = enemy_sum / (active + 1)
                        for G in fronts:
                            if G.active:
                                G.enemy *= active / (active + 1.0)
                        F.enemy = share
                        enemy_sum = share * (active + 1)
                    F.own = self.P.operations_new_front_strength * s.config.operations.own_strength
                    F.hold = 0
                    F.quality = 0.0
                    active += 1
                    self.emit(K["DIRECTIVE"], -1, -1, -1, F.index, C["FRONT_OPENED"], 0.0)
            for F in reversed(fronts[N_BORDER:]):  # close the highest, never the border fronts
                if active <= target:
                    break
                if F.active:
                    self.close_front(F)
                    active -= 1
        elif self.war == VICTORY and t == self.war_end + int(self.P.operations_demobilisation_months):
            for F in fronts[N_BORDER:]:  # demobilisation
                if F.active:
                    self.close_front(F)

    def close_front(self, F: Front) -> None:
        F.active = 0
        self.emit(K["DIRECTIVE"], -1, -1, -1, F.index, C["FRONT_CLOSED"], 0.0)
        for p in self.posts_of_front[F.index]:
            o = self.holder[p]
            if o is not None:
                self.emit(K["TRANSFER"], o.ident, -1, p, F.index, C["REORGANISATION"], 0.0)
                o.vacate()

    # 2. Security organ ----------------------------------------------------------------------------------

    def security_step(self) -> None:
        P, n = self.P, self.n
        den = self.stream(Purpose.DENOUNCE)
        sig = self.stream(Purpose.DENOUNCE_SIGNAL)
        active = [o for o in self.agents if o.status == ACTIVE]
        fear_sum = 0.0
        for o in active:
            fear_sum += o.fear
        mean_fear = fear_sum / max(len(active), 1)
        quota_on = 1.0 if self.purge_quota > 0 else 0.0
        decay = P.security_suspicion_decay
        u_den = den.col(0)
        for o in active:
            o.susp *= decay
            hazard = o.denunciation_hazard(P, quota_on, mean_fear)
            if u_den[o.slot] < 1.0 - math.exp(-hazard):
                signal = P.security_accuracy * (1.0 - o.loyal) + P.security_false_accusation * sig.u(o.slot, 0)
                o.susp += signal
                other = -1
                start = int(den.u(o.slot, 1) * n)
                for step in range(n):  # the accuser: the first serving officer from a random place
                    j = (start + step) % n
                    if j != o.slot and self.slots[j].status == ACTIVE:
                        other = self.slots[j].ident
                        break
                self.emit(K["DENUNCIATION"], o.ident, other, o.post, -1, NONE, signal)
                chance = P.security_expulsion_share * max(0.0, 1.0 - P.security_expulsion_rank_slope * o.rank)
                if quota_on > 0 and den.u(o.slot, 2) < chance:
                    o.discharge()
        # Arrests by quota (M10): the organ takes the most suspected.
        if self.purge_quota > 0:
            q = self.stream(Purpose.QUOTA)
            noise = q.col(1)
            for _ in range(int(self.purge_quota * len(active) + q.u(0, 0))):
                best, best_s = None, -1.0
                for o in self.agents:  # serving or discharged; the ruler's sanction for senior men he trusts
                    if (o.status == ACTIVE or o.status == DISCHARGED) and not (
                        o.rank >= P.security_sanction_rank and o.bl_mu >= P.security_sanction_loyalty
                    ):
                        v = o.susp + P.security_quota_jitter * noise[o.slot]
                        if v > best_s:
                            best, best_s = o, v
                if best is None:
                    break
                best.arrest(C["QUOTA"])
        # Custody: interrogation in the first month, trial after the delay.
        trial = self.stream(Purpose.TRIAL)
        delay = int(P.security_trial_delay)
        for o in self.agents:
            if o.status != ARRESTED:
                continue
            o.custody += 1
            if o.custody == 1:
                o.trauma = min(1.0, o.trauma + P.security_interrogation_trauma)
                o.griev = min(1.0, o.griev + P.security_custody_grievance)
                self.interrogations += 1
                self.emit(K["INTERROGATION"], o.ident, -1, -1, -1, C["CUSTODY"], 0.0)
            if o.custody == delay and trial.u(o.slot, 0) < self.execute_share:
                o.execute(C["TRIAL"])

    # 3. Observation -------------------------------------------------------------------------------------

    def observe_step(self) -> None:
        P = self.P
        k = self.stream(Purpose.OBSERVE)
        asks = self.stream(Purpose.AUTONOMY)
        at_war = self.war == WAR
        if at_war:
            for p in self.field_posts:
                o = self.holder[p]
                if o is None:
                    continue
                F = self.fronts[self.post_front[p]]
                if F.active == 0 or F.quality == 0.0:  # a front that has not fought yet tells nothing
                    continue
                overstatement = (F.reported - F.adv) / P.operations_km_per_log_odds
                sd = P.ruler_observe_noise * (1.0 if self.post_kind[p] == FRONT else P.ruler_army_noise_factor)
                obs = F.quality + overstatement + sd * k.normal(o.slot, 0)
                o.bc_mu, o.bc_var = kalman(o.bc_mu, o.bc_var, obs, sd)
        sd = P.ruler_observe_noise * (P.ruler_record_noise_war if at_war else P.ruler_record_noise_peace)
        for o in self.agents:  # the service record
            if o.status == ACTIVE and o.post >= 0:
                o.bc_mu, o.bc_var = kalman(o.bc_mu, o.bc_var, o.comp + sd * k.normal(o.slot, 2), sd)
        organ_sd = P.ruler_organ_noise / math.sqrt(max(self.organ_trust, P.ruler_organ_trust_floor))
        top_pop = 0.0
        u_ask = asks.col(0)
        for o in self.agents:
            if o.status != ACTIVE:
                o.requests = 0
                continue
            if o.susp > P.ruler_dossier_threshold:  # the organ's dossier, weighted by trust in the organ
                obs = 1.0 - o.susp / (1.0 + o.susp) + P.ruler_organ_noise * k.normal(o.slot, 1)
                o.bl_mu, o.bl_var = kalman(o.bl_mu, o.bl_var, obs, organ_sd)
            if o.withdrew:
                o.bl_mu, o.bl_var = kalman(o.bl_mu, o.bl_var, P.ruler_withdrawal_loyalty, P.ruler_withdrawal_noise)
            o.requests = 1 if (o.post >= 0 and u_ask[o.slot] < o.autonomy_wish(P)) else 0
            if o.post >= 0 and o.pop > top_pop:
                top_pop = o.pop
        self.paranoia = clip01(
            self.paranoia
            + P.ruler_paranoia_decay * (P.ruler_paranoia_start - self.paranoia)
            + P.ruler_paranoia_popularity * max(0.0, top_pop - P.ruler_paranoia_popularity_floor)
            + P.ruler_paranoia_challenge * self.challenges_month
        )
        self.challenges_month = 0

    def distinction_step(self) -> None:
        """The record's distinctions of 1936-40: the ruler reads competence into them (engine `distinction_step`)."""
        P = self.P
        for i, t in enumerate(self.scenario.distinction.tolist()):
            if t != self.month:
                continue
            o = self.slots[i]
            if o.status != ACTIVE or o.roster < 0:
                continue
            staff = self.scenario.distinction_staff[i]
            reading = P.ruler_staff_distinction_reading if staff else P.ruler_distinction_reading
            o.bc_mu, o.bc_var = kalman(o.bc_mu, o.bc_var, reading, P.ruler_distinction_noise)
            o.pop = min(o.pop + P.ruler_distinction_popularity, P.politics_popularity_cap)
            self.emit(K["DISTINCTION"], o.ident, -1, o.post, -1, NONE, o.bc_mu)
            if P.ruler_distinction_promotion > 0 and o.rank < TOP_RANK - 1 and not self.rank_full(o.rank + 1):
                o.rank += 1
                self.emit(K["PROMOTION"], o.ident, -1, o.post, -1, C["MERIT"], float(o.rank))

    # 4. Decisions take effect ---------------------------------------------------------------------------

    def appoint_orders(self, budget: int) -> int:
        """The month's APPOINT orders, in their places in the attention budget (engine `appoint_run`): each
        carried out or refused uses a place.  Returns the places used."""
        chosen = [o for o in self.agents if o.action != NONE]
        if not any(o.action == A["APPOINT"] for o in chosen):
            return 0
        chosen.sort(key=lambda o: -o.priority)  # stable: ties in slot order
        used = 0
        for o in chosen[:budget]:
            if o.action == A["APPOINT"]:
                self.appoint(o, o.target, o.cause)
                o.action = NONE
                used += 1
        for o in chosen:
            if o.action == A["APPOINT"]:
                o.action = NONE
        return used

    def appoint(self, o: Officer, p: int, why: int) -> None:
        """Officer o to post p (engine `command.appoint`): its holder to the reserve, promotion to its rank."""
        if o.status != ACTIVE or p < 0 or p >= len(self.post_kind) or o.post == p:
            return
        f = self.post_front[p]
        if f >= 0 and self.fronts[f].active == 0:
            return
        if why == NONE:
            why = C["RULER"]
        h = self.holder[p]
        if h is not None:
            self.emit(K["REMOVAL"], h.ident, -1, p, f, C["REORGANISATION"], 0.0)
            h.vacate()
        o.vacate()
        self.holder[p] = o
        o.post = p
        self.emit(K["APPOINTMENT"], o.ident, -1, p, f, why, 0.0)
        if o.rank < self.post_min_rank[p]:
            o.rank = int(self.post_min_rank[p])
            self.emit(K["PROMOTION"], o.ident, -1, p, f, why, float(o.rank))

    def deputy_in_service(self) -> Officer | None:
        """The ruler's deputy if he is in active service (engine `deputy.deputy_slot`)."""
        if self.deputy < 0:
            return None
        o = self.slots[self.deputy % self.n]
        return o if (o.ident == self.deputy and o.status == ACTIVE) else None

    def name_deputy(self, decision: Settings) -> None:
        """The Deputy Supreme Commander (engine `deputy.name_deputy`): in war, with the rule on and no deputy in
        service, the active officer of rank >= deputy_rank the ruler rates highest (ties: the first slot)."""
        if not decision.deputy_on or self.war != WAR or self.deputy_in_service() is not None:
            return
        best, best_v = None, -math.inf
        for o in self.slots:
            if o.status == ACTIVE and o.rank >= decision.deputy_rank:
                v = o.bc_mu + decision.deputy_w_popularity * o.pop + decision.deputy_w_loyalty * o.bl_mu
                if v > best_v:
                    best, best_v = o, v
        if best is not None:
            self.deputy = best.ident
            self.emit(K["DIRECTIVE"], best.ident, -1, best.post, -1, C["DEPUTY"], best_v)

    def issue_order(self, directive: int) -> None:
        if directive == 270 or directive == 227:
            self.emit(K["DIRECTIVE"], -1, -1, -1, -1, C["ORDER_270"] if directive == 270 else C["ORDER_227"], 0.0)
            for o in self.agents:  # both orders frighten the commanders they threaten
                if o.status == ACTIVE and o.post >= 0 and self.post_kind[o.post] != DISTRICT:
                    o.fear = min(1.0, o.fear + self.P.politics_order_fear)

    def apply_decisions(self, decision: Settings, budget: int) -> None:
        """The `budget` highest-priority personnel actions, then the hold/initiative directives."""
        for o in self.agents:  # the review commission's work, not the ruler's attention
            if o.action == A["REINSTATE"] and o.status == DISCHARGED:
                o.status = ACTIVE
                self.emit(K["REINSTATEMENT"], o.ident, -1, -1, -1, o.cause if o.cause != NONE else C["REVIEW"], float(o.rank))
        chosen = [o for o in self.agents if o.action != NONE and o.action != A["REINSTATE"]]
        chosen.sort(key=lambda o: -o.priority)  # stable: ties in slot order
        interrogation = self.stream(Purpose.INTERROGATION)
        for o in chosen[:budget]:
            self.act_on(o, o.action, o.cause, interrogation)
        for F, hold in zip(self.fronts, decision.hold, strict=True):
            if F.active and hold != F.hold:
                F.hold = hold
                self.emit(K["DIRECTIVE"], -1, -1, -1, F.index, C["HOLD"] if hold else C["INITIATIVE"], 0.0)

    def act_on(self, o: Officer, act: int, why: int, interrogation: Stream) -> None:
        P = self.P
        w = P.captivity_scapegoat_weight
        if why == NONE:
            why = C["RULER"]
        if act == A["ARREST"] and o.status == ACTIVE:
            o.arrest(why)
            if why == C["SCAPEGOAT"]:
                self.scapegoat_index = (1.0 - w) * self.scapegoat_index + w
                self.examples += 1
        elif act == A["EXECUTE"] and (o.status == ACTIVE or o.status == ARRESTED):
            if o.status == ACTIVE:
                o.arrest(why)
            o.execute(why)
            if why == C["SCAPEGOAT"]:
                self.scapegoat_index = (1.0 - w) * self.scapegoat_index + w
                self.examples += 1
        elif act == A["RELEASE"] and o.status == ARRESTED:
            o.status = ACTIVE
            o.custody = 0
            o.susp *= P.command_release_suspicion
            o.griev = min(1.0, o.griev + P.command_release_grievance)
            self.releases += 1
            self.emit(K["RELEASE"], o.ident, -1, -1, -1, why, 0.0)
        elif o.status != ACTIVE:
            return
        elif act == A["INTERROGATE"]:
            o.trauma = min(1.0, o.trauma + P.security_interrogation_trauma)
            o.griev = min(1.0, o.griev + P.command_interrogation_grievance)
            o.fear = min(1.0, o.fear + P.command_interrogation_fear)
            obs = o.loyal + P.ruler_interrogation_noise * interrogation.normal(o.slot, 0)
            o.bl_mu, o.bl_var = kalman(o.bl_mu, o.bl_var, obs, P.ruler_interrogation_noise)
            self.interrogations += 1
            self.emit(K["INTERROGATION"], o.ident, -1, o.post, -1, why, obs)
        elif act == A["PROMOTE"] and o.rank < TOP_RANK and (why == C["RECORD"] or not self.rank_full(o.rank + 1)):
            o.rank += 1
            self.emit(K["PROMOTION"], o.ident, -1, o.post, -1, why, float(o.rank))
        elif act == A["DEMOTE"] and o.rank > 0:
            o.rank -= 1
            o.griev = min(1.0, o.griev + P.command_demotion_grievance)
            self.emit(K["DEMOTION"], o.ident, -1, o.post, -1, why, float(o.rank))
            if o.post >= 0 and o.rank < self.post_min_rank[o.post] - int(P.command_rank_slack):  # too junior now for his post
                self.emit(K["REMOVAL"], o.ident, -1, o.post, -1, why, 0.0)
                o.vacate()
        elif act == A["REMOVE"] and o.post >= 0:
            self.emit(K["REMOVAL"], o.ident, -1, o.post, -1, why, 0.0)
            o.vacate()
            o.griev = min(1.0, o.griev + P.command_removal_grievance)
        elif act == A["ROTATE"]:
            if o.rank < TOP_RANK and not self.rank_full(o.rank + 1):
                o.rank += 1
                self.emit(K["PROMOTION"], o.ident, -1, o.post, -1, C["ROTATION"], float(o.rank))
            self.move_to(o, DISTRICT, C["ROTATION"])
            o.pop *= P.command_rotation_popularity
        elif act == A["SIDELINE"]:
            self.move_to(o, DISTRICT, C["SIDELINE"])
            o.pop *= P.command_sideline_popularity
            o.griev = min(1.0, o.griev + P.command_sideline_grievance)
        elif act == A["RECALL"]:
            self.move_to(o, STAFF, C["RECALL"])
        elif act == A["CHARM"]:
            o.fear = clip01(o.fear - P.politics_charm_fear)
            o.griev = clip01(o.griev - P.politics_charm_grievance)
            o.loyal = clip01(o.loyal + P.politics_charm_loyalty * (1.0 - o.loyal))
            self.emit(K["CHARM"], o.ident, -1, o.post, -1, why, 0.0)

    def move_to(self, o: Officer, kind: int, why: int) -> None:
        """To a vacant post of `kind`, else to the one whose holder ranks lowest (he goes to the reserve)."""
        if o.post >= 0 and self.post_kind[o.post] == kind:
            return
        target, low_rank = -1, 99
        for p, k in enumerate(self.post_kind):
            if k != kind:
                continue
            h = self.holder[p]
            if h is None:
                target = p
                break
            if h is not o and h.rank < low_rank:
                low_rank, target = h.rank, p
        old = o.post
        o.vacate()
        if target < 0:
            self.emit(K["TRANSFER"], o.ident, -1, old, -1, why, 0.0)
            return
        h = self.holder[target]
        if h is not None:
            self.emit(K["TRANSFER"], h.ident, -1, target, -1, C["REORGANISATION"], 0.0)
            h.vacate()
        self.holder[target] = o
        o.post = target
        self.emit(K["TRANSFER"], o.ident, -1, target, -1, why, float(old))

    def fill_vacancies(self) -> None:
        """Every vacant post, in order of importance, to the eligible officer the doctrine scores highest."""
        position, min_rank = self.position, self.post_min_rank
        candidates = [o for o in self.agents if o.status == ACTIVE]  # nobody's status changes in this pass
        slack = int(self.P.command_rank_slack)
        lateral = self.P.command_lateral_moves > 0
        from_staff = self.P.command_crisis_from_staff > 0
        at_war = self.war == WAR
        post_kind = self.post_kind
        for j, p in enumerate(self.fill_order):
            if self.holder[p] is not None:
                continue
            f = self.post_front[p]
            if f >= 0 and self.fronts[f].active == 0:
                continue
            best, best_s = None, -math.inf
            for o in candidates:
                if o.rank < min_rank[p] - slack:
                    continue
                staff = o.post >= 0 and post_kind[o.post] == STAFF
                if o.post >= 0 and position[o.post] <= j and not (from_staff and self.crisis and post_kind[p] == FRONT and staff):
                    continue  # (in a front's collapse the staff is sent to it)
                if from_staff and at_war and post_kind[p] == STAFF and o.post >= 0 and post_kind[o.post] == FRONT:
                    continue  # a front commander stays at the front
                if not lateral and o.post >= 0 and post_kind[o.post] == post_kind[p] and j > 0:  # from below only
                    continue
                if o.score > best_s:
                    best, best_s = o, o.score
            if best is None:
                continue
            best.vacate()
            self.holder[p] = best
            best.post = p
            war_post = self.post_kind[p] == FRONT or self.post_kind[p] == ARMY
            why = C["CRISIS"] if (self.crisis and war_post) else C["ROUTINE"]
            if why == C["CRISIS"] and (best.trauma > 0.0 or best.bl_mu < self.P.command_watch_loyalty):
                best.watched = 1  # "REMEMBER WHO GAVE YOU THIS COMMAND"
            self.emit(K["APPOINTMENT"], best.ident, -1, p, f, why, 0.0)
            if best.rank < min_rank[p]:
                best.rank = min_rank[p]
                self.emit(K["PROMOTION"], best.ident, -1, p, f, why, float(best.rank))

    def rank_full(self, rank: int) -> bool:
        """Whether `rank` holds its establishment (engine `common.rank_full`): no promotion into a full rank."""
        P = self.P
        cap = int(P.command_marshal_cap) if rank == TOP_RANK else int(P.command_army_general_cap) if rank == TOP_RANK - 1 else 0
        return cap > 0 and sum(1 for o in self.agents if o.rank == rank and o.status == ACTIVE) >= cap

    def ladder_step(self) -> None:
        """The career ladder: promotion in post toward the post's establishment rank (engine `ladder_step`)."""
        P = self.P
        if P.command_ladder_rate <= 0.0:
            return
        k = self.stream(Purpose.LADDER)
        steps = int(P.command_ladder_rank_steps)
        chief = self.fill_order[0]
        for o in self.agents:
            if o.status != ACTIVE or o.post < 0 or o.tenure < P.command_ladder_tenure:
                continue
            top = self.post_min_rank[o.post] + steps + (1 if o.post == chief else 0)
            if o.rank < min(top, TOP_RANK - 1) and k.u(o.slot, 0) < P.command_ladder_rate and not self.rank_full(o.rank + 1):
                o.rank += 1
                self.emit(K["PROMOTION"], o.ident, -1, o.post, -1, C["LADDER"], float(o.rank))

    # 5. Operations --------------------------------------------------------------------------------------

    def operations_step(self, pressure: float, enemy_q: float, mobil: float) -> None:
        P, t = self.P, self.month
        for o in self.agents:  # last month's withdrawals were seen (step 3) and judged (step 4)
            o.withdrew = 0
        if self.war != WAR:
            for F in self.fronts:
                F.collapsed = 0
                F.encircled = 0
            return
        combat = self.stream(Purpose.COMBAT)
        encircle = self.stream(Purpose.ENCIRCLE)
        casualty = self.stream(Purpose.CASUALTY)
        withdraw = self.stream(Purpose.WITHDRAW)
        depth_sum = 0.0
        active = 0
        for F in self.fronts:
            f = F.index
            F.collapsed = 0
            F.encircled = 0
            if F.active == 0:
                continue
            cmd = None
            army_q = 0.0
            n_army = 0
            for p in self.posts_of_front[f]:
                o = self.holder[p]
                if self.post_kind[p] == FRONT:
                    cmd = o
                else:
                    army_q += o.effective_competence() if o is not None else P.operations_vacancy_quality
                    n_army += 1
                    if o is not None:
                        self.field_comp_sum += o.comp
                        self.field_comp_n += 1
            front_q = cmd.effective_competence() if cmd is not None else P.operations_vacancy_quality
            if cmd is not None:
                self.field_comp_sum += cmd.comp
                self.field_comp_n += 1
            w_front = P.operations_front_weight
            quality = w_front * front_q + (1.0 - w_front) * (army_q / n_army if n_army > 0 else front_q)
            fear_cmd = cmd.fear if cmd is not None else P.operations_vacancy_fear
            initiative = (1.0 - F.hold) * (1.0 - P.operations_fear_initiative * fear_cmd)
            total_q = quality + self.lessons - P.operations_interference * (1.0 - self.listening)
            # M7 supply lines: ours from the railhead, the enemy's from the 1941 border.
            own_supply = supply(self.railhead - F.depth, P.operations_own_supply_km, P.operations_own_supply_halving_km)
            enemy_supply = supply(F.depth, P.operations_enemy_supply_km, P.operations_enemy_supply_halving_km)
            enemy_front = F.enemy * pressure * enemy_q * enemy_supply * main_blow(f, self.max_depth, P)
            odds = F.own * own_supply * (P.operations_quality_offset + total_q) / max(enemy_front, 1.0)
            # M7: a commander under hold orders who sees the trap may withdraw against orders.
            if F.hold and odds < P.operations_withdrawal_odds and cmd is not None:
                p_w = (
                    P.operations_unauthorised_withdrawal
                    * cmd.comp
                    * (1.0 - cmd.fear)
                    * (1.0 - P.operations_withdrawal_loyalty * cmd.loyal)
                )
                if withdraw.u(f, 0) < p_w:
                    initiative = 1.0
                    cmd.withdrew = 1
                    cmd.susp += P.operations_withdrawal_suspicion
                    self.emit(K["WITHDRAWAL"], cmd.ident, -1, cmd.post, f, C["UNAUTHORISED"], 0.0)
            adv = P.operations_km_per_log_odds * math.log(odds) + P.operations_noise_km * combat.normal(f, 0)
            if adv < 0:
                adv *= P.operations_hold_ground_factor * (1.0 - initiative) + P.operations_initiative_ground_factor * initiative
            losses = F.own * P.operations_loss_rate * (1.0 + max(0.0, -math.log(odds)))
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
                    * (
                        P.operations_hold_encircle_factor * (1.0 - initiative)
                        + P.operations_initiative_encircle_factor * initiative
                    )
                )
                if encircle.u(f, 0) < 1.0 - math.exp(-hazard):
                    F.encircled = 1
                    self.encirclements += 1
                    losses += F.own * P.operations_encirclement_losses
                    adv -= P.operations_encirclement_km
                    trapped = self.trapped_commander(f, cmd, encircle.u(f, 1))
                    self.emit(K["ENCIRCLEMENT"], trapped.ident if trapped is not None else -1, -1, -1, f, NONE, losses)
                    if trapped is not None:
                        u = encircle.u(f, 2)
                        if u < P.operations_pocket_killed:
                            trapped.kill(f)
                        elif u < 1.0 - P.operations_pocket_escape:
                            trapped.capture(f)
            adv = min(max(adv, -P.operations_max_retreat_km), P.operations_max_advance_km)
            F.own = max(F.own - losses, P.operations_min_strength)
            F.enemy = max(F.enemy - enemy_losses, P.operations_min_strength)
            self.losses += losses
            # Replacements: own from mobilisation, the enemy's from a finite pool.
            F.own += max(0.0, P.operations_reinforce * (P.operations_own_strength * mobil - F.own))
            want = P.operations_enemy_reinforce * max(0.0, P.operations_enemy_strength - F.enemy)
            got = min(want, self.enemy_pool)
            F.enemy += got
            self.enemy_pool -= got
            F.depth -= adv
            F.adv = adv
            F.odds = odds
            F.quality = quality
            F.reported = adv + P.ruler_report_bias_km * fear_cmd
            if cmd is not None:
                if adv >= P.operations_victory_km:
                    cmd.wins += 1
                    self.emit(K["VICTORY"], cmd.ident, -1, cmd.post, f, NONE, adv)
                elif adv <= -P.operations_defeat_km:
                    cmd.defeats += 1
                    self.emit(K["DEFEAT"], cmd.ident, -1, cmd.post, f, NONE, adv)
            elif adv >= P.operations_victory_km:
                self.emit(K["VICTORY"], -1, -1, -1, f, NONE, adv)
            elif adv <= -P.operations_defeat_km:
                self.emit(K["DEFEAT"], -1, -1, -1, f, NONE, adv)
            if adv <= -P.operations_collapse_km or F.encircled:
                F.collapsed = 1
            # Commanders fall at the front.
            hazard = P.operations_kill_rate * (P.operations_encircled_kill_factor if F.encircled else 1.0)
            for p in self.posts_of_front[f]:
                o = self.holder[p]
                if o is not None and casualty.u(o.slot, 0) < hazard:
                    o.kill(f)
            depth_sum += F.depth
            active += 1
        if active == 0:
            return
        mean_depth = depth_sum / active
        self.max_depth = max(self.max_depth, mean_depth)
        self.railhead = max(mean_depth, self.railhead - P.operations_rail_repair_km)  # rebuilt behind an advance
        enemy_total = self.enemy_pool
        for F in self.fronts:
            if F.active:
                enemy_total += F.enemy
        exhausted = P.operations_enemy_exhausted * P.operations_enemy_strength * N_BORDER
        if mean_depth <= P.operations_victory_depth_km or enemy_total < exhausted:
            self.war, self.war_end = VICTORY, t
            self.emit(K["WAR"], -1, -1, -1, -1, C["WAR_WON"], mean_depth)
        elif mean_depth >= P.operations_defeat_depth_km:
            self.war, self.war_end = DEFEAT, t
            self.ruler_alive = 0
            self.purge_quota = 0.0
            self.emit(K["WAR"], -1, -1, -1, -1, C["WAR_LOST"], mean_depth)

    def trapped_commander(self, f: int, cmd: Officer | None, u: float) -> Officer | None:
        """An army commander of the front is caught in the pocket; the front commander only if alone."""
        armies = [self.holder[p] for p in self.armies_of_front[f] if self.holder[p] is not None]
        return armies[int(u * len(armies))] if armies else cmd

    # 6. Captivity ---------------------------------------------------------------------------------------

    def captivity_step(self) -> None:
        P, t = self.P, self.month
        k = self.stream(Purpose.CAPTIVITY)
        homecoming = self.war == VICTORY and t == self.war_end + int(P.captivity_homecoming_months)
        at_war = self.war == WAR
        for o in self.agents:
            if o.status != CAPTURED:
                continue
            o.captive += 1
            i = o.slot
            if k.u(i, 0) < P.captivity_death_rate:
                o.status = DEAD
                self.emit(K["DEATH"], o.ident, -1, -1, -1, C["CUSTODY"], 0.0)
                continue
            offer = math.exp(-(o.captive - 1) / P.captivity_defect_window)  # the enemy's offer fades
            if at_war and k.u(i, 1) < sigmoid(o.defection_pull(P, self.scapegoat_index, self.hostage)) * offer:
                o.status = DEFECTED
                self.defections += 1
                self.emit(K["DEFECTION"], o.ident, -1, -1, -1, NONE, o.fear)
                continue
            escaped = at_war and k.u(i, 2) < P.captivity_escape_rate
            if escaped or homecoming:
                o.status = ACTIVE
                self.emit(K["RETURN"] if homecoming else K["ESCAPE"], o.ident, -1, -1, -1, NONE, float(o.captive))
                if k.u(i, 3) < self.punish_returnees:
                    o.arrest(C["RETURNEE"])

    # 7. Learning ----------------------------------------------------------------------------------------

    def learning_step(self) -> None:
        P = self.P
        for o in self.agents:
            if o.post >= 0:
                o.tenure = min(o.tenure + 1, 1000)
        if self.war != WAR:
            return
        for o in self.agents:
            if o.status != ACTIVE or o.post < 0:
                continue
            k = self.post_kind[o.post]
            if k in (FRONT, ARMY):
                o.exper += 1.0
                o.comp += P.learning_competence_gain * (1.0 - o.comp)
            elif k == CORPS:
                o.exper += P.learning_corps_experience
        battles = sum(1 for F in self.fronts if F.active and (abs(F.adv) >= P.operations_victory_km or F.encircled))
        if battles > 0:
            rate = P.learning_lessons_rate * (1.0 if self.collate else P.learning_lessons_uncollated)
            self.lessons += rate * (P.learning_lessons_cap - self.lessons)

    # 8. Popularity and challenges -----------------------------------------------------------------------

    def politics_step(self) -> None:
        P = self.P
        k = self.stream(Purpose.CHALLENGE)
        self.scapegoat_index *= P.captivity_scapegoat_decay
        if self.war == WAR or (self.war == VICTORY and self.war_end == self.month):  # a month fought
            for p in self.field_posts:  # credit for this month's victories
                o = self.holder[p]
                F = self.fronts[self.post_front[p]]
                if o is None or F.active == 0:
                    continue
                if F.adv >= P.operations_victory_km:
                    share = 1.0 if self.post_kind[p] == FRONT else P.politics_army_credit
                    o.pop += share * P.politics_victory_popularity * (1.0 - self.credit)
            # the decisive front: the largest advance of the month, if a victory (ties: the first front)
            best = None
            for F in self.fronts:
                if F.active and F.adv >= P.operations_victory_km and (best is None or F.adv > best.adv):
                    best = F
            if best is not None:
                commander = None
                for p in self.posts_of_front[best.index]:
                    o = self.holder[p]
                    if o is not None and self.post_kind[p] == FRONT:
                        o.pop += P.politics_decisive_popularity * (1.0 - self.credit)
                        commander = o
                deputy = self.deputy_in_service()  # the Stavka's representative coordinated it
                if deputy is not None and deputy is not commander:
                    deputy.pop += P.politics_deputy_popularity * (1.0 - self.credit)
        decay = P.politics_popularity_decay
        u_challenge = k.col(0)
        for o in self.agents:
            o.pop = min(o.pop * decay, P.politics_popularity_cap)
            if self.ruler_alive == 0 or o.status != ACTIVE or o.post < 0 or self.post_kind[o.post] == CORPS:
                continue
            if u_challenge[o.slot] >= sigmoid(o.challenge_pull(P)):
                continue
            self.challenges += 1
            self.challenges_month += 1
            success = sigmoid(
                P.politics_challenge_success_base
                + P.politics_challenge_success_popularity * o.pop
                + P.politics_challenge_success_paranoia * self.paranoia
            )
            if k.u(o.slot, 1) < success:
                self.ruler_alive = 0
                self.purge_quota = 0.0  # the new leadership ends the old one's quotas
                self.emit(K["CHALLENGE"], o.ident, -1, o.post, -1, C["SUCCESSFUL_CHALLENGE"], o.pop)
            else:
                self.emit(K["CHALLENGE"], o.ident, -1, o.post, -1, C["FAILED_CHALLENGE"], o.pop)
                if o.repressed == 0:  # a plotter is no innocent victim
                    o.repressed = 1
                    self.repressed_n += 1
                o.arrest(C["FAILED_CHALLENGE"])
                o.execute(C["FAILED_CHALLENGE"])

    # 9. Fear, grievance, loyalty ------------------------------------------------------------------------

    def morale_step(self) -> None:
        n_active = sum(1 for o in self.agents if o.status == ACTIVE)
        self.agents.do("morale", self.P, self.repressed_month / max(n_active, 1))
        self.repressed_month = 0

    # 11. Turnover ---------------------------------------------------------------------------------------

    def turnover_step(self, calendar_month: int) -> None:
        P, n = self.P, self.n
        k = self.stream(Purpose.AGEING)
        u_attrition = k.col(1)
        for o in self.agents:
            o.age += 1.0 / 12.0
            if o.status != ACTIVE:
                continue
            if o.age > P.turnover_retirement_age and k.u(o.slot, 0) < P.turnover_retirement_rate:
                self.emit(K["RETIREMENT"], o.ident, -1, o.post, -1, C["AGE"], o.age)
                o.vacate()
                o.status = RETIRED
            elif u_attrition[o.slot] < P.turnover_attrition:
                self.emit(K["DEATH"], o.ident, -1, o.post, -1, NONE, o.age)
                o.vacate()
                o.status = DEAD
        if calendar_month != int(P.turnover_intake_month):
            return
        # January intake: a new colonel (a new agent) in every emptied slot.
        new = self.stream(Purpose.INTAKE)
        c = self.scenario.config
        cc, cl, ca, kappa = c.corps.competence_mean, c.corps.loyalty_mean, c.corps.ambition_mean, c.corps.trait_concentration
        sd_c = math.sqrt(cc * (1 - cc) / (kappa + 1))
        sd_l = math.sqrt(cl * (1 - cl) / (kappa + 1))
        sd_a = math.sqrt(ca * (1 - ca) / (kappa + 1))
        lo, hi = P.turnover_trait_min, P.turnover_trait_max
        refilled = False
        for i, old in enumerate(self.slots):
            if old.status == ACTIVE or old.status == ARRESTED or old.status == CAPTURED or old.status == DISCHARGED:
                continue
            gen = old.generation + 1
            old.remove()
            patron = int(new.u(i, 7) * n)
            o = Officer(
                self,
                i,
                gen,
                ident=i + n * gen,
                status=ACTIVE,
                rank=0,
                post=-1,
                comp=min(max(cc + sd_c * new.normal(i, 0), lo), hi),
                loyal=min(max(cl + sd_l * new.normal(i, 1), lo), hi),
                ambition=min(max(ca + sd_a * new.normal(i, 2), lo), hi),
                age=P.turnover_intake_age + P.turnover_intake_age_span * new.u(i, 6),
                exper=0.0,
                tenure=0,
                pop=0.0,
                fear=P.politics_fear_baseline,
                griev=0.0,
                trauma=0.0,
                susp=0.0,
                bc_mu=cc,
                bc_var=c.ruler.prior_var,
                bl_mu=cl,
                bl_var=c.ruler.prior_var,
                wins=0,
                defeats=0,
                custody=0,
                captive=0,
                requests=0,
                withdrew=0,
                watched=0,
                senior_at_war=0,
                repressed=0,
                roster=-1,
                patron=-1,
            )
            self.slots[i] = o
            o.patron = patron if (patron != i and self.slots[patron].rank >= int(P.turnover_patron_min_rank)) else -1
            refilled = True
        if refilled:  # keep the AgentSet in slot order: the engine's ties and sums go by slot
            self.agents.sort(key="slot", ascending=True, inplace=True)

    # 10. Ledgers ----------------------------------------------------------------------------------------

    def war_end_snapshot(self) -> None:
        live = [o for o in self.agents if o.status == ACTIVE]
        if len(live) > 2:
            self.meritocracy = float(spearmanr([o.comp for o in live], [o.rank for o in live]).statistic)
        senior = [o.senior_at_war for o in self.agents if o.post >= 0 and self.post_kind[o.post] == FRONT]
        if senior:
            self.continuity = float(np.mean(np.array(senior, dtype=np.int8)))

    def front_line(self) -> float:
        at_war = self.war == WAR or self.war_end == self.month
        act = [F.depth for F in self.fronts if F.active]
        return sum(act) / len(act) if (at_war and act) else math.nan

    def corps_quality(self) -> float:
        comp = [o.comp for o in self.agents if o.status == ACTIVE and o.post >= 0 and self.post_kind[o.post] != CORPS]
        return sum(comp) / max(len(comp), 1)

    def mean_fear(self) -> float:
        fear = [o.fear for o in self.agents if o.status == ACTIVE]
        return sum(fear) / max(len(fear), 1)

    def own_strength(self) -> float:
        return sum(F.own for F in self.fronts if F.active)

    def enemy_strength(self) -> float:
        return sum(F.enemy for F in self.fronts if F.active)

    def active_fronts(self) -> int:
        return sum(1 for F in self.fronts if F.active) if self.war == WAR else 0

    # --- results -----------------------------------------------------------------------------------------

    def events_frame(self) -> pd.DataFrame:
        """The true ledger in the columns of `stavka.simulate(...).events` (detail left empty)."""
        if not self.events:
            return pd.DataFrame(
                columns=["run", "month", "kind", "officer", "officer_id", "other_id", "post", "front", "cause", "detail", "value"]
            )
        t, kind, officer, other, post, front, cause, value = (list(c) for c in zip(*self.events, strict=True))
        roster = self.scenario.roster
        ids = np.array(officer, dtype=np.int64)
        generated = sorted({i for i in officer if i >= len(roster)})
        gen_names = dict(
            zip(
                generated,
                generated_names(self.seed, np.full(len(generated), self.run_id), np.array(generated, dtype=np.int64)),
                strict=True,
            )
        )
        names = [roster[i].short_name if 0 <= i < len(roster) else gen_names.get(i, "") for i in officer]
        post_names = self.scenario.posts.names
        front_names = {self.post_front[p]: post_names[p] for p in self.field_posts if self.post_kind[p] == FRONT}
        return pd.DataFrame(
            {
                "run": self.run_id,
                "month": [self.labels[m] for m in t],
                "kind": [KIND_TEXT[Kind(k)] for k in kind],
                "officer": names,
                "officer_id": ids,
                "other_id": np.array(other, dtype=np.int64),
                "post": [post_names[p] if p >= 0 else "" for p in post],
                "front": [front_names.get(f, "") for f in front],
                "cause": [CAUSE_TEXT[Cause(c)] for c in cause],
                "detail": "",
                "value": np.array(value, dtype=np.float32).astype(float),
            }
        )

    def metrics(self) -> dict[str, Any]:
        won = self.war == VICTORY
        out: dict[str, Any] = {
            "victory_month": self.labels[self.war_end] if won else None,
            "max_depth_km": self.max_depth,
            "losses": self.losses,
            "encirclements": self.encirclements,
            "commanders_killed": self.commanders_killed,
            "commanders_captured": self.commanders_captured,
            "defections": self.defections,
            "arrests": self.arrests,
            "executions": self.executions,
            "interrogations": self.interrogations,
            "releases": self.releases,
            "innocent_share": self.repressed_innocent / self.repressed_n if self.repressed_n > 0 else math.nan,
            "field_competence": self.field_comp_sum / self.field_comp_n if self.field_comp_n > 0 else math.nan,
            "meritocracy": self.meritocracy,
            "continuity": self.continuity,
            "challenges": self.challenges,
            "ruler_survived": bool(self.ruler_alive),
        }
        series = self.datacollector.get_model_vars_dataframe()
        credit = dict(zip(self.labels, series["credit"], strict=True))
        _, stats = official_history(
            self.events_frame(), self.seed, self.doctrine.censorship, lambda run, month: credit.get(month, 0.0)
        )
        out["history_distortion"] = float(stats["history_distortion"].iloc[0]) if len(stats) else 0.0
        out["erased_names"] = int(stats["erased_names"].iloc[0]) if len(stats) else 0
        return {name: out[name] for name in METRICS}


@lru_cache(maxsize=4)
def default_scenario(name: str = "default") -> Scenario:
    return Scenario.load(name)


def simulate_model(doctrine: str | Doctrine, seed: int, run_id: int, scenario: Scenario | None = None) -> StavkaModel:
    """Build and run one model to the end; the model keeps its event log and series."""
    model = StavkaModel(doctrine, seed, run_id, scenario)
    model.run_model()
    return model


def run(doctrine: str | Doctrine, seed: int, run_id: int, scenario: Scenario | None = None) -> dict[str, Any]:
    """Metrics of run `run_id` of `seed` (names and meaning as in `stavka.simulate(...).metrics`)."""
    return simulate_model(doctrine, seed, run_id, scenario).metrics()
