"""The table of the shared policy's rules (`doctrines/rulebook.py`) against what it names: every trait has a
rule, every priority knob is a parameter and a knob, the functions exist and say in their docstrings what the
table says of them, the table follows the order of the calls in `decide_run`, and docs/model.md §7.11 names
every rule."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from stavka.doctrines import TRAITS
from stavka.doctrines.policy import PolicyParams
from stavka.doctrines.rulebook import RULEBOOK, rules_of
from stavka.doctrines.traits import RULES
from stavka.engine import doctrine_rules
from stavka.engine.rules import Knobs, decide_run

MODEL = Path(__file__).resolve().parents[1] / "docs" / "model.md"
COMPILED = [rule for rule in RULEBOOK if rule.function.__module__ == doctrine_rules.__name__]


def test_every_trait_has_a_rule_and_every_rule_trait_is_a_trait() -> None:
    assert all(rules_of(trait) for trait in RULES), [t for t in RULES if not rules_of(t)]
    assert {rule.trait for rule in RULEBOOK if rule.trait} <= set(TRAITS)


def test_every_priority_is_a_parameter_and_a_knob_and_every_priority_knob_has_a_rule() -> None:
    named = {rule.priority for rule in RULEBOOK if rule.priority}
    assert named <= set(PolicyParams.model_fields) & set(Knobs._fields)
    assert {k for k in Knobs._fields if k.startswith("priority_")} == named


def test_the_functions_are_compiled_and_unique() -> None:
    assert all(hasattr(rule.function, "py_func") for rule in COMPILED)
    names = [rule.name for rule in RULEBOOK]
    assert len(set(names)) == len(names)
    assert all(rule.meaning.strip(".") for rule in RULEBOOK)


def test_every_order_giving_rule_is_in_the_table() -> None:
    """A function of `doctrine_rules` that gives orders (it returns `order(Action....)`) is a rule of the table,
    and every rule of the table is one, but the run-level rules and the appointment score."""
    helpers = {"order", "no_order", "offer"}
    givers = {
        name
        for name, f in vars(doctrine_rules).items()
        if hasattr(f, "py_func") and name not in helpers and "order(Action." in inspect.getsource(f.py_func)
    }
    assert givers == {rule.name for rule in COMPILED} - {"listening_rule", "hold_orders", "appointment_score"}


def test_docstrings_name_the_trait_and_the_priority() -> None:
    for rule in COMPILED:
        doc = " ".join((rule.function.__doc__ or "").split())
        assert (f"Trait `{rule.trait}`" in doc) if rule.trait else ("No trait" in doc), rule.name
        assert (f"priority `{rule.priority}`" in doc) if rule.priority else ("no priority" in doc.lower()), rule.name


def test_the_table_follows_the_order_of_the_calls() -> None:
    """The table lists the rules `decide_run` calls in the order it calls them (the order of the orders)."""
    source = inspect.getsource(decide_run.py_func)
    called = [(source.find(f"{rule.name}("), rule.name) for rule in COMPILED if f"{rule.name}(" in source]
    assert [name for _, name in sorted(called)] == [name for _, name in called]
    assert len(called) >= len(COMPILED) - 1  # (`recall_loyal_failure` is called by `scapegoat`)


def test_the_model_document_names_every_rule() -> None:
    text = MODEL.read_text(encoding="utf-8")
    section = re.search(r"^### 7\.11 .*?(?=^### 7\.12 )", text, re.MULTILINE | re.DOTALL)
    assert section is not None
    missing = [rule.name for rule in RULEBOOK if f"`{rule.name}`" not in section.group(0)]
    assert not missing, f"docs/model.md §7.11 should name {missing}"
