"""Traits are derived from a doctrine's parameters, the built-ins declare exactly those, and each trait has
its effect: a doctrine with it against the same doctrine with its rule switched off (`traits.without`), on
the same seed and runs.

The effect is what the trait promises (`doctrines/base.py:TRAITS`), read off the histories.  Where the
rule is the only source of an event (a quota arrest, a rotation), the test is exact: some with the rule,
none without, over 24 runs.  Where other mechanisms also move the outcome (lessons, defections, holds), it
is a one-sided Mann-Whitney U test over the runs at the 1 % level.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

import stavka
from stavka.doctrines import BUILTINS, TRAITS, get_doctrine
from stavka.doctrines.policy import PolicyDoctrine
from stavka.doctrines.traits import RULES, without

RUNS, SEED = 24, 11
POLICY_BUILTINS = [n for n, c in BUILTINS.items() if issubclass(c, PolicyDoctrine)]


def test_every_trait_has_a_rule() -> None:
    assert set(RULES) == set(TRAITS)


@pytest.mark.parametrize("name", POLICY_BUILTINS)
def test_declared_traits_are_the_derived_ones(name: str) -> None:
    cls = BUILTINS[name]
    assert cls().effective_traits == cls.traits, f"{name}: declare what the parameters do"


def test_a_toml_doctrine_loses_the_trait_its_parameters_switch_off(tmp_path: Path) -> None:
    path = tmp_path / "no_rotation.toml"
    path.write_text('[doctrine]\nbase = "terror"\nname = "no_rotation"\n[doctrine.params]\nrotate_popular = inf\n')
    doctrine = get_doctrine(path)
    assert "rotates_winners" in BUILTINS["terror"]().effective_traits
    assert "rotates_winners" not in doctrine.effective_traits
    assert "rotates_winners" not in doctrine.describe()["traits"]


def test_a_phase_gives_its_trait() -> None:
    """`historical` searches for talent only after Stalingrad (its 1943 phase): it has the trait."""
    hist = BUILTINS["historical"]()
    assert hist.params.talent_promotions == 0 and hist.params_at("1943-06").talent_promotions > 0
    assert "talent_search" in hist.effective_traits


def _count(kind: str, cause: str | None = None) -> Callable[[stavka.SimulationResult], np.ndarray]:
    """Per run: events of `kind` (and `cause`) in the true history."""

    def measure(res: stavka.SimulationResult) -> np.ndarray:
        ev = res.events
        hit = ev["kind"] == kind
        if cause is not None:
            hit &= ev["cause"] == cause
        return ev[hit].groupby("run").size().reindex(res.metrics["run"], fill_value=0).to_numpy()

    return measure


def _official(kind: str) -> Callable[[stavka.SimulationResult], np.ndarray]:
    def measure(res: stavka.SimulationResult) -> np.ndarray:
        off = res.official
        return off[off["kind"] == kind].groupby("run").size().reindex(res.metrics["run"], fill_value=0).to_numpy()

    return measure


def _series_last(name: str) -> Callable[[stavka.SimulationResult], np.ndarray]:
    def measure(res: stavka.SimulationResult) -> np.ndarray:
        s = res.series
        return s[s["month"] <= "1945-05"].groupby("run")[name].last().reindex(res.metrics["run"]).to_numpy()

    return measure


def _hold_share(res: stavka.SimulationResult) -> np.ndarray:
    """Per run: hold orders per front opened (a front opens free to take the initiative; the doctrine's
    hold order for it is drawn once a run)."""
    ev = res.events
    d = ev[ev["kind"] == "directive"]
    hold = d[d["cause"] == "hold"].groupby("run").size()
    opened = d[d["cause"] == "front opened"].groupby("run").size()
    return (hold / opened).reindex(res.metrics["run"]).fillna(0.0).to_numpy()


def _metric(name: str) -> Callable[[stavka.SimulationResult], np.ndarray]:
    return lambda res: res.metrics[name].to_numpy(dtype=float)


# trait -> (a doctrine without phases that has it, the measure, "exact": only the rule makes it, or the
# direction the rule moves it in a one-sided test: "more" / "fewer")
EFFECTS: dict[str, tuple[str, Callable[[stavka.SimulationResult], np.ndarray], str]] = {
    "purges": ("terror", _count("arrest", "quota"), "exact"),
    "scapegoats": ("terror", _count("execution", "scapegoat"), "exact"),
    "keeps_loyal_failures": ("terror", _count("transfer", "recall"), "exact"),
    "rotates_winners": ("terror", _count("transfer", "rotation"), "exact"),
    "sidelines_victors": ("terror", _count("transfer", "sideline"), "exact"),
    "interrogates": ("break_and_use", _count("interrogation", "autonomy"), "exact"),
    "crisis_appointments": ("break_and_use", _count("release", "crisis"), "exact"),
    "strict_hold": ("terror", _hold_share, "more"),
    "censors": ("terror", _official("relabelling"), "exact"),  # (defectors are erased by every regime)
    "collates_lessons": ("meritocratic", _series_last("lessons"), "more"),
    "listens": ("meritocratic", _series_last("listening"), "more"),
    "charms": ("meritocratic", _count("charm"), "exact"),
    "talent_search": ("meritocratic", _count("promotion", "talent"), "exact"),
    "hostage_clause": ("terror", _metric("defections"), "fewer"),
}


def test_every_trait_has_an_effect_test() -> None:
    assert set(EFFECTS) == set(TRAITS)


@pytest.mark.parametrize("trait", sorted(TRAITS))
def test_each_trait_has_its_effect(trait: str) -> None:
    name, measure, expect = EFFECTS[trait]
    with_it = get_doctrine(name)
    off = get_doctrine(name, **without(trait))
    assert trait in with_it.effective_traits and trait not in off.effective_traits
    a = measure(stavka.simulate(doctrine=with_it, runs=RUNS, seed=SEED))
    b = measure(stavka.simulate(doctrine=off, runs=RUNS, seed=SEED))
    if expect == "exact":
        assert b.sum() == 0, f"{trait}: {b.sum():g} without the rule"
        assert a.sum() > 0, f"{trait}: none with the rule in {RUNS} runs"
        return
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    alternative = "greater" if expect == "more" else "less"
    p = mannwhitneyu(a, b, alternative=alternative).pvalue
    summary = pd.Series({"with": a.mean(), "without": b.mean(), "p": p})
    assert p < 0.01, f"{trait}: no effect in the expected direction ({expect}): {summary.to_dict()}"
