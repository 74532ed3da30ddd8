"""The calibration's perturbation kernel keeps every proposal's density positive (calibration/transition.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pyabc = pytest.importorskip("pyabc")

from scipy.stats import multivariate_normal  # noqa: E402

from stavka.calibration.transition import FLOOR_SHARE, FlooredTransition  # noqa: E402

COLUMNS = list("abcdef")
WIDTHS = {c: 2.0 + i for i, c in enumerate(COLUMNS)}


def _densities(kernel: object, n: int) -> np.ndarray:
    """The kernel's density at n proposals drawn from it, as pyabc draws and weighs them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([kernel.pdf(kernel.rvs_single()) for _ in range(n)])  # type: ignore[attr-defined]


def _direct(kernel: FlooredTransition, x: pd.Series) -> float:
    """The density at x computed directly in the parameters' units: sum_j w_j N(x; X_j, cov)."""
    xs = x[list(kernel.X.columns)].to_numpy()
    return float(
        sum(wi * multivariate_normal(mean=xj, cov=kernel.cov).pdf(xs) for xj, wi in zip(kernel._X_arr, kernel.w, strict=True))
    )


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


def test_few_particles_on_very_different_scales_give_every_proposal_a_positive_density() -> None:
    """Three particles of seven parameters whose prior widths run from 0.027 to 80, as in the confusion run
    that stopped with a floor alone (break_and_use, generation 1): in raw units scipy treats the floored
    covariance's small eigenvalues as zero; on the priors' scale none is cut, and the density is the same."""
    widths = {"rate": 0.027, "share": 0.8, "pace": 80.0, "log_odds": 6.0, "quota": 0.03, "p1": 1.0, "p2": 0.6}
    rng = np.random.default_rng(2)
    X = pd.DataFrame({c: rng.uniform(0, w, 3) for c, w in widths.items()})
    floored = FlooredTransition(widths)
    floored.fit(X, np.full(3, 1 / 3))
    np.random.seed(3)
    d = _densities(floored, 500)
    assert np.isfinite(d).all() and (d > 0).all()
    near = X.iloc[0] + 0.001 * pd.Series(widths)
    assert np.isclose(floored.pdf(near), _direct(floored, near), rtol=1e-6)


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
    x = X.iloc[5]
    assert np.isclose(floored.pdf(x), _direct(floored, x), rtol=1e-6)
