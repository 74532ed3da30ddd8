"""Parameters as data: every number that shapes behaviour is a field with its meaning, unit, prior and source.

`param` makes a pydantic field of a scenario section (`config.py`) or of a doctrine (`doctrines/policy.py`)
carrying, besides its default and validation bounds (`ge`, `le`, ...):

* `description`: what it means, in one line;
* `unit`: what it is measured in (`probability/month`, `km`, `factor`, `log-odds`, `switch`, ...);
* `prior`: the plausible range `[lo, hi]` a calibration starts from, narrower than the validation bounds
  (None for a field that is not a number: a switch, a label, a dated list);
* `source`: where the value comes from: `../shared/seeds/*`, `../shared/design/MODEL.md`,
  `../shared/reference/*` (facts.md by section letter and item), or "modelling choice: why".

`parameter_rows` reads them back (`stavka params`, `stavka doctrines`, the tests).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, Field

SUBMODELS = {  # scenario section -> the submodels of docs/model.md §7 (and MODEL.md §1) it parameterises
    "scenario": "§7.13 scenario: dates",
    "corps": "§7.13 corps at the start (M1)",
    "posts": "§7.13 posts",
    "calendar": "§6.2 calendar inputs",
    "security": "§7.2 security organ (M14, M10)",
    "ruler": "§7.3 observation, paranoia, attention (M1, M13)",
    "command": "§7.4 decisions and vacancies (M2-M6, M12)",
    "operations": "§7.5 operations (M7, M8, M11, M13)",
    "captivity": "§7.6 captivity (M8, M3)",
    "learning": "§7.7 learning (M11)",
    "politics": "§7.8-7.10 popularity, challenges, fear and loyalty (M4, M13)",
    "turnover": "§7.12 turnover",
}


def param(default: Any, meaning: str, unit: str, prior: tuple[float, float] | None, source: str, **bounds: Any) -> Any:
    """A field with its metadata (see the module's docstring); `bounds` go to `pydantic.Field` (ge, le, ...)."""
    extra = {"unit": unit, "prior": None if prior is None else [prior[0], prior[1]], "source": source}
    return Field(default, description=meaning, json_schema_extra=extra, **bounds)  # type: ignore[arg-type]


def _bounds(info: Any) -> tuple[float, float]:
    lo, hi = -math.inf, math.inf
    for m in info.metadata:
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                lo = float(getattr(m, name))
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                hi = float(getattr(m, name))
    return lo, hi


def parameter_rows(model: type[BaseModel], values: BaseModel | None = None) -> list[dict[str, Any]]:
    """One row per field of `model`: name, value (the default, or the value in `values`), unit, prior,
    bounds, meaning and source."""
    rows = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        rows.append(
            {
                "name": name,
                "value": getattr(values, name) if values is not None else info.default,
                "unit": extra.get("unit"),
                "prior": extra.get("prior"),
                "bounds": list(_bounds(info)),
                "meaning": info.description,
                "source": extra.get("source"),
            }
        )
    return rows


def json_safe(value: Any) -> Any:
    """Non-finite floats as strings ("inf"), so that the output is strict JSON; tuples as lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return value
