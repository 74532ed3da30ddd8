"""One parametric personnel policy that the built-in doctrines configure.

Each parameter below drives one rule of `engine/rules.py` (one mechanism of MODEL.md §1) and switches
it off at its neutral value, so a doctrine is a point in one policy space and doctrines are comparable
parameter by parameter.  The rules are compiled so that the engine can run them inside its own month.
The rest are the rules' own coefficients (thresholds, the crisis score's weights) and their priorities,
the order in which the ruler's attention reaches the month's orders.  Every field is a `params.param`:
meaning, unit, prior range and source (`stavka doctrines`, `stavka params`).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from ..calendar import parse_month
from ..engine.codes import Action
from ..engine.interface import Decisions, RulerView
from ..engine.month import RunSettings
from ..engine.records import SETTINGS, MonthPlan, PolicyView
from ..engine.rules import Knobs, decide_kernel
from ..params import param
from .base import Censorship, Doctrine, DoctrineParams

Window = tuple[str, str] | None


def in_window(label: str, window: Window) -> bool:
    if window is None:
        return True
    return parse_month(window[0]) <= parse_month(label) <= parse_month(window[1])


CHOICE = "modelling choice"
PRIORITY = (
    "modelling choice: which of the month's orders the ruler's attention (ruler.attention) reaches first; "
    "the defaults rank terror over review"
)


class PolicyParams(DoctrineParams):
    # M10, M14: the purge and the organ
    purge_quota: float = param(
        0.0,
        "organ's monthly arrest quota, share of corps",
        "share/month",
        (0.0, 0.03),
        "seeds 001, 003 (M10); facts A1-A5: 3.7-7.7 % removed in 1937-38",
        ge=0,
        le=0.2,
    )
    purge_window: Window = param(
        None,
        "months (YYYY-MM, YYYY-MM) of the purge quota; None: always",
        "months",
        None,
        "facts A: the Yezhovshchina, May 1937 - November 1938",
    )
    execute_share: float = param(0.0, "share of the arrested shot at trial", "share", (0.0, 0.8), "facts A", ge=0, le=1)
    organ_trust: float = param(
        0.5, "weight of the organ's reports in loyalty beliefs", "share", (0.1, 0.95), f"{CHOICE} (M14)", ge=0, le=1
    )
    arrest_disloyalty: float = param(
        1.0,
        "arrest when believed disloyalty exceeds this",
        "disloyalty on [0, 1]",
        (0.3, 1.0),
        f"{CHOICE} (M14 -> M1)",
        ge=0,
        le=1,
    )
    paranoia_weight: float = param(0.0, "paranoia lowers that threshold", "share", (0.0, 0.5), CHOICE, ge=0, le=1)
    release_rate: float = param(
        0.0,
        "monthly chance a sentenced officer is released",
        "probability/month",
        (0.0, 0.1),
        "seed 003: Rokossovsky released in 1940 (M10)",
        ge=0,
        le=1,
    )
    release_window: Window = param(None, "months of the release reviews; None: always", "months", None, CHOICE)
    release_after: int = param(
        3,
        "months in custody before a review can release him",
        "months",
        (1, 12),
        f"{CHOICE}: after the trial (scenario security.trial_delay)",
        ge=0,
        le=120,
    )
    reinstate_rate: float = param(
        0.0,
        "monthly chance the review commission returns a discharged officer (in the release window)",
        "probability/month",
        (0.0, 0.1),
        "facts A2: a commission from Aug 1938; 12,461 returned by May 1940, over 13,000 of ~37,000 by Jan 1941",
        ge=0,
        le=1,
    )
    # The ruler's own choice of the top targets (facts A7, A8: the 1937 trial was a decision, not a lottery)
    top_targets: int = param(
        0,
        "senior officers the ruler himself picks each month to be tried and shot",
        "officers/month",
        (0, 3),
        "facts A8: the June 1937 trial (eight men); facts A7: three of the five marshals",
        ge=0,
        le=50,
    )
    top_target_window: Window = param(
        None, "months (YYYY-MM, YYYY-MM) of that choice; None: always", "months", None, "facts A7-A8: May 1937 - 1938"
    )
    top_target_rank: int = param(
        3,
        "least rank of the men he picks",
        "rank",
        (2, 5),
        f"{CHOICE}: Komandarm 2nd rank and above (facts A3: all 17 of those ranks discharged were arrested)",
        ge=0,
        le=5,
    )
    top_target_loyalty: float = param(
        0.75,
        "he picks only men he believes less loyal than this (his clients are above it)",
        "loyalty on [0, 1]",
        (0.6, 0.9),
        f"{CHOICE}: Voroshilov and Budyonny never repressed (facts A7)",
        ge=0,
        le=1,
    )
    top_target_w_rank: float = param(
        0.3,
        "weight of rank (rank / 5) beside believed disloyalty in his choice",
        "weight",
        (0.0, 1.0),
        f"{CHOICE}: the most senior first",
        ge=-100,
        le=100,
    )
    top_target_w_pop: float = param(
        0.5,
        "weight of popularity in his choice",
        "weight",
        (0.0, 2.0),
        f"{CHOICE}: the fear of an alternative (seed 000, M4)",
        ge=-100,
        le=100,
    )
    priority_top_target: float = param(
        9.8, "priority of the ruler's own target", "priority", (5.0, 12.0), PRIORITY, ge=-1000, le=1000
    )
    reshuffle_below: float = param(
        0.0,
        "in peace, in the reshuffle window, holders of front, district and staff posts believed less competent "
        "than this are removed",
        "competence on [0, 1]",
        (0.0, 0.8),
        "careers_1936_41.csv: after the Winter War (May-Jun 1940) Voroshilov and Shaposhnikov replaced, the "
        "district commands reshuffled (Zhukov to Kiev, Kirponos to Leningrad, Pavlov to the Western MD)",
        ge=0,
        le=1,
    )
    reshuffle_window: Window = param(None, "months of the reshuffle; None: always", "months", None, CHOICE)
    reshuffle_promote_above: float = param(
        0.0,
        "in peace, in a reshuffle (its window, reshuffle_below > 0), an officer believed at least this competent is "
        "promoted one rank a month (within the attention budget) up to `reshuffle_promote_to`; 0: none",
        "competence on [0, 1]",
        (0.0, 0.9),
        "careers_1936_41.csv, facts.md: the general ranks of June 1940 went above all to the men distinguished in "
        "the small wars (Zhukov Komkor to Army General after Khalkhin Gol, Meretskov Army General, Pavlov "
        "Colonel General); the bar is a modelling choice: a distinction reads near 0.85, a service record rarely",
        ge=0,
        le=1,
    )
    reshuffle_promote_to: int = param(
        4,
        "the highest rank that reshuffle promotion gives",
        "rank level",
        (3, 4),
        "careers_1936_41.csv: June 1940, three Army Generals (rank 4) made, no Marshal",
        ge=0,
        le=5,
    )
    # Vacancies: the army's own order of succession instead of the ruler's score
    routine_succession: bool = param(
        False,
        "fill vacancies by the army's own order of succession (rank, then up to four years' experience, then "
        "record as the ruler reads it: `engine.common.routine_score`) instead of the weighted score below",
        "switch",
        None,
        "modelling choice: `passive`, the ruler who leaves personnel to the bureaucracy",
    )
    # M3, M2: failure
    scapegoat: float = param(
        0.0,
        "chance the commander of a collapsed front is arrested",
        "probability",
        (0.0, 1.0),
        "seed 000, facts B10: Pavlov, July 1941 (M3)",
        ge=0,
        le=1,
    )
    scapegoat_execute: float = param(0.0, "... and shot", "probability", (0.0, 1.0), "facts B10", ge=0, le=1)
    scapegoat_budget: int = param(
        -1,
        "exemplary trials in a round: the worst failures are tried, the other scapegoats relieved; -1: all are tried",
        "officers/round",
        (-1, 3),
        "facts B10, record front_commanders_shot_1941: one trial (Pavlov's Western Front) in 1941",
        ge=-1,
        le=50,
    )
    scapegoat_period: int = param(
        12,
        "months from a round of exemplary trials before the next can be held",
        "months",
        (6, 24),
        f"{CHOICE}: one example a year; the record has one, July 1941",
        ge=1,
        le=240,
    )
    relieve_below: float = param(
        0.0, "relieve a defeated commander believed less competent", "competence on [0, 1]", (0.0, 0.6), CHOICE, ge=0, le=1
    )
    failure_km: float = param(
        60.0,
        "a reported month's retreat the ruler reads as a defeat",
        "km",
        (40.0, 120.0),
        f"{CHOICE}: the scenario's operations.defeat_km",
        gt=0,
        le=1000,
    )
    keep_loyal_failures: bool = param(
        False, "a failing loyalist is recalled to staff, not punished", "switch", None, "seed 000: Voroshilov, Budyonny (M2)"
    )
    demote_failures: float = param(
        0.0,
        "chance a relieved failure is demoted in rank instead",
        "probability",
        (0.0, 0.5),
        "Kulik, 1942 (facts C)",
        ge=0,
        le=1,
    )
    loyal_bar: float = param(
        0.8, "belief in loyalty that makes a 'loyal' failure", "loyalty on [0, 1]", (0.6, 0.95), f"{CHOICE} (M2)", ge=0, le=1
    )
    # M4: popularity
    rotate_popular: float = param(
        math.inf,
        "popularity above which a winner is rotated; inf: never",
        "popularity",
        (0.2, math.inf),
        "seed 000: the brilliant promoted, then moved (M4)",
        ge=0,
        allow_inf_nan=True,
    )
    sideline_after_war: int = param(
        -1,
        "months after victory to sideline the top marshal; -1 never",
        "months",
        (-1, 18),
        "facts G21: Zhukov sent to Odessa, June 1946 (M4)",
        ge=-1,
    )
    sideline_popularity: float = param(
        0.2, "least popularity of the marshal who is sidelined", "popularity", (0.05, 0.6), CHOICE, ge=0, le=1.5
    )
    sideline_rank: int = param(
        4, "least rank of the men the sideline rule looks at", "rank", (3, 5), f"{CHOICE}: Army General and Marshal", ge=0, le=5
    )
    # The decisive axis (docs/model.md §11.8): the front that matters most to the commander believed best.
    axis_months: tuple[str, ...] = param(
        (),
        "months (YYYY-MM) in which, in war, the ruler gives the decisive front (the commanded front whose reported "
        "movement last month was largest either way) to the commander he believes most competent; (): never",
        "months",
        None,
        "facts.md G, commanders.csv: Zhukov to the Western Front for Moscow (10 Oct 1941) and to 1st Belorussian "
        "for Berlin (16 Nov 1944), Rokossovsky moved to 2nd Belorussian",
    )
    axis_rank: int = param(
        3,
        "least rank of the men the decisive-axis rule looks at",
        "rank",
        (2, 5),
        f"{CHOICE}: a front is a Colonel General's command or more (Zhukov was Army General in 1941)",
        ge=0,
        le=5,
    )
    axis_w_loyalty: float = param(
        0.0,
        "weight of believed loyalty beside believed competence (weight 1) in the choice of the axis commander",
        "weight",
        (0.0, 2.0),
        f"{CHOICE}: 0, competence alone, where the account says the ruler trusted talent in war",
        ge=0,
        le=100,
    )
    # The Deputy Supreme Commander (docs/model.md §11.9): the man the war has shown the ruler, his representative.
    deputy_month: str | None = param(
        None,
        "month (YYYY-MM) from which, in war, the ruler names a deputy (the Stavka's representative) whenever he has "
        "none in active service; None: never",
        "month",
        None,
        "facts.md G, commanders.csv: Zhukov Deputy Supreme Commander-in-Chief, 26 Aug 1942, after the Moscow "
        "counter-offensive; Stavka representative at Stalingrad, Kursk, Bagration",
    )
    deputy_rank: int = param(
        4,
        "least rank of the men the deputy rule looks at",
        "rank",
        (3, 5),
        f"{CHOICE}: the Supreme Commander's deputy ranks with the top of the corps (Zhukov was Army General, 1942)",
        ge=0,
        le=5,
    )
    deputy_w_popularity: float = param(
        0.0,
        "weight of popularity (the fame of victories) beside believed competence (weight 1) in the choice of the deputy",
        "weight",
        (0.0, 4.0),
        f"{CHOICE}: the record's ruler named the commander of his first great victory (Moscow)",
        ge=0,
        le=100,
    )
    deputy_w_loyalty: float = param(
        0.0,
        "weight of believed loyalty beside believed competence (weight 1) in the choice of the deputy",
        "weight",
        (0.0, 2.0),
        f"{CHOICE}: 0 where the account says the ruler trusted talent in war",
        ge=0,
        le=100,
    )
    credit_taken: float = param(
        0.0,
        "share of victory credit taken by the centre",
        "share",
        (0.0, 0.9),
        "seeds 000, 003: 'collective leadership' (M9, M4)",
        ge=0,
        le=1,
    )
    # M5, M6: break and use
    interrogate_autonomy: float = param(
        0.0, "chance to interrogate who asks for autonomy", "probability", (0.0, 1.0), "seed 001 (M5)", ge=0, le=1
    )
    interrogate_in_war: bool = param(True, "also interrogate during the war", "switch", None, "seed 001")
    crisis_appointment: bool = param(
        False, "after a collapse, appoint by believed competence only", "switch", None, "seed 001 (M6)"
    )
    crisis_release: float = param(
        1.0,
        "believed competence that releases a prisoner in a crisis",
        "competence on [0, 1]",
        (0.4, 1.0),
        "seed 001 (M6)",
        ge=0,
        le=1,
    )
    crisis_w_competence: float = param(
        3.0,
        "crisis appointment weight of believed competence",
        "weight",
        (1.5, 5.0),
        f"{CHOICE}: need beats suspicion (M6)",
        ge=-100,
        le=100,
    )
    crisis_w_seniority: float = param(
        0.5, "crisis appointment weight of rank and experience", "weight", (0.0, 1.5), CHOICE, ge=-100, le=100
    )
    # M7, Order 270
    hold_strictness: float = param(
        0.5,
        "share of fronts under hold orders",
        "share",
        (0.0, 1.0),
        "seeds 001, 003 (M7); 0: no hold orders at all (`passive`, the ruler who leaves the war to his generals)",
        ge=0,
        le=1,
    )
    punish_withdrawal: float = param(
        0.0, "chance to arrest who withdrew against orders", "probability", (0.0, 1.0), "facts C15: Order 227", ge=0, le=1
    )
    hostage: bool = param(False, "family-hostage clause for the captured", "switch", None, "facts B13: Order 270")
    punish_returnees: float = param(
        0.0, "chance a returning captive is arrested", "probability", (0.0, 0.8), "facts B13: Order 270", ge=0, le=1
    )
    # M11, M12: learning, listening, charm, talent
    collate_lessons: bool = param(False, "lessons of combat are collated into reform", "switch", None, "seed 002 (M11)")
    listening: float = param(
        0.5, "how much the ruler listens to his commanders", "share", (0.1, 0.9), "seed 002 (M11)", ge=0, le=1
    )
    listening_growth: float = param(
        0.0,
        "listening gained per victory of the war so far",
        "share per victory",
        (0.0, 0.02),
        "seed 002: he listens more as the war goes on",
        ge=0,
        le=1,
    )
    charm: int = param(
        0, "commanders given personal attention each month", "officers/month", (0, 5), "seed 002 (M12)", ge=0, le=50
    )
    promote_winners: float = param(
        0.0, "chance a victorious commander is promoted", "probability", (0.0, 0.6), "seeds 000, 002 (M12, M4)", ge=0, le=1
    )
    success_km: float = param(
        40.0,
        "a reported month's advance the ruler rewards",
        "km",
        (25.0, 80.0),
        f"{CHOICE}: the scenario's operations.victory_km",
        gt=0,
        le=1000,
    )
    talent_promotions: int = param(
        0, "officers promoted each month for believed talent", "officers/month", (0, 4), "seed 002 (M12)", ge=0, le=50
    )
    talent_bar: float = param(
        0.6, "believed competence that makes a talent", "competence on [0, 1]", (0.5, 0.8), CHOICE, ge=0, le=1
    )
    talent_rank_penalty: float = param(
        0.08,
        "believed competence a rank step costs in the talent search",
        "competence",
        (0.0, 0.15),
        f"{CHOICE}: raised from below (M12)",
        ge=0,
        le=1,
    )
    # appointment weights: any sign; |w| <= 100 (defaults are at most 3) keeps every score finite
    w_competence: float = param(1.0, "appointment weight of believed competence", "weight", (0.0, 3.0), CHOICE, ge=-100, le=100)
    w_loyalty: float = param(1.0, "appointment weight of believed loyalty", "weight", (0.0, 3.0), CHOICE, ge=-100, le=100)
    w_seniority: float = param(1.0, "appointment weight of rank and experience", "weight", (0.0, 3.0), CHOICE, ge=-100, le=100)
    w_popularity: float = param(
        0.0,
        "appointment weight of popularity (negative: avoid the popular)",
        "weight",
        (-3.0, 1.0),
        f"{CHOICE} (M4)",
        ge=-100,
        le=100,
    )
    seniority_months: float = param(
        48.0, "months of war experience that count fully in seniority", "months", (24.0, 72.0), CHOICE, gt=0, le=1000
    )
    score_noise: float = param(
        0.01,
        "random part of an appointment score (breaks ties)",
        "weight",
        (0.0, 0.05),
        f"{CHOICE}: small against the weights",
        ge=0,
        le=100,
    )
    # priorities: the order in which the ruler's attention reaches the month's orders (highest first)
    priority_scapegoat: float = param(
        10.0, "priority of arresting or shooting a scapegoat", "priority", (5.0, 12.0), PRIORITY, ge=-1000, le=1000
    )
    priority_crisis_release: float = param(
        9.5, "priority of a crisis release", "priority", (5.0, 12.0), PRIORITY, ge=-1000, le=1000
    )
    priority_loyal_recall: float = param(
        9.0, "priority of recalling a loyal scapegoat to staff", "priority", (5.0, 12.0), PRIORITY, ge=-1000, le=1000
    )
    priority_withdrawal: float = param(
        8.0, "priority of arresting who withdrew against orders", "priority", (4.0, 12.0), PRIORITY, ge=-1000, le=1000
    )
    priority_axis: float = param(
        8.5, "priority of the decisive-axis appointment", "priority", (5.0, 12.0), PRIORITY, ge=-1000, le=1000
    )
    priority_sideline: float = param(
        7.0, "priority of sidelining the top marshal", "priority", (3.0, 12.0), PRIORITY, ge=-1000, le=1000
    )
    priority_rotate: float = param(
        6.0,
        "priority of rotating a popular winner (his popularity is added)",
        "priority",
        (3.0, 12.0),
        PRIORITY,
        ge=-1000,
        le=1000,
    )
    priority_failure: float = param(
        5.0, "priority of relieving, demoting or recalling a failure", "priority", (2.0, 10.0), PRIORITY, ge=-1000, le=1000
    )
    priority_interrogate: float = param(
        4.0, "priority of interrogating who asks for autonomy", "priority", (1.0, 8.0), PRIORITY, ge=-1000, le=1000
    )
    priority_merit: float = param(3.0, "priority of promoting a winner", "priority", (1.0, 8.0), PRIORITY, ge=-1000, le=1000)
    priority_talent: float = param(2.0, "priority of promoting a talent", "priority", (1.0, 8.0), PRIORITY, ge=-1000, le=1000)
    priority_charm: float = param(1.0, "priority of charming a commander", "priority", (0.0, 5.0), PRIORITY, ge=-1000, le=1000)
    priority_review: float = param(
        0.5,
        "priority of releasing a prisoner on review (an arrest for disloyalty has 1 - believed loyalty, on (0, 1])",
        "priority",
        (0.0, 5.0),
        PRIORITY,
        ge=-1000,
        le=1000,
    )
    # M9: the official history
    censor_erase: float = param(
        0.0,
        "chance the name of an executed officer is erased from the official history",
        "probability",
        (0.0, 1.0),
        "seeds 000, 003 (M9)",
        ge=0,
        le=1,
    )
    censor_relabel: bool = param(
        False, "transfers called 'reorganisation', executions 'discipline'", "switch", None, "seeds 000, 003 (M9)"
    )
    censor_secret: bool = param(
        False, "denunciations, arrests, interrogations and releases left out", "switch", None, "seeds 000, 003 (M9)"
    )

    @field_validator("axis_months")
    @classmethod
    def _months(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        try:
            for label in v:
                parse_month(label)
        except ValueError as exc:
            raise PydanticCustomError("months", "expected months YYYY-MM: {error}", {"error": str(exc)}) from None
        return tuple(v)

    @field_validator("deputy_month")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                parse_month(v)
            except ValueError as exc:
                raise PydanticCustomError("month", "expected a month YYYY-MM: {error}", {"error": str(exc)}) from None
        return v

    @field_validator("purge_window", "release_window", "top_target_window", "reshuffle_window")
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

    @property
    def effective_traits(self) -> frozenset[str]:
        """Derived from the parameters in force month by month (`traits.py`), not declared."""
        from .traits import policy_traits

        return policy_traits(self)

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
        credit=float(p.credit_taken),
        collate=int(p.collate_lessons),
        purge_quota=float(p.purge_quota) if in_window(label, p.purge_window) else 0.0,
        execute_share=float(p.execute_share),
        hostage=int(p.hostage),
        punish_returnees=float(p.punish_returnees),
        organ_trust=float(p.organ_trust),
        directive=int(directive),
        deputy_on=int(p.deputy_month is not None and parse_month(label) >= parse_month(p.deputy_month)),
        deputy_rank=int(p.deputy_rank),
        deputy_w_popularity=float(p.deputy_w_popularity),
        deputy_w_loyalty=float(p.deputy_w_loyalty),
    )


def knobs(p: PolicyParams, label: str) -> Knobs:
    """The parameters of month `label` as the compiled policy reads them."""
    # Every knob a Python float, whatever the parameter's type: one compiled signature for all doctrines.
    return Knobs._make(float(v) for v in _knob_values(p, label))


def _knob_values(p: PolicyParams, label: str) -> Knobs:
    return Knobs(
        arrest_disloyalty=p.arrest_disloyalty,
        paranoia_weight=p.paranoia_weight,
        release_on=float(in_window(label, p.release_window) and p.release_rate > 0),
        release_rate=p.release_rate,
        scapegoat=p.scapegoat,
        scapegoat_execute=p.scapegoat_execute,
        scapegoat_budget=p.scapegoat_budget,
        scapegoat_period=p.scapegoat_period,
        relieve_below=p.relieve_below,
        keep_loyal_failures=float(p.keep_loyal_failures),
        demote_failures=p.demote_failures,
        loyal_bar=p.loyal_bar,
        punish_withdrawal=p.punish_withdrawal,
        rotate_on=float(math.isfinite(p.rotate_popular)),
        rotate_popular=p.rotate_popular,
        sideline_after_war=float(p.sideline_after_war),
        interrogate_autonomy=p.interrogate_autonomy,
        interrogate_in_war=float(p.interrogate_in_war),
        promote_winners=p.promote_winners,
        talent_promotions=float(p.talent_promotions),
        charm=float(p.charm),
        w_competence=p.w_competence,
        w_loyalty=p.w_loyalty,
        w_seniority=p.w_seniority,
        w_popularity=p.w_popularity,
        crisis_appointment=float(p.crisis_appointment),
        crisis_release=p.crisis_release,
        hold_strictness=p.hold_strictness,
        listening=p.listening,
        listening_growth=p.listening_growth,
        release_after=p.release_after,
        failure_km=p.failure_km,
        sideline_popularity=p.sideline_popularity,
        sideline_rank=p.sideline_rank,
        crisis_w_competence=p.crisis_w_competence,
        crisis_w_seniority=p.crisis_w_seniority,
        success_km=p.success_km,
        talent_bar=p.talent_bar,
        talent_rank_penalty=p.talent_rank_penalty,
        seniority_months=p.seniority_months,
        score_noise=p.score_noise,
        priority_scapegoat=p.priority_scapegoat,
        priority_crisis_release=p.priority_crisis_release,
        priority_loyal_recall=p.priority_loyal_recall,
        priority_withdrawal=p.priority_withdrawal,
        priority_sideline=p.priority_sideline,
        priority_rotate=p.priority_rotate,
        priority_failure=p.priority_failure,
        priority_interrogate=p.priority_interrogate,
        priority_merit=p.priority_merit,
        priority_talent=p.priority_talent,
        priority_charm=p.priority_charm,
        priority_review=p.priority_review,
        top_on=float(in_window(label, p.top_target_window) and p.top_targets > 0),
        top_targets=float(p.top_targets),
        top_target_rank=float(p.top_target_rank),
        top_target_loyalty=p.top_target_loyalty,
        top_target_w_rank=p.top_target_w_rank,
        top_target_w_pop=p.top_target_w_pop,
        priority_top_target=p.priority_top_target,
        reinstate_on=float(in_window(label, p.release_window) and p.reinstate_rate > 0),
        reinstate_rate=p.reinstate_rate,
        reshuffle_on=float(in_window(label, p.reshuffle_window) and p.reshuffle_below > 0),
        reshuffle_below=p.reshuffle_below,
        reshuffle_promote_above=p.reshuffle_promote_above
        if in_window(label, p.reshuffle_window) and p.reshuffle_below > 0
        else 0.0,
        reshuffle_promote_to=float(p.reshuffle_promote_to),
        routine_succession=float(p.routine_succession),
        axis_on=float(label in p.axis_months),
        axis_rank=float(p.axis_rank),
        axis_w_loyalty=p.axis_w_loyalty,
        priority_axis=p.priority_axis,
    )


def decide_by_policy(p: PolicyParams, view: RulerView) -> Decisions:
    """The month's decisions for every run of the batch (the rules are in `engine/rules.py`)."""
    n_runs, n = view.shape
    fr, run = view.front, view.run
    s = run_settings(p, view.label)
    target = np.full((n_runs, n), -1, dtype=np.int16)
    d = Decisions(
        action=np.empty((n_runs, n), dtype=np.int8),
        priority=np.empty((n_runs, n)),
        cause=np.empty((n_runs, n), dtype=np.int8),
        appoint_score=np.empty((n_runs, n)),
        hold=np.empty(fr["hold"].shape, dtype=np.int8),
        credit=np.full(n_runs, s.credit),
        collate=np.full(n_runs, s.collate, dtype=np.int8),
        listening=np.empty(n_runs),
        purge_quota=np.full(n_runs, s.purge_quota),
        execute_share=np.full(n_runs, s.execute_share),
        hostage=np.full(n_runs, s.hostage, dtype=np.int8),
        punish_returnees=np.full(n_runs, s.punish_returnees),
        organ_trust=np.full(n_runs, s.organ_trust),
        directive=np.full(n_runs, s.directive, dtype=np.int64),
        deputy_on=s.deputy_on,
        deputy_rank=s.deputy_rank,
        deputy_w_popularity=s.deputy_w_popularity,
        deputy_w_loyalty=s.deputy_w_loyalty,
    )
    V = PolicyView(
        view.seed,
        view.run_ids,
        view.month,
        view.records,
        run["war"],
        run["war_end"],
        run["paranoia"],
        run["crisis"],
        run["last_example"],
        fr["collapsed"],
        fr["reported"],
        view.posts.kind,
        view.posts.front,
    )
    plan = MonthPlan(
        d.action,
        d.priority,
        d.cause,
        d.appoint_score,
        d.hold,
        d.listening,
        settings=np.zeros(n_runs, dtype=SETTINGS),  # (the policy fills only the orders, scores, holds and listening)
        budget=np.zeros(n_runs, dtype=np.int64),
    )
    decide_kernel(V, knobs(p, view.label), plan, target)
    if (d.action == Action.APPOINT).any():  # the decisive-axis rule named a post (`command.appoint_by_order`)
        d.target_post = target
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
