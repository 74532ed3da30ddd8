"""`passive`: no personnel action at all, the baseline against which the others are measured.

Vacancies are filled by the army's routine order of succession (seniority); orders, credit and the
official history are left alone, except that defectors are erased as under every Soviet regime.
"""

from __future__ import annotations

from ..engine.interface import Decisions, RulerView
from .base import Doctrine


class Passive(Doctrine):
    name = "passive"
    traits = frozenset()

    def decide(self, view: RulerView) -> Decisions:
        return Decisions.routine(view)
