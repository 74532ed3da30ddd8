"""`human`: the decisions come from outside (a person in the ruler's chair, `stavka play`); whatever they
leave open falls to a fallback doctrine, the player's "staff".

Without orders it is its fallback, month by month (in `simulate` it even runs the fallback's compiled
plan), so `human` over many runs is the fallback's own distribution: the baseline a player is measured
against.  Orders are queued for one month with `queue` and apply only to a single-run batch (one game).
"""

from __future__ import annotations

from typing import Any

from ..engine.interface import Decisions, RulerView
from ..engine.month import RunSettings
from ..engine.rules import Knobs
from .base import Censorship, Doctrine

FALLBACK = "historical"  # the staff a game gets when it names none


class Human(Doctrine):
    """Decisions from outside (a player, `stavka play`); whatever they leave open falls to the fallback
    doctrine (default historical), the player's staff.  Without orders it is the fallback."""

    name = "human"
    traits = frozenset()

    def __init__(self, fallback: str | Doctrine = FALLBACK, **params: Any) -> None:
        super().__init__(**params)
        from . import get_doctrine  # (the registry imports this module)

        self.fallback = get_doctrine(fallback)
        if isinstance(self.fallback, Human):
            raise ValueError("human: the fallback must be another doctrine")
        self._orders: Any = None  # stavka.api.Orders for the coming month, or None

    def queue(self, orders: Any) -> None:
        """Orders (`stavka.Orders`) for the next month decided; used once, then cleared."""
        self._orders = orders

    def decide(self, view: RulerView) -> Decisions:
        from ..api import merge_orders  # (the API imports the doctrines)

        d = self.fallback.decide(view)
        orders, self._orders = self._orders, None
        if orders is not None:
            if view.shape[0] != 1:
                raise ValueError("human: orders apply to one game, a batch of one run")
            merge_orders(d, orders, view.officer["ident"][0], view.posts.n)
        return d

    def month_plan(self, label: str) -> tuple[Knobs, RunSettings] | None:
        # No orders pending: the month is the fallback's, compiled if the fallback is compiled.
        return self.fallback.month_plan(label) if self._orders is None else None

    def censorship(self, month: str) -> Censorship:
        return self.fallback.censorship(month)

    def credit_policy(self, month: str) -> float:
        return self.fallback.credit_policy(month)

    def _identity(self) -> object:
        return (type(self), self.fallback._identity(), self.fallback.params)

    def __repr__(self) -> str:
        return "Human()" if self.fallback.name == FALLBACK else f"Human(fallback={self.fallback.name!r})"
