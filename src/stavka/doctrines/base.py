"""The doctrine protocol: a named, documented personnel policy with typed parameters and traits.

A doctrine turns the ruler's view of a month into decisions for every run of a batch.  Most
doctrines are parameter sets of one shared policy (`policy.py`); a doctrine may also override
`decide` entirely.  The engine never imports this package: it only calls `decide`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ValidationError

from ..config import ConfigError, _ScalarTypes
from ..engine.interface import Decisions, RulerView
from ..engine.month import RunSettings
from ..engine.rules import Knobs

TRAITS = {
    "purges": "arrests by quota in purge phases (M10)",
    "scapegoats": "arrests or shoots the commander of a collapsed front (M3)",
    "keeps_loyal_failures": "relieved loyalists are kept close in staff posts (M2)",
    "rotates_winners": "promotes and moves popular winners away from the troops (M4)",
    "sidelines_victors": "sidelines the most popular marshal after victory (M4)",
    "interrogates": "interrogates capable officers who ask for autonomy (M5)",
    "crisis_appointments": "appoints by competence when a front collapses, even from prison (M6)",
    "strict_hold": "hold-position orders under pressure (M7)",
    "censors": "erases, reattributes and relabels in the official history (M9)",
    "collates_lessons": "collates the lessons of combat into reform (M11)",
    "listens": "listens to commanders, more as the war goes well (M11)",
    "charms": "personal attention that binds loyalty (M12)",
    "talent_search": "appoints and promotes by competence (M12)",
    "hostage_clause": "family-hostage clause for the captured (Order 270)",
}


class DoctrineParams(_ScalarTypes):
    """Parameters of a doctrine: unknown names refused, frozen, numbers finite (a field that means
    "never" by infinity says so with `Field(allow_inf_nan=True)`), numbers never booleans or strings."""


@dataclass(frozen=True)
class Censorship:
    """Rules that derive the official history from the true one (M9)."""

    erase_repressed: float = 0.0  # chance the name of an executed officer is erased
    relabel: bool = False  # transfers become "reorganisation", executions "discipline"
    hide_secret: bool = False  # denunciations, arrests, interrogations, releases left out


class Doctrine:
    """Base class.  Subclasses set `name`, `traits`, `Params` and implement `decide`."""

    name: ClassVar[str] = ""
    traits: ClassVar[frozenset[str]] = frozenset()
    Params: ClassVar[type[DoctrineParams]] = DoctrineParams
    # Set by the loaders on a class made from a file, in that class's own namespace (never inherited):
    # (kind "toml" or "python", the built-in base of a TOML doctrine or None, the source text, its sha256).
    _origin: ClassVar[tuple[str, str | None, str, str] | None] = None

    def __init__(self, **params: Any) -> None:
        try:
            self.params = self.Params(**params)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                valid = ", ".join(self.Params.model_fields)
                raise ConfigError(f"doctrine {self.name!r}: unknown parameter {loc!r}; expected one of: {valid}") from None
            raise ConfigError(f"doctrine {self.name!r}: {loc}: {err['msg']} (got {err.get('input')!r})") from None

    def decide(self, view: RulerView) -> Decisions:
        raise NotImplementedError

    def month_plan(self, label: str) -> tuple[Knobs, RunSettings] | None:
        """The month as knobs of the compiled shared policy, if this doctrine is one of its parameter
        sets; None (the default) makes the engine call `decide` instead."""
        return None

    def censorship(self, month: str) -> Censorship:
        return Censorship()

    def credit_policy(self, month: str) -> float:
        return 0.0

    @property
    def effective_traits(self) -> frozenset[str]:
        """The traits this doctrine has with its parameters: the declared ones, unless the doctrine can
        derive them (a doctrine of the shared policy does, `traits.py`)."""
        return type(self).traits

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "traits": sorted(self.effective_traits), "params": self.params.model_dump(mode="json")}

    def record(self) -> dict[str, Any]:
        """The doctrine by content, JSON-able, for `stavka.doctrines.doctrine_from_record` to rebuild it
        without its file: name; kind "builtin", "toml" or "python"; base (the built-in a TOML doctrine
        derives from, the doctrine's own name for a built-in, None for Python); params (all of them);
        source (the TOML text or Python source exactly as read and executed when it was loaded, None for
        a built-in) and its sha256.  A class defined elsewhere than in a doctrine file (a script, a
        notebook) has kind "python" and no source: it cannot be rebuilt from its record.
        Infinite parameters (rotate_popular = inf: never) stay floats; `json.dumps` writes Infinity."""
        from . import BUILTINS

        cls = type(self)
        origin = cls.__dict__.get("_origin")
        if origin is not None:
            kind, base, source, sha = origin
        elif BUILTINS.get(cls.name) is cls:
            kind, base, source, sha = "builtin", cls.name, None, None
        else:
            kind, base, source, sha = "python", None, None, None
        return {
            "name": self.name,
            "kind": kind,
            "base": base,
            "params": self.params.model_dump(mode="json"),
            "source": source,
            "source_sha256": sha,
        }

    def _identity(self) -> object:
        """What makes two doctrines the same apart from their parameters: the class, or for a class made
        from a file (each load makes a new one) its kind, name and source."""
        origin = type(self).__dict__.get("_origin")
        return type(self) if origin is None else (origin[0], self.name, origin[1], origin[3])

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.params.model_dump().items() if v != self.Params.model_fields[k].default}
        args = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Doctrine) or other._identity() != self._identity():
            return False
        if type(other) is type(self):
            return bool(other.params == self.params)
        return bool(other.params.model_dump() == self.params.model_dump())

    def __hash__(self) -> int:
        return hash((self._identity(), json.dumps(self.params.model_dump(mode="json"), sort_keys=True, default=str)))
