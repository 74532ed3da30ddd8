"""What each trait means in the shared policy's parameters: a trait is derived, never merely declared.

A doctrine of the shared policy has a trait when, in some month of the model's span, the parameters in
force switch on the rule the trait names (each rule of `engine/rules.py` is off at its parameter's
neutral value, `policy.py`).  So a TOML `terror` with `rotate_popular = inf` does not rotate winners and
does not claim to, and a phased doctrine has the traits of all its phases.  The built-ins' declared
`traits` are checked against these (tests/test_traits.py), and each trait's effect on a history is
tested there too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from ..calendar import Calendar
from ..config import ScenarioInfo
from .policy import PolicyDoctrine, PolicyParams, in_window


def _span() -> Iterator[str]:
    """The months of the model's span (MODEL.md §2: 1937-48, the scenario's default start and end)."""
    fields = ScenarioInfo.model_fields
    yield from Calendar(fields["start"].default, fields["end"].default).labels()


def _purges(p: PolicyParams, label: str) -> bool:
    return p.purge_quota > 0 and in_window(label, p.purge_window)


# trait -> (rule is on in month `label` under parameters p, the parameters that turn it off)
RULES: dict[str, tuple[Callable[[PolicyParams, str], bool], dict[str, object]]] = {
    "purges": (_purges, {"purge_quota": 0.0}),
    "scapegoats": (lambda p, _: p.scapegoat > 0, {"scapegoat": 0.0}),
    "keeps_loyal_failures": (lambda p, _: p.keep_loyal_failures, {"keep_loyal_failures": False}),
    "rotates_winners": (lambda p, _: math.isfinite(p.rotate_popular), {"rotate_popular": math.inf}),
    "sidelines_victors": (lambda p, _: p.sideline_after_war >= 0, {"sideline_after_war": -1}),
    "interrogates": (lambda p, _: p.interrogate_autonomy > 0, {"interrogate_autonomy": 0.0}),
    "crisis_appointments": (lambda p, _: p.crisis_appointment, {"crisis_appointment": False}),
    # stricter than the neutral half of the fronts, or withdrawal punished (M7)
    "strict_hold": (
        lambda p, _: p.hold_strictness > 0.5 or p.punish_withdrawal > 0,
        {"hold_strictness": 0.5, "punish_withdrawal": 0.0},
    ),
    "censors": (
        lambda p, _: p.censor_erase > 0 or p.censor_relabel or p.censor_secret,
        {"censor_erase": 0.0, "censor_relabel": False, "censor_secret": False},
    ),
    "collates_lessons": (lambda p, _: p.collate_lessons, {"collate_lessons": False}),
    # "more as the war goes well": listening that grows with victories
    "listens": (lambda p, _: p.listening_growth > 0, {"listening_growth": 0.0}),
    "charms": (lambda p, _: p.charm > 0, {"charm": 0}),
    "talent_search": (lambda p, _: p.talent_promotions > 0, {"talent_promotions": 0}),
    "hostage_clause": (lambda p, _: p.hostage, {"hostage": False}),
}


def policy_traits(doctrine: PolicyDoctrine) -> frozenset[str]:
    """The traits the doctrine's parameters give it in some month of the model's span."""
    found: set[str] = set()
    for label in _span():
        p = doctrine.params_at(label)
        found |= {trait for trait, (on, _) in RULES.items() if trait not in found and on(p, label)}
    return frozenset(found)


def without(trait: str) -> dict[str, object]:
    """The parameters that switch the trait's rule off (for a doctrine without phases)."""
    return dict(RULES[trait][1])
