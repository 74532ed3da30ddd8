"""The calibration's perturbation kernel keeps every proposal's density positive (calibration/transition.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pyabc = pytest.importorskip("pyabc")

from stavka.calibration.transition import FLOOR_SHARE, FlooredTransition  # noqa: E402

COLUMNS = list("abcdef")
WIDTHS = {c: 2.0 + i for i, c in enumerate(COLUMNS)}


def _densities(kernel: object, n: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([kernel.pdf(kernel.rvs_single()) for _ in range(n)])  # type: ignore[attr-defined]


def test_particles_at_one_point_give_every_proposal_a_positive_density() -> None:
    np.random.seed(0)  # pyabc's kernels draw from NumPy's global generator
    X = pd.DataFrame(np.repeat(np.random.rand(1, len(COLUMNS)), 3, axis=0), columns=COLUMNS)
    w = np.full(3, 1 / 3)
    stock = pyabc.MultivariateNormalTransition()
    stock.fit(X, w)
    assert (_densities(stock, 50) == 0).any()  # the failure: weight = prior / 0 (pyabc issues #614, #623)
    floored = FlooredTransition(WIDTHS)
    floored.fit(X, w)
    d = _densities(floored, 200)
    assert np.isfinite(d).all() and (d > 0).all()
    assert np.allclose(np.sqrt(np.diag(floored.cov)), [FLOOR_SHARE * WIDTHS[c] for c in COLUMNS])


def test_a_spread_population_keeps_its_kernel() -> None:
    rng = np.random.default_rng(1)
    X = pd.DataFrame({c: rng.uniform(0, WIDTHS[c], 40) for c in COLUMNS})
    w = np.full(40, 1 / 40)
    stock, floored = pyabc.MultivariateNormalTransition(), FlooredTransition(WIDTHS)
    stock.fit(X, w)
    floored.fit(X, w)
    ratio = np.sqrt(np.diag(floored.cov) / np.diag(stock.cov))
    assert (ratio >= 1).all() and (ratio < 1.005).all()
    off = ~np.eye(len(COLUMNS), dtype=bool)
    assert np.array_equal(floored.cov[off], stock.cov[off])
