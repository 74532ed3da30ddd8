"""`passive`: no personnel action at all, the baseline against which the others are measured.

Vacancies are filled by the army's routine order of succession (seniority); orders, credit and the
official history are left alone, except that defectors are erased as under every Soviet regime.  It is
the shared policy with every rule at its neutral value, no hold orders and the routine succession, so it
runs compiled like the other accounts (before, it decided in Python month by month).
"""

from __future__ import annotations

from .policy import PolicyDoctrine, params_with_defaults


class Passive(PolicyDoctrine):
    name = "passive"
    traits = frozenset()
    Params = params_with_defaults("PassiveParams", routine_succession=True, hold_strictness=0.0)
