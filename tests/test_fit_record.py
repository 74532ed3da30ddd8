"""The fitting procedure of benchmarks/fit_record.py: its distance and its refusals."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import fit_record  # noqa: E402


def test_distance_is_the_calibrations_zero_on_the_record_and_grows_with_the_miss() -> None:
    from stavka.calibration.summaries import MISSING, distance, targets

    tgts = fit_record.scored_targets()
    assert tgts == targets() and all(t.use == "fit" for t in tgts)
    exact = {t.id: t.value for t in tgts}
    assert fit_record.distance(exact, tgts) == 0.0
    f = tgts[0]
    off = exact | {f.id: f.value + 2 * f.scale}  # two uncertainties off on one target of n: RMS 2 / sqrt(n)
    assert fit_record.distance(off, tgts) == pytest.approx(2 / len(tgts) ** 0.5) == distance(off, tgts)
    undefined = exact | {f.id: float("nan")}
    assert fit_record.distance(undefined, tgts) == pytest.approx(MISSING / len(tgts) ** 0.5)


def test_box_is_the_calibrations_declared_prior() -> None:
    from stavka.calibration.space import declared

    lo, hi, value = fit_record.prior("captivity.defect_base", "historical")
    assert (lo, hi) == declared()["captivity.defect_base"][0] and lo <= value <= hi
    lo, hi, _ = fit_record.prior("scapegoat_execute", "terror")
    assert (lo, hi) == declared()["scapegoat_execute"][0]


@pytest.mark.parametrize(
    "params, message",
    [("no_such", "no parameter 'no_such'"), ("corps.use_roster", "no finite prior"), ("nosection.x", "no scenario section")],
)
def test_bad_parameters_are_one_line_errors(params: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert fit_record.main(["--params", params, "--points", "1", "--runs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --params") and message in err and "\n" not in err
