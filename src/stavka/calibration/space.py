"""The free parameters of the calibration, declared in one place: the model's shared parameters (the scenario's,
free under every account) and each account's own (its doctrine's), each with the prior range it declares
(`params.param(..., prior=(lo, hi))`, `stavka params`).  A user may narrow a prior, never widen it beyond the
declared range, and may restrict the set; anything else is a one-line `ConfigError`.

Names are the override names of `stavka.simulate` (`overrides.py`): 'SECTION.PARAMETER' for the scenario's, a
plain name for the doctrine's.  pyabc sees them with the dot spelt '__' (which `simulate` accepts as well).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..config import ConfigError

# The model's parameters free under every account: the organ's denunciations and their accuracy (the purge's
# size), the war's pace, the captured's defection and the challenge to the ruler (MODEL.md §7.2, 7.5, 7.6, 7.9).
SHARED: tuple[str, ...] = (
    "security.denounce_rate",
    "security.false_accusation",
    "operations.km_per_log_odds",
    "captivity.defect_base",
    "politics.challenge_base",
)
# Each account's own free parameters: the rules its historians argue about (the doctrine's docstring).  The
# `historical` account's dated phases set purge, scapegoating and listening by date; its free parameters are the
# ones no phase sets.  `passive` has no rules, so only the shared parameters.
OWN: dict[str, tuple[str, ...]] = {
    "historical": ("arrest_disloyalty", "demote_failures", "promote_winners", "punish_returnees"),
    "terror": ("purge_quota", "execute_share", "scapegoat", "scapegoat_execute"),
    "break_and_use": ("purge_quota", "execute_share", "scapegoat", "crisis_release"),
    "meritocratic": ("execute_share", "release_rate", "relieve_below", "listening"),
    "passive": (),
}
DOCTRINES: tuple[str, ...] = tuple(OWN)


@dataclass(frozen=True)
class Free:
    """One free parameter: its override name, its prior range (uniform) and the range it declares."""

    name: str
    lo: float
    hi: float
    declared: tuple[float, float]
    integer: bool = False

    @property
    def key(self) -> str:
        """The name pyabc stores (no dots)."""
        return self.name.replace(".", "__")

    @property
    def mean(self) -> float:
        return (self.lo + self.hi) / 2


@lru_cache(maxsize=1)
def declared() -> dict[str, tuple[tuple[float, float], bool]]:
    """{override name: (declared prior range, integer?)} of every parameter with a finite numeric prior."""
    from pydantic import BaseModel

    from ..config import load_scenario
    from ..doctrines.policy import PolicyParams
    from ..params import parameter_rows

    cfg = load_scenario("default")
    out: dict[str, tuple[tuple[float, float], bool]] = {}
    rows: list[tuple[str, type[BaseModel]]] = [(f"{s}.", type(getattr(cfg, s))) for s in type(cfg).model_fields]
    rows.append(("", PolicyParams))
    for prefix, model in rows:
        for row in parameter_rows(model):
            prior = row["prior"]
            if prior is None or not all(isinstance(v, int | float) and math.isfinite(v) for v in prior):
                continue
            out[prefix + row["name"]] = ((float(prior[0]), float(prior[1])), isinstance(row["value"], int))
    return out


def _range(name: str, value: object) -> tuple[float, float]:
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise ConfigError(f"prior {name}: expected [lo, hi] (got {value!r})")
    try:
        lo, hi = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        raise ConfigError(f"prior {name}: expected two numbers lo, hi (got {value!r})") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ConfigError(f"prior {name}: expected finite lo < hi (got {lo:g}, {hi:g})")
    return lo, hi


def check_doctrines(doctrines: Iterable[str]) -> list[str]:
    out = list(doctrines)
    if not out:
        raise ConfigError("doctrines: expected at least one doctrine")
    for d in out:
        if d not in OWN:
            raise ConfigError(f"unknown doctrine {d!r}; the calibration knows: {', '.join(DOCTRINES)}")
    if len(set(out)) < len(out):
        raise ConfigError(f"doctrines: a doctrine is named twice in {','.join(out)}")
    return out


def space(doctrine: str, params: Iterable[str] | None = None, priors: Mapping[str, object] | None = None) -> list[Free]:
    """The free parameters of `doctrine`: the shared ones and its own (or those of `params` among them), each
    with its declared prior, or the narrower range of `priors`."""
    check_doctrines([doctrine])
    allowed = [*SHARED, *OWN[doctrine]]
    names = allowed if params is None else [p for p in params if p in allowed]
    table = declared()
    out = []
    for name in names:
        (dlo, dhi), integer = table[name]
        lo, hi = dlo, dhi
        if priors and name in priors:
            lo, hi = _range(name, priors[name])
            if lo < dlo or hi > dhi:
                raise ConfigError(
                    f"prior {name}: [{lo:g}, {hi:g}] is outside the declared range [{dlo:g}, {dhi:g}]; "
                    "a prior may only be narrowed"
                )
        out.append(Free(name, lo, hi, (dlo, dhi), integer))
    return out


def check_names(doctrines: Sequence[str], params: Iterable[str] | None, priors: Mapping[str, object] | None) -> None:
    """Every parameter named in `params` or `priors` is free under at least one of `doctrines`."""
    known = set(SHARED).union(*(OWN[d] for d in doctrines))
    for name in [*(params or ()), *(priors or {})]:
        if name not in known:
            raise ConfigError(f"unknown parameter {name!r}; free under {','.join(doctrines)}: {', '.join(sorted(known))}")
    if params is not None and not list(params):
        raise ConfigError("params: expected at least one parameter")
