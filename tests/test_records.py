"""The compiled month takes records (`engine/records.py`, issue 10): no kernel of `engine/month.py` takes more
than ten arguments, the scenario's corps parameters reach the kernels by name in `P`, and the plan a doctrine's
`Decisions` fill carries every run-level setting the run keeps."""

from __future__ import annotations

import inspect

from stavka.engine import month
from stavka.engine.records import SETTINGS, STANDING_SETTINGS, MonthPlan, RunSettings
from stavka.engine.state import RUN
from stavka.scenario import Scenario

MOST_ARGUMENTS = 10


def kernels() -> dict[str, int]:
    """Each compiled function defined in `month.py` and how many arguments it takes."""
    out = {}
    for name, obj in vars(month).items():
        f = getattr(obj, "py_func", None)
        if f is not None and f.__module__ == month.__name__:
            out[name] = len(inspect.signature(f).parameters)
    return out


def test_month_kernels_take_few_arguments() -> None:
    found = kernels()
    assert {"before_run", "after_run", "fused_run", "runs_fused", "month_before", "month_after"} <= set(found)
    too_many = {name: n for name, n in found.items() if n > MOST_ARGUMENTS}
    assert not too_many, f"kernels with more than {MOST_ARGUMENTS} arguments: {too_many}"


def test_corps_parameters_reach_the_kernels_by_name() -> None:
    s = Scenario.load("default", **{"corps.competence_mean": 0.41, "corps.trait_concentration": 7.5})
    assert s.params.corps_competence_mean == 0.41  # type: ignore[attr-defined]
    assert s.params.corps_trait_concentration == 7.5  # type: ignore[attr-defined]
    assert s.params.corps_loyalty_mean == s.config.corps.loyalty_mean  # type: ignore[attr-defined]


def test_standing_settings_are_run_fields_and_plan_fields() -> None:
    run_fields = set(RUN.names)
    assert set(STANDING_SETTINGS) <= run_fields
    # every standing setting is a field of the month's settings, but the listening, which the plan has of its own
    assert set(STANDING_SETTINGS) - {"listening"} <= set(SETTINGS.names)
    assert "listening" in MonthPlan._fields
    assert tuple(SETTINGS.names) == RunSettings._fields
