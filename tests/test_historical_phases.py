"""`historical`'s dated phases: each phase value is a parameter of the doctrine, so an override reaches it.

The defaults are the values the phases always had (the history is bit-identical: benchmarks/history_digest.py);
an override of one phase value changes what the runs do in that phase only, which is tested on many seeded runs
with a stated test; a misspelt phase value is a one-line error with exit code 2.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import stavka
from stavka.calibration.guard import ShiftedHistorical
from stavka.config import ConfigError
from stavka.doctrines import get_doctrine
from stavka.doctrines.historical import PHASES, Historical
from stavka.doctrines.policy import PolicyParams, in_window
from stavka.params import parameter_rows

RUNS = 60


def test_every_phase_value_is_a_documented_parameter() -> None:
    rows = {r["name"]: r for r in parameter_rows(Historical.Params)}
    for phase in PHASES:
        for name, value in phase.values.items():
            row = rows[phase.key(name)]
            shared = PolicyParams.model_fields[name]
            assert row["value"] == value and type(row["value"]) is type(value)
            assert row["meaning"].startswith(str(shared.description)) and phase.window[0] in row["meaning"]
            assert row["source"] == phase.source and row["unit"] == shared.json_schema_extra["unit"]  # type: ignore[index]


def test_params_in_force_read_the_phase_parameters() -> None:
    """In a phase's months its parameters set the shared ones; outside them the doctrine's own values hold."""
    doc = Historical(purge_1937_purge_quota=0.02, stalingrad_1943_charm=5)
    assert doc.params_at("1937-08").purge_quota == 0.02 and doc.params_at("1939-08").purge_quota == 0.0
    assert doc.params_at("1944-01").charm == 5 and doc.params_at("1942-01").charm == Historical().params.charm
    # Every phase value of the defaults is in force in its window (the last phase that holds a month wins).
    plain = Historical()
    for phase in PHASES:
        for name in phase.values:
            month = phase.window[1]
            last = [ph for ph in PHASES if name in ph.values and in_window(month, ph.window)][-1]
            assert getattr(plain.params_at(month), name) == last.values[name]


def test_the_bias_guard_moves_the_phase_and_keeps_its_overridden_value() -> None:
    doc = ShiftedHistorical(3, purge_1937_purge_quota=0.02)
    assert doc.params_at("1937-06").purge_quota == 0.0  # the purge now begins in 1937-08
    assert doc.params_at("1937-08").purge_quota == 0.02 and doc.params_at("1939-02").purge_quota == 0.02


def test_an_overridden_phase_value_changes_the_runs() -> None:
    """purge_1937_purge_quota = 0 switches the organ's quota off in 1937-38: on the same seeds and run ids the
    runs' arrests fall.  Paired one-sided Wilcoxon signed-rank test over 60 runs, p < 1e-6; and the runs
    without the override are those of the default doctrine (the override is the only difference)."""
    base = stavka.simulate(doctrine="historical", runs=RUNS, seed=11, events=False)
    again = stavka.simulate(doctrine="historical", runs=RUNS, seed=11, events=False, purge_1937_purge_quota=0.012)
    off = stavka.simulate(doctrine="historical", runs=RUNS, seed=11, events=False, purge_1937_purge_quota=0.0)
    assert base.metrics.equals(again.metrics)  # the default, spelt out
    a, b = base.metrics["arrests"].to_numpy(float), off.metrics["arrests"].to_numpy(float)
    assert np.mean(b) < np.mean(a)
    assert stats.wilcoxon(a, b, alternative="greater").pvalue < 1e-6


def test_a_misspelt_phase_value_names_the_phase() -> None:
    with pytest.raises(ConfigError, match="phase purge_1937 .* has: purge_1937_purge_quota"):
        Historical(purge_1937_quota=0.02)
    with pytest.raises(ConfigError, match="purge_1937_purge_quota"):
        Historical(purge_1937_purge_quota="much")


def test_a_doctrine_file_sets_a_phase_value(tmp_path: Path) -> None:
    path = tmp_path / "heavy_purge.toml"
    path.write_text('[doctrine]\nbase = "historical"\nname = "heavy_purge"\n[doctrine.params]\npurge_1937_purge_quota = 0.02\n')
    doc = get_doctrine(str(path))
    assert doc.params_at("1937-06").purge_quota == 0.02 and doc.params_at("1936-06").purge_quota == 0.0  # type: ignore[attr-defined]


def test_a_bad_phase_key_in_a_doctrine_file_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "late_purge.toml"
    path.write_text('[doctrine]\nbase = "historical"\nname = "late_purge"\n[doctrine.params]\npurge_1937_quota = 0.02\n')
    res = subprocess.run(
        [sys.executable, "-m", "stavka.cli", "run", "--doctrine", str(path), "--runs", "2", "--no-db"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr + res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "purge_1937_quota" in lines[0], res.stderr
