"""`historical`: the record's own phases (facts.md), as one doctrine whose parameters change by date.

1937-38 purge quotas (Shchadenko: about a quarter of the discharged arrested); 1939-40 review and
reinstatements (Rokossovsky released 1940); summer 1941 scapegoating as one exemplary trial, of the
worst failure (Pavlov and the Western Front command shot 22 July 1941), the other failed front
commanders relieved, and one example in two years (under Order 227 no front commander was tried;
Kulik's 1942 trial ended in demotion); Order No. 270 (16 August 1941: the family-hostage clause);
Order No. 227 (28 July 1942: "not a step back"); after Stalingrad more listening, collated lessons,
little scapegoating (commissars abolished 9 October 1942); after victory the most popular marshal
sidelined within about a year (Zhukov to Odessa, June 1946).  Phase dates are fixed; the war's end is
not, so post-war behaviour is counted from the run's own victory.
"""

from __future__ import annotations

from typing import Any

from .policy import PolicyDoctrine, PolicyParams, in_window, params_with_defaults

PHASES: tuple[tuple[tuple[str, str], dict[str, Any]], ...] = (
    (("1937-05", "1938-11"), dict(purge_quota=0.012, execute_share=0.55, organ_trust=0.9, paranoia_weight=0.4)),
    (("1937-05", "1937-05"), dict(top_targets=3)),
    (("1938-08", "1940-12"), dict(reinstate_rate=0.03)),
    (("1939-01", "1940-12"), dict(release_rate=0.05, execute_share=0.2)),
    (("1940-05", "1941-01"), dict(reshuffle_below=0.7, w_competence=3.0, w_loyalty=1.0)),
    (("1941-06", "1941-10"), dict(scapegoat=1.0, scapegoat_execute=0.9, hold_strictness=0.9)),
    (("1941-08", "1948-12"), dict(hostage=True)),
    (("1942-07", "1943-01"), dict(hold_strictness=1.0, punish_withdrawal=0.6)),
    (
        ("1943-02", "1948-12"),
        dict(
            listening=0.7,
            listening_growth=0.005,
            collate_lessons=True,
            scapegoat=0.0,
            relieve_below=0.3,
            charm=3,
            w_competence=2.5,
            hold_strictness=0.3,
            talent_promotions=1,
        ),
    ),
)
ORDERS = {"1941-08": 270, "1942-07": 227}


class Historical(PolicyDoctrine):
    name = "historical"
    traits = frozenset(
        {
            "purges",
            "scapegoats",
            "keeps_loyal_failures",
            "sidelines_victors",
            "crisis_appointments",
            "strict_hold",
            "censors",
            "collates_lessons",
            "listens",
            "charms",
            "hostage_clause",
            "talent_search",  # after Stalingrad (the 1943 phase: talent_promotions = 1)
        }
    )
    Params = params_with_defaults(
        "HistoricalParams",
        organ_trust=0.6,
        top_targets=1,
        top_target_window=("1937-05", "1938-11"),
        arrest_disloyalty=0.6,
        paranoia_weight=0.2,
        execute_share=0.3,
        hold_strictness=0.6,
        credit_taken=0.5,
        listening=0.4,
        w_competence=1.5,
        w_loyalty=1.5,
        keep_loyal_failures=True,
        scapegoat_budget=1,
        scapegoat_period=24,
        relieve_below=0.4,
        promote_winners=0.3,
        sideline_after_war=12,
        axis_months=("1941-10", "1944-11"),  # Zhukov to the Western Front (Moscow), to 1st Belorussian (Berlin)
        punish_returnees=0.5,
        crisis_appointment=True,
        reshuffle_promote_above=0.8,  # in the reshuffle of 1940-05..1941-01 only (reshuffle_below > 0 there)
        charm=1,
        demote_failures=0.3,
        censor_erase=0.7,
        censor_relabel=True,
        censor_secret=True,
    )

    def params_at(self, label: str) -> PolicyParams:
        p: PolicyParams = self.params  # type: ignore[assignment]
        for window, changes in PHASES:
            if in_window(label, window):
                p = p.model_copy(update=changes)
        return p

    def directive(self, label: str) -> int:
        return ORDERS.get(label, 0)
