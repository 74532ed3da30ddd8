"""One parametric personnel policy that the built-in doctrines configure.

Each parameter below drives one rule of `engine/policy.py` (one mechanism of MODEL.md §1) and switches
it off at its neutral value, so a doctrine is a point in one policy space and doctrines are comparable
parameter by parameter.  The rules are compiled so that the engine can run them inside its own month.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ..calendar import parse_month
from ..engine.interface import Decisions, RulerView
from ..engine.month import RunSettings
from ..engine.policy import Knobs, decide_kernel
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
    rotate_popular: float = Field(math.inf, ge=0, allow_inf_nan=True,
                                  description="popularity above which a winner is rotated; inf: never")
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
    listening_growth: float = Field(0.0, ge=0, le=1, description="listening gained per victory of the war so far")
    charm: int = Field(0, ge=0, le=50, description="commanders given personal attention each month")
    promote_winners: float = Field(0.0, ge=0, le=1, description="chance a victorious commander is promoted")
    talent_promotions: int = Field(0, ge=0, le=50, description="officers promoted each month for believed talent")
    # appointment weights: any sign; |w| <= 100 (defaults are at most 3) keeps every score finite
    w_competence: float = Field(1.0, ge=-100, le=100, description="appointment weight of believed competence")
    w_loyalty: float = Field(1.0, ge=-100, le=100, description="appointment weight of believed loyalty")
    w_seniority: float = Field(1.0, ge=-100, le=100, description="appointment weight of rank and experience")
    w_popularity: float = Field(0.0, ge=-100, le=100,
                                description="appointment weight of popularity (negative: avoid the popular)")
    # M9: the official history
    censor_erase: float = Field(0.0, ge=0, le=1)
    censor_relabel: bool = False
    censor_secret: bool = False

    @field_validator("purge_window", "release_window")
    @classmethod
    def _window(cls, v: Window) -> Window:
        if v is None:
            return v
        try:
            first, last = parse_month(v[0]), parse_month(v[1])
        except ValueError as exc:
            raise PydanticCustomError("window", "expected [first, last] months: {error}", {"error": str(exc)}) from None
        if first > last:
            raise PydanticCustomError("window", "expected [first, last] months, first <= last")
        return v


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

    def directive(self, label: str) -> int:
        """A named order issued in month `label` (270, 227), or 0."""
        return 0

    def decide(self, view: RulerView) -> Decisions:
        d = decide_by_policy(self.params_at(view.label), view)
        d.directive[:] = self.directive(view.label)
        return d

    def month_plan(self, label: str) -> tuple[Knobs, RunSettings] | None:
        """The month for the engine's compiled path: what `decide` would do, as knobs and settings.
        None (the engine then calls `decide`) when a subclass decides in Python."""
        if type(self).decide is not PolicyDoctrine.decide:
            return None
        p = self.params_at(label)
        return knobs(p, label), run_settings(p, label, self.directive(label))


def run_settings(p: PolicyParams, label: str, directive: int = 0) -> RunSettings:
    """The run-level settings of month `label` (the same for every run of a batch)."""
    return RunSettings(
        credit=float(p.credit_taken), collate=int(p.collate_lessons),
        purge_quota=float(p.purge_quota) if in_window(label, p.purge_window) else 0.0,
        execute_share=float(p.execute_share), hostage=int(p.hostage), punish_returnees=float(p.punish_returnees),
        organ_trust=float(p.organ_trust), directive=int(directive),
    )


def knobs(p: PolicyParams, label: str) -> Knobs:
    """The parameters of month `label` as the compiled policy reads them."""
    # Every knob a Python float, whatever the parameter's type: one compiled signature for all doctrines.
    return Knobs._make(float(v) for v in _knob_values(p, label))


def _knob_values(p: PolicyParams, label: str) -> Knobs:
    return Knobs(
        arrest_disloyalty=p.arrest_disloyalty, paranoia_weight=p.paranoia_weight,
        release_on=float(in_window(label, p.release_window) and p.release_rate > 0), release_rate=p.release_rate,
        scapegoat=p.scapegoat, scapegoat_execute=p.scapegoat_execute, relieve_below=p.relieve_below,
        keep_loyal_failures=float(p.keep_loyal_failures), demote_failures=p.demote_failures, loyal_bar=p.loyal_bar,
        punish_withdrawal=p.punish_withdrawal, rotate_on=float(math.isfinite(p.rotate_popular)),
        rotate_popular=p.rotate_popular, sideline_after_war=float(p.sideline_after_war),
        interrogate_autonomy=p.interrogate_autonomy, interrogate_in_war=float(p.interrogate_in_war),
        promote_winners=p.promote_winners, talent_promotions=float(p.talent_promotions), charm=float(p.charm),
        w_competence=p.w_competence, w_loyalty=p.w_loyalty, w_seniority=p.w_seniority, w_popularity=p.w_popularity,
        crisis_appointment=float(p.crisis_appointment), crisis_release=p.crisis_release,
        hold_strictness=p.hold_strictness, listening=p.listening, listening_growth=p.listening_growth,
    )


def decide_by_policy(p: PolicyParams, view: RulerView) -> Decisions:
    """The month's decisions for every run of the batch (the rules are in `engine/policy.py`)."""
    n_runs, n = view.shape
    fr, run = view.front, view.run
    s = run_settings(p, view.label)
    d = Decisions(
        action=np.empty((n_runs, n), dtype=np.int8), priority=np.empty((n_runs, n)),
        cause=np.empty((n_runs, n), dtype=np.int8), appoint_score=np.empty((n_runs, n)),
        hold=np.empty(fr["hold"].shape, dtype=np.int8), credit=np.full(n_runs, s.credit),
        collate=np.full(n_runs, s.collate, dtype=np.int8), listening=np.empty(n_runs),
        purge_quota=np.full(n_runs, s.purge_quota), execute_share=np.full(n_runs, s.execute_share),
        hostage=np.full(n_runs, s.hostage, dtype=np.int8), punish_returnees=np.full(n_runs, s.punish_returnees),
        organ_trust=np.full(n_runs, s.organ_trust), directive=np.full(n_runs, s.directive, dtype=np.int64),
    )
    decide_kernel(view.seed, view.run_ids, view.month, view.records, run["war"], run["war_end"], run["paranoia"],
                  run["crisis"], fr["collapsed"], fr["reported"], view.posts.kind, view.posts.front,
                  knobs(p, view.label), d.action, d.priority, d.cause, d.appoint_score, d.hold, d.listening)
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
