"""Simulation-based calibration of the accounts against the record (docs/calibration.md): ABC-SMC posteriors
and model choice (pyabc), the bias guard, the choice checked on itself, posterior predictive checks, Sobol
indices (SALib) and PRIM boxes (ema_workbench).  Needs the `calibrate` extra: pip install -e ".[calibrate]"."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .space import DOCTRINES, OWN, SHARED, space  # light (and `space` is also the submodule's name: bound here)

if TYPE_CHECKING:
    from .abc import Spec, calibrate, summary

__all__ = ["DOCTRINES", "OWN", "SHARED", "Spec", "calibrate", "space", "summary"]

# `abc`'s names are imported on first use: `stavka.calibration.cli` (imported by every `stavka` command, to
# register `stavka calibrate`) then costs no import of pandas, Numba and the engine before a command needs them
# (a usage error of `stavka run`: 1.6 -> 0.5 s of processor time).
_LAZY = ("Spec", "calibrate", "summary")


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(".abc", __name__), name)
    globals()[name] = value
    return value
