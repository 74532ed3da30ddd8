"""One parametric personnel policy that the built-in doctrines configure.

Each rule below is one mechanism of MODEL.md §1 and is switched off by its parameter's neutral value,
so a doctrine is a point in one policy space and doctrines are comparable parameter by parameter.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from ..calendar import parse_month
from ..engine.codes import Action, Cause, PostKind, Status, War
from ..engine.interface import Decisions, RulerView
from ..rng import stream_keys, uniforms
from .base import Censorship, Doctrine, DoctrineParams

Window = tuple[str, str] | None


def in_window(label: str, window: Window) -> bool:
    if window is None:
        return True
    return parse_month(window[0]) <= parse_month(label) <= parse_month(window[1])


class PolicyParams(DoctrineParams):
    # M10, M14: the purge and the organ
    purge_quota: float = Field(0.0, ge=0, le=0.2, description="organ's monthly arrest quota, share of corps")
    purge_window: Window = Field(None, description="months (YYYY-MM, YYYY-MM) of the purge quota; None: always")
    execute_share: float = Field(0.0, ge=0, le=1, description="share of the arrested shot at trial")
    organ_trust: float = Field(0.5, ge=0, le=1, description="weight of the organ's reports in loyalty beliefs")
    arrest_disloyalty: float = Field(1.0, ge=0, le=1, description="arrest when believed disloyalty exceeds this")
    paranoia_weight: float = Field(0.0, ge=0, le=1, description="paranoia lowers that threshold")
    release_rate: float = Field(0.0, ge=0, le=1, description="monthly chance a sentenced officer is released")
    release_window: Window = None
    # M3, M2: failure
    scapegoat: float = Field(0.0, ge=0, le=1, description="chance the commander of a collapsed front is arrested")
    scapegoat_execute: float = Field(0.0, ge=0, le=1, description="... and shot")
    relieve_below: float = Field(0.0, ge=0, le=1, description="relieve a defeated commander believed less competent")
    keep_loyal_failures: bool = Field(False, description="a failing loyalist is recalled to staff, not punished")
    demote_failures: float = Field(0.0, ge=0, le=1, description="chance a relieved failure is demoted in rank instead")
    loyal_bar: float = Field(0.8, ge=0, le=1, description="belief in loyalty that makes a 'loyal' failure")
    # M4: popularity
    rotate_popular: float = Field(math.inf, ge=0, description="popularity above which a winner is rotated")
    sideline_after_war: int = Field(-1, ge=-1, description="months after victory to sideline the top marshal; -1 never")
    credit_taken: float = Field(0.0, ge=0, le=1, description="share of victory credit taken by the centre")
    # M5, M6: break and use
    interrogate_autonomy: float = Field(0.0, ge=0, le=1, description="chance to interrogate who asks for autonomy")
    interrogate_in_war: bool = Field(True, description="also interrogate during the war")
    crisis_appointment: bool = Field(False, description="after a collapse, appoint by believed competence only")
    crisis_release: float = Field(1.0, ge=0, le=1, description="believed competence that releases a prisoner in a crisis")
    # M7, Order 270
    hold_strictness: float = Field(0.5, ge=0, le=1, description="share of fronts under hold orders")
    punish_withdrawal: float = Field(0.0, ge=0, le=1, description="chance to arrest who withdrew against orders")
    hostage: bool = Field(False, description="family-hostage clause for the captured")
    punish_returnees: float = Field(0.0, ge=0, le=1)
    # M11, M12: learning, listening, charm, talent
    collate_lessons: bool = False
    listening: float = Field(0.5, ge=0, le=1)
    listening_growth: float = Field(0.0, ge=0, description="listening gained per victory of the war so far")
    charm: int = Field(0, ge=0, le=50, description="commanders given personal attention each month")
    promote_winners: float = Field(0.0, ge=0, le=1, description="chance a victorious commander is promoted")
    talent_promotions: int = Field(0, ge=0, le=50, description="officers promoted each month for believed talent")
    w_competence: float = Field(1.0, description="appointment weight of believed competence")
    w_loyalty: float = Field(1.0, description="appointment weight of believed loyalty")
    w_seniority: float = Field(1.0, description="appointment weight of rank and experience")
    w_popularity: float = Field(0.0, description="appointment weight of popularity (negative: avoid the popular)")
    # M9: the official history
    censor_erase: float = Field(0.0, ge=0, le=1)
    censor_relabel: bool = False
    censor_secret: bool = False


class PolicyDoctrine(Doctrine):
    """A doctrine that is a parameter set of the shared policy."""

    Params = PolicyParams

    def params_at(self, label: str) -> PolicyParams:
        """Parameters in force in a month; phased doctrines override this."""
        return self.params  # type: ignore[return-value]

    def censorship(self, month: str) -> Censorship:
        p = self.params_at(month)
        return Censorship(erase_repressed=p.censor_erase, relabel=p.censor_relabel, hide_secret=p.censor_secret)

    def credit_policy(self, month: str) -> float:
        return self.params_at(month).credit_taken

    def decide(self, view: RulerView) -> Decisions:
        return decide_by_policy(self.params_at(view.label), view)


def decide_by_policy(p: PolicyParams, view: RulerView) -> Decisions:
    d = Decisions.routine(view)
    o, fr, run = view.officer, view.front, view.run
    n_runs, n = view.shape
    u = [view.uniforms(k) for k in range(7)]
    active = o["status"] == Status.ACTIVE
    arrested = o["status"] == Status.ARRESTED
    at_war = (run["war"] == War.WAR)[:, None]
    commands = view.holds(PostKind.FRONT, PostKind.ARMY)
    front_of = np.maximum(view.front_of, 0)
    rows = np.arange(n_runs)[:, None]
    my_front_collapsed = commands & (fr["collapsed"][rows, front_of] == 1)
    my_front_defeated = commands & (fr["reported"][rows, front_of] <= -60.0) & at_war
    is_front_cmdr = view.post_kind == PostKind.FRONT
    loyal_failure = p.keep_loyal_failures & (o["bl_mu"] >= p.loyal_bar)

    # Run-level settings.
    wins_so_far = o["wins"].sum(axis=1)
    d.listening[:] = np.minimum(1.0, p.listening + p.listening_growth * wins_so_far)
    d.credit[:] = p.credit_taken
    d.collate[:] = int(p.collate_lessons)
    d.purge_quota[:] = p.purge_quota if in_window(view.label, p.purge_window) else 0.0
    d.execute_share[:] = p.execute_share
    d.organ_trust[:] = p.organ_trust
    d.hostage[:] = int(p.hostage)
    d.punish_returnees[:] = p.punish_returnees
    # Hold or initiative (M7): the same fronts keep the same orders from month to month.
    fixed = uniforms(stream_keys(view.seed, view.run_ids, 0, 24), fr["hold"].shape[1])
    d.hold[:] = (fixed < p.hold_strictness).astype(np.int8)

    # M14 -> M1: arrest on believed disloyalty, sooner when paranoid.
    threshold = p.arrest_disloyalty * (1.0 - p.paranoia_weight * run["paranoia"])[:, None]
    d.order(active & (1.0 - o["bl_mu"] > threshold), Action.ARREST, 1.0 - o["bl_mu"], Cause.RULER)
    # Review of sentenced officers (reinstatements, M10).
    if in_window(view.label, p.release_window) and p.release_rate > 0:
        d.order(arrested & (o["custody"] > 3) & (u[1] < p.release_rate), Action.RELEASE, 0.5, Cause.REVIEW)
    # M3 scapegoating, M2 the loyal failure kept close.
    scapegoated = is_front_cmdr & my_front_collapsed & (u[2] < p.scapegoat)
    d.order(scapegoated & loyal_failure, Action.RECALL, 9.0, Cause.FAILURE)
    shoot = u[3] < p.scapegoat_execute
    d.order(scapegoated & ~loyal_failure & shoot, Action.EXECUTE, 10.0, Cause.SCAPEGOAT)
    d.order(scapegoated & ~loyal_failure & ~shoot, Action.ARREST, 10.0, Cause.SCAPEGOAT)
    failing = (my_front_collapsed | my_front_defeated) & (o["bc_mu"] < p.relieve_below) & ~scapegoated
    demoted = failing & (u[6] < p.demote_failures) & (o["rank"] > 0)
    d.order(demoted, Action.DEMOTE, 5.0, Cause.FAILURE)  # Kulik 1942, Popov 1944
    d.order(failing & ~demoted & loyal_failure, Action.RECALL, 5.0, Cause.FAILURE)
    d.order(failing & ~demoted & ~loyal_failure, Action.REMOVE, 5.0, Cause.FAILURE)
    d.order(active & (o["withdrew"] == 1) & (u[4] < p.punish_withdrawal), Action.ARREST, 8.0, Cause.UNAUTHORISED)
    # M4: keep the brilliant moving; after victory, sideline the most popular.
    if math.isfinite(p.rotate_popular):
        d.order(active & commands & (o["pop"] > p.rotate_popular), Action.ROTATE, 6.0 + o["pop"], Cause.ROTATION)
    if p.sideline_after_war >= 0:
        due = (run["war"] == War.VICTORY) & (view.month - run["war_end"] == p.sideline_after_war)
        pop = np.where(active & (o["rank"] >= 4), o["pop"], -1.0)
        top = pop.argmax(axis=1)
        mask = np.zeros_like(active)
        mask[np.arange(n_runs), top] = due & (pop[np.arange(n_runs), top] > 0.2)
        d.order(mask, Action.SIDELINE, 7.0, Cause.SIDELINE)
    # M5: break the tool to see if it still works.
    if p.interrogate_autonomy > 0:
        window = np.ones((n_runs, 1), bool) if p.interrogate_in_war else ~at_war
        d.order(active & (o["requests"] == 1) & window & (u[5] < p.interrogate_autonomy), Action.INTERROGATE,
                4.0, Cause.AUTONOMY)
    # Promotion of winners (M12 talent, M4 the brilliant are promoted).
    won = commands & (fr["reported"][rows, front_of] >= 40.0) & at_war & (o["rank"] < 5)
    d.order(active & won & (u[1] < p.promote_winners), Action.PROMOTE, 3.0, Cause.MERIT)
    # M12: talent search: raise those the record shows most competent for their rank.
    if p.talent_promotions > 0:
        # From below before the war; in the war, within the senior posts (continuity: seed 002, Glantz).
        senior = view.holds(PostKind.STAFF, PostKind.FRONT, PostKind.ARMY, PostKind.DISTRICT)
        pool = active & (o["rank"] < 5) & (o["bc_mu"] > 0.6) & (~at_war | senior)
        merit = np.where(pool, o["bc_mu"] - 0.08 * o["rank"], -np.inf)
        top = np.argsort(-merit, axis=1, kind="stable")[:, : p.talent_promotions]
        mask = np.zeros_like(active)
        np.put_along_axis(mask, top, True, axis=1)
        d.order(mask & np.isfinite(merit), Action.PROMOTE, 2.0, Cause.TALENT)
    # M12: personal attention to the commanders the ruler values most.
    if p.charm > 0:
        valued = np.where(active & view.holds(PostKind.FRONT, PostKind.ARMY, PostKind.STAFF), o["bc_mu"], -1.0)
        top = np.argsort(-valued, axis=1, kind="stable")[:, : p.charm]
        mask = np.zeros_like(active)
        np.put_along_axis(mask, top, True, axis=1)
        d.order(mask & (valued > 0), Action.CHARM, 1.0, Cause.RULER)

    # Appointments: the doctrine's preference; in a crisis need beats suspicion (M6).
    seniority = o["rank"] / 5.0 + np.minimum(o["exper"], 48) / 48.0
    score = (p.w_competence * o["bc_mu"] + p.w_loyalty * o["bl_mu"] + p.w_seniority * seniority
             + p.w_popularity * o["pop"] + 0.01 * u[0])
    crisis = (run["crisis"] == 1)[:, None]
    if p.crisis_appointment:
        score = np.where(crisis, 3.0 * o["bc_mu"] + 0.5 * seniority + 0.01 * u[0], score)
        d.order(crisis & arrested & (o["bc_mu"] >= p.crisis_release), Action.RELEASE, 9.5, Cause.CRISIS)
    d.appoint_score = score
    return d


def params_with_defaults(name: str, **defaults: object) -> type[PolicyParams]:
    """A subclass of PolicyParams whose defaults are a doctrine's own (constraints kept)."""
    import copy

    from pydantic import create_model

    fields: dict[str, object] = {}
    for key, value in defaults.items():
        info = copy.copy(PolicyParams.model_fields[key])
        info.default = value
        fields[key] = (PolicyParams.model_fields[key].annotation, info)
    return create_model(name, __base__=PolicyParams, **fields)  # type: ignore[call-overload,no-any-return]
