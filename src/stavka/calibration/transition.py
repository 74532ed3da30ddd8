"""pyabc's multivariate normal perturbation kernel with a floor on each parameter's width.

Why: with several accounts in one model-choice run, an account may hold only a few particles in a
generation (fewer than its free parameters), or particles at one point.  Their weighted covariance is then
singular, or zero, and pyabc's kernel (`MultivariateNormalTransition`, `allow_singular=True`) gives a
density of 0 to a proposal off its support; the particle's importance weight prior / transition divides by
that 0, and the generation ends with "The population total weight nan is not normalized" (pyabc issues
#614 and #623).  Adding the floor's variance to the kernel's covariance keeps it positive definite, so every
proposal has a positive density.  The floor is a hundredth of the prior's width: where the kernel's own width is
a tenth of the prior's or more (particles spread over the prior), it widens the kernel by at most half a per
cent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyabc
import scipy.stats as st

FLOOR_SHARE = 0.01  # the floor on a parameter's perturbation s.d., as a share of its prior's width (modelling choice)


class FlooredTransition(pyabc.MultivariateNormalTransition):  # type: ignore[misc]
    """`MultivariateNormalTransition` whose covariance is the fitted one plus diag(floor_sd²)."""

    cov: np.ndarray  # the kernel's covariance, set by `fit` (untyped in pyabc)

    def __init__(self, widths: Mapping[str, float], floor_share: float = FLOOR_SHARE) -> None:
        super().__init__()
        self.floor_sd = {k: floor_share * float(w) for k, w in widths.items()}

    def fit(self, X: Any, w: np.ndarray) -> None:
        super().fit(X, w)
        floor = np.array([self.floor_sd[c] for c in X.columns])
        self.cov = self.cov + np.diag(floor**2)
        self.normal = st.multivariate_normal(cov=self.cov, allow_singular=True)
