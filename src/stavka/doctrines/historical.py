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

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import create_model

from ..config import ConfigError
from .policy import PolicyDoctrine, PolicyParams, Window, in_window, params_with_defaults


@dataclass(frozen=True)
class Phase:
    """A dated phase of the record: in the months of `window` the doctrine's parameters named in `values` take
    the phase's own values.  Each is a parameter of the doctrine, `{name}_{parameter}` (`purge_1937_purge_quota`),
    whose default is given here: an override (`--set purge_1937_purge_quota=0.02`) reaches it."""

    name: str
    window: tuple[str, str]
    values: dict[str, Any]
    source: str

    def key(self, parameter: str) -> str:
        """The doctrine parameter that holds this phase's value of `parameter`."""
        return f"{self.name}_{parameter}"


PHASES: tuple[Phase, ...] = (
    Phase(
        "purge_1937",
        ("1937-05", "1938-11"),
        dict(purge_quota=0.012, execute_share=0.55, organ_trust=0.9, paranoia_weight=0.4),
        "facts A1-A8: the purge of May 1937 - November 1938 (Shchadenko: about a quarter of the discharged arrested)",
    ),
    Phase("trial_1937", ("1937-05", "1937-05"), dict(top_targets=3), "facts A8: the June 1937 trial (eight men)"),
    Phase(
        "review_1938",
        ("1938-08", "1940-12"),
        dict(reinstate_rate=0.03),
        "facts A2: the review commission from August 1938; over 13,000 of ~37,000 returned by January 1941",
    ),
    Phase(
        "review_1939",
        ("1939-01", "1940-12"),
        dict(release_rate=0.05, execute_share=0.2),
        "facts A2, A5, A9: review and reinstatements (Rokossovsky released in 1940)",
    ),
    Phase(
        "reshuffle_1940",
        ("1940-05", "1941-01"),
        dict(reshuffle_below=0.7, w_competence=3.0, w_loyalty=1.0),
        "after the Winter War: Timoshenko for Voroshilov, Meretskov for Shaposhnikov, "
        "the districts to Zhukov, Kirponos, Pavlov (careers_1936_41.csv)",
    ),
    Phase(
        "summer_1941",
        ("1941-06", "1941-10"),
        dict(scapegoat=1.0, scapegoat_execute=0.9, hold_strictness=0.9),
        "facts B10, B12: Pavlov and the Western Front command shot 22 July 1941; the executions of 28 October 1941",
    ),
    Phase(
        "order_270",
        ("1941-08", "1948-12"),
        dict(hostage=True),
        "facts B13: Order No. 270 (16 August 1941), the family-hostage clause",
    ),
    Phase(
        "order_227",
        ("1942-07", "1943-01"),
        dict(hold_strictness=1.0, punish_withdrawal=0.6),
        'facts C15: Order No. 227 (28 July 1942), "not a step back"',
    ),
    Phase(
        "stalingrad_1943",
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
        "seed 002: after Stalingrad the ruler listens more, collates lessons, scapegoats little "
        "(commissars abolished 9 October 1942)",
    ),
)
ORDERS = {"1941-08": 270, "1942-07": 227}


def _with_phases(base: type[PolicyParams]) -> type[PolicyParams]:
    """`base` with one field per phase value (`Phase.key`): the shared parameter's type, bounds, unit and prior,
    the phase's value as its default, its window in the meaning and the phase's source."""
    fields: dict[str, Any] = {}
    for phase in PHASES:
        for name, value in phase.values.items():
            shared = PolicyParams.model_fields[name]
            info = copy.copy(shared)
            info.default = value
            info.description = f"{shared.description}, in the phase {phase.name} ({phase.window[0]} .. {phase.window[1]})"
            extra = dict(shared.json_schema_extra) if isinstance(shared.json_schema_extra, dict) else {}
            extra["source"] = phase.source
            info.json_schema_extra = extra
            fields[phase.key(name)] = (shared.annotation, info)
    return create_model(base.__name__, __base__=base, **fields)  # type: ignore[call-overload,no-any-return]


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
    Params = _with_phases(
        params_with_defaults(
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
            deputy_month="1942-08",  # Zhukov Deputy Supreme Commander, 26 Aug 1942 (docs/model.md §11.9)
            deputy_w_popularity=1.0,  # the commander of the first great victory (Moscow)
            punish_returnees=0.5,
            crisis_appointment=True,
            reshuffle_promote_above=0.8,  # in the reshuffle of 1940-05..1941-01 only (reshuffle_below > 0 there)
            charm=1,
            demote_failures=0.3,
            censor_erase=0.7,
            censor_relabel=True,
            censor_secret=True,
        )
    )

    def __init__(self, **params: Any) -> None:
        for key in params:  # a misspelt phase value: name the phase's own (the full list is long)
            phase = next((ph for ph in PHASES if key.startswith(ph.name + "_")), None)
            if phase is not None and key not in self.Params.model_fields:
                have = ", ".join(phase.key(name) for name in phase.values)
                raise ConfigError(
                    f"doctrine {self.name!r}: unknown parameter {key!r}; the phase {phase.name} "
                    f"({phase.window[0]} .. {phase.window[1]}) has: {have}"
                )
        super().__init__(**params)

    def phase_windows(self) -> tuple[Window, ...]:
        """The months of each phase of `PHASES`, in order (the bias guard's variant moves them)."""
        return tuple(phase.window for phase in PHASES)

    def params_at(self, label: str) -> PolicyParams:
        """The parameters in force in `label`: each phase whose window holds it, in order, sets its values."""
        p: PolicyParams = self.params  # type: ignore[assignment]
        for phase, window in zip(PHASES, self.phase_windows(), strict=True):
            if in_window(label, window):
                p = p.model_copy(update={name: getattr(self.params, phase.key(name)) for name in phase.values})
        return p

    def directive(self, label: str) -> int:
        return ORDERS.get(label, 0)
