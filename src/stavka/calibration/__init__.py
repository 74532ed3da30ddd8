"""Simulation-based calibration of the accounts against the record (docs/calibration.md): ABC-SMC posteriors
and model choice (pyabc), the bias guard, the choice checked on itself, posterior predictive checks, Sobol
indices (SALib) and PRIM boxes (ema_workbench).  Needs the `calibrate` extra: pip install -e ".[calibrate]"."""

from __future__ import annotations

from .abc import Spec, calibrate, summary
from .space import DOCTRINES, OWN, SHARED, space

__all__ = ["DOCTRINES", "OWN", "SHARED", "Spec", "calibrate", "space", "summary"]
