"""pyabc's multivariate normal perturbation kernel, with a floor on each parameter's width and its density
evaluated on the priors' scale.

Why: with several accounts in one model-choice run, an account may hold only a few particles in a
generation (fewer than its free parameters), or particles at one point.  Their weighted covariance is then
singular, or zero, and pyabc's kernel (`MultivariateNormalTransition`, scipy's `multivariate_normal` with
`allow_singular=True`) gives a density of 0 to a proposal off its support; the particle's importance weight
prior / kernel divides by that 0, and the generation ends with "The population total weight nan is not
normalized" (pyabc issues #614 and #623).  Two things keep every proposal's density positive:

- the floor: the kernel's covariance is the fitted one plus diag(floor_sd²), floor_sd a hundredth of the
  prior's width, so it is positive definite;
- the scale: the parameters' widths differ by four orders of magnitude (a denunciation rate on
  [0.003, 0.03], the war's pace on [40, 120]), and scipy treats as zero every eigenvalue below about 2e-10
  times the largest, which a floored covariance in the raw units still has.  So the density is evaluated in
  units of each prior's width (x / width, divided by the product of the widths: the same density).

The proposals are drawn as pyabc draws them.  Where the kernel's own width is a tenth of the prior's or more
(particles spread over the prior), the floor widens it by at most half a per cent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyabc
import scipy.stats as st

FLOOR_SHARE = 0.01  # the floor on a parameter's perturbation s.d., as a share of its prior's width (modelling choice)


class FlooredTransition(pyabc.MultivariateNormalTransition):  # type: ignore[misc]
    """`MultivariateNormalTransition` whose covariance is the fitted one plus diag(floor_sd²), its density
    computed on the priors' scale."""

    cov: np.ndarray  # the kernel's covariance in the parameters' units, set by `fit` (untyped in pyabc)

    def __init__(self, widths: Mapping[str, float], floor_share: float = FLOOR_SHARE) -> None:
        super().__init__()
        self.widths = {k: float(w) for k, w in widths.items()}
        self.floor_share = floor_share

    def fit(self, X: Any, w: np.ndarray) -> None:
        super().fit(X, w)
        self._scale = np.array([self.widths[c] for c in X.columns])
        self.cov = self.cov + np.diag((self.floor_share * self._scale) ** 2)
        self.normal = st.multivariate_normal(cov=self.cov / np.outer(self._scale, self._scale), allow_singular=True)

    def _pdf_single(self, x: np.ndarray) -> float:
        z = (x - self._X_arr) / self._scale
        return float((self.normal.pdf(z) * self.w).sum() / np.prod(self._scale))
