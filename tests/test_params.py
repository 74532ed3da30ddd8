"""Every coefficient is a named parameter with its meaning, unit, prior range and source (`stavka.params`)."""

from __future__ import annotations

import math

import pytest
from pydantic import BaseModel

from stavka.config import KERNEL_SECTIONS, ScenarioConfig, kernel_params
from stavka.doctrines import REGISTRY
from stavka.doctrines.policy import PolicyParams
from stavka.engine.records import RunSettings
from stavka.engine.rules import Knobs
from stavka.params import SUBMODELS, parameter_rows

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    (name, info.annotation)
    for name, info in ScenarioConfig.model_fields.items()  # type: ignore[misc]
]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.parametrize(("where", "model"), [*SECTIONS, ("doctrine", PolicyParams)], ids=lambda x: str(x))
def test_every_field_has_its_metadata(where: str, model: type[BaseModel]) -> None:
    for row in parameter_rows(model):
        name = f"{where}.{row['name']}"
        assert row["meaning"], f"{name}: no meaning"
        assert row["unit"], f"{name}: no unit"
        assert row["source"], f"{name}: no source"
        value, prior = row["value"], row["prior"]
        if _is_number(value):
            assert prior is not None, f"{name}: a number without a prior range"
            lo, hi = prior
            low, high = row["bounds"]
            assert low <= lo <= value <= hi <= high, f"{name}: prior {prior}, default {value}, bounds {row['bounds']}"
            assert lo < hi or lo == hi == value, f"{name}: empty prior {prior}"
            if where != "doctrine":  # a doctrine's choices may span the whole policy space: 0 .. 1 for a chance
                assert (lo, hi) != (low, high), f"{name}: the prior is the validation bounds, not a plausible range"
        else:
            assert prior is None, f"{name}: a prior for a value that is not a number"


def test_every_section_names_its_submodel() -> None:
    assert set(SUBMODELS) == set(ScenarioConfig.model_fields)


def test_built_in_doctrines_sit_inside_the_priors() -> None:
    """A built-in doctrine's own values are plausible ones: inside the prior ranges (phases included)."""
    for name, cls in REGISTRY.items():
        doctrine = cls()
        for label in ("1937-06", "1939-06", "1941-07", "1942-08", "1944-01", "1946-01"):
            params = doctrine.params_at(label) if hasattr(doctrine, "params_at") else doctrine.params
            for row in parameter_rows(type(params), params):
                if _is_number(row["value"]) and row["prior"] is not None and math.isfinite(row["value"]):
                    lo, hi = row["prior"]
                    assert lo <= row["value"] <= hi, f"{name} {label}: {row['name']} = {row['value']}, prior {row['prior']}"


def test_kernel_params_name_every_kernel_field() -> None:
    cfg = ScenarioConfig()
    params = kernel_params(cfg)
    expected = [f"{s}_{k}" for s in KERNEL_SECTIONS for k in type(getattr(cfg, s)).model_fields] + ["record_follow_until"]
    assert list(params._fields) == expected  # type: ignore[attr-defined]
    assert all(isinstance(v, float) for v in params)


def test_every_policy_number_reaches_the_kernel() -> None:
    """Each numeric PolicyParams field that a rule reads is a knob of the compiled policy (run-level ones go to
    RunSettings, windows and the censor to Python)."""
    deputy = {"deputy_rank", "deputy_w_popularity", "deputy_w_loyalty"}  # the deputy's rule: RunSettings (§11.9)
    run_level = {"purge_quota", "execute_share", "organ_trust", "credit_taken", "punish_returnees", "censor_erase"} | deputy
    for name, info in PolicyParams.model_fields.items():
        if info.annotation in (int, float) and name not in run_level:
            assert name in Knobs._fields, name
    assert deputy <= set(RunSettings._fields)


def test_the_parameter_tuple_fits_the_parallel_kernels() -> None:
    """Numba unpacks the parameter tuple into the parallel regions only up to its tuple-size limit."""
    from numba.core import config

    import stavka.engine  # noqa: F401  (sets the limit)

    assert len(kernel_params(ScenarioConfig())) <= config.PARFOR_MAX_TUPLE_SIZE
