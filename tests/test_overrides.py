"""The one rule for overrides (`stavka.overrides`): a dotted (or double-underscore) name is the scenario's,
a plain one the doctrine's, and every path (simulate, sweep files, the store) spells them the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import stavka
from stavka.config import ConfigError
from stavka.overrides import qualified, qualify_all, split
from stavka.sweep import save_results


@pytest.mark.parametrize(
    "key, full",
    [
        ("rotate_popular", "doctrine.rotate_popular"),
        ("doctrine.rotate_popular", "doctrine.rotate_popular"),
        ("operations.noise_km", "scenario.operations.noise_km"),
        ("operations__noise_km", "scenario.operations.noise_km"),
        ("scenario.operations.noise_km", "scenario.operations.noise_km"),
    ],
)
def test_every_spelling_has_one_full_name(key: str, full: str) -> None:
    assert qualified(key) == full


@pytest.mark.parametrize("key", ["doctrine.", "doctrine.a.b", "scenario.operations", "a.b.c", ".x", "x.", ""])
def test_malformed_names_are_one_line(key: str) -> None:
    with pytest.raises(ConfigError, match="expected") as info:
        qualified(key, "sweep.toml: grid")
    assert "\n" not in str(info.value) and str(info.value).startswith("sweep.toml: grid.")


def test_split_sends_each_to_its_owner() -> None:
    scen, doc = split({"operations__noise_km": 30, "rotate_popular": 0.3, "scenario.security.accuracy": 0.5})
    assert scen == {"operations.noise_km": 30, "security.accuracy": 0.5} and doc == {"rotate_popular": 0.3}
    assert qualify_all({"operations__noise_km": 30}) == {"scenario.operations.noise_km": 30}


def test_stored_cells_use_full_names(tmp_path: Path) -> None:
    res = stavka.simulate(doctrine="meritocratic", runs=2, seed=1, events=False, operations__noise_km=30, rotate_popular=0.3)
    db = tmp_path / "s.duckdb"
    save_results(db, "run", [res], 2, 1, 0)
    cell = stavka.load(db).cells.iloc[0]
    assert json.loads(cell["overrides"]) == {"scenario.operations.noise_km": 30, "doctrine.rotate_popular": 0.3}
