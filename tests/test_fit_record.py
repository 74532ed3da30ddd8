"""The fitting procedure of benchmarks/fit_record.py: its distance and its refusals."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import fit_record  # noqa: E402


def _table(values: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame({"fact": list(values), "model": list(values.values())})


def test_distance_is_zero_on_the_record_and_grows_with_the_miss() -> None:
    targets = fit_record.scored_targets()
    assert targets and all(f.use == "fit" for f in targets)
    exact = _table({f.id: f.value for f in targets})
    assert fit_record.distance(exact, targets) == 0.0
    f = next(t for t in targets if not isinstance(t.value, str))
    half = max((float(f.hi) - float(f.lo)) / 2, 0.1 * abs(float(f.value)) or 0.05)
    off = _table({t.id: (float(t.value) + half if t is f else t.value) for t in targets})
    assert fit_record.distance(off, targets) == pytest.approx(1.0)
    undefined = _table({t.id: (float("nan") if t is f else t.value) for t in targets})
    assert fit_record.distance(undefined, targets) == 25.0


@pytest.mark.parametrize(
    "params, message",
    [("no_such", "no parameter 'no_such'"), ("corps.use_roster", "no finite prior"), ("nosection.x", "no scenario section")],
)
def test_bad_parameters_are_one_line_errors(params: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert fit_record.main(["--params", params, "--points", "1", "--runs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --params") and message in err and "\n" not in err
