"""The shared policy's rules in one table (issue 10): each rule's function, its trait, its priority knob.

The rules are the compiled functions of `engine/doctrine_rules.py`, given in this order by `engine/rules.py:
decide_run` (docs/model.md §7.11); the last entries are the traits a doctrine realises by a run setting the
policy passes on (`policy.run_settings`), named by the function where the engine acts on it.  A rule's name
and meaning are its function's (the first sentence of its docstring), so nothing here restates the code;
tests/test_rulebook.py checks the table against the docstrings, the traits (`traits.RULES`), the knobs and
the parameters, and against the order of the calls in `decide_run`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ..engine import doctrine_rules as dr
from ..engine.learning import learning_step
from ..engine.operations import captivity_step
from ..engine.security import security_step
from ..ledger import censor


class Rule(NamedTuple):
    function: Callable[..., Any]  # the compiled rule (a Numba dispatcher), or where a run setting acts
    trait: str | None  # `base.TRAITS` key the rule realises, None: no trait names it
    priority: str | None  # the `PolicyParams` field (and `Knobs` field) of its orders' priority, None: none

    @property
    def name(self) -> str:
        return str(self.function.__name__)

    @property
    def meaning(self) -> str:
        """The first sentence of the function's docstring."""
        doc = " ".join((self.function.__doc__ or "").split())
        return doc.split(".  ")[0].rstrip(".") + "."


RULEBOOK: tuple[Rule, ...] = (
    Rule(dr.listening_rule, "listens", None),
    Rule(dr.hold_orders, "strict_hold", None),
    Rule(dr.arrest_disloyal, None, None),
    Rule(dr.show_trial, None, "priority_top_target"),
    Rule(dr.reinstate_on_review, None, "priority_review"),
    Rule(dr.release_on_review, None, "priority_review"),
    Rule(dr.scapegoat, "scapegoats", "priority_scapegoat"),
    Rule(dr.recall_loyal_failure, "keeps_loyal_failures", "priority_loyal_recall"),
    Rule(dr.reshuffle_remove, None, "priority_failure"),
    Rule(dr.reshuffle_promote, None, "priority_merit"),
    Rule(dr.relieve_failure, None, "priority_failure"),
    Rule(dr.arrest_for_withdrawal, "strict_hold", "priority_withdrawal"),
    Rule(dr.rotate_winner, "rotates_winners", "priority_rotate"),
    Rule(dr.sideline_victor, "sidelines_victors", "priority_sideline"),
    Rule(dr.appoint_to_axis, None, "priority_axis"),
    Rule(dr.interrogate, "interrogates", "priority_interrogate"),
    Rule(dr.promote_winner, None, "priority_merit"),
    Rule(dr.promote_talent, "talent_search", "priority_talent"),
    Rule(dr.charm_officer, "charms", "priority_charm"),
    Rule(dr.appointment_score, "crisis_appointments", None),
    Rule(dr.crisis_release, "crisis_appointments", "priority_crisis_release"),
    # traits of a run setting (`policy.run_settings`), where the engine acts on it
    Rule(security_step, "purges", None),
    Rule(captivity_step, "hostage_clause", None),
    Rule(learning_step, "collates_lessons", None),
    Rule(censor, "censors", None),
)


def rules_of(trait: str) -> list[Rule]:
    """The rules that realise a trait."""
    return [rule for rule in RULEBOOK if rule.trait == trait]
