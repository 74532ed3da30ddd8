"""Spearman's rank correlation, compiled (continuity and meritocracy metrics)."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from .series import average_ranks


def spearman_rho(a: NDArray[np.float64], b: NDArray) -> float:  # type: ignore[type-arg]
    """`scipy.stats.spearmanr(a, b).statistic` bit for bit, without its overhead (input checks, p-value):
    the same exact ranks, laid out as spearmanr lays them out, through the same `np.corrcoef`.  Two 1-d
    inputs of equal length without NaN, as the war-end snapshot has."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if len(x) <= 1:
        return np.nan
    if (x[0] == x).all() or (y[0] == y).all():
        from scipy.stats import ConstantInputWarning

        warnings.warn(
            ConstantInputWarning("An input array is constant; the correlation coefficient is not defined."), stacklevel=2
        )
        return np.nan
    if np.isnan(x).any() or np.isnan(y).any():
        return np.nan
    ranked = np.empty((2, len(x)))  # spearmanr's ranks are the transpose of a C-ordered (2, n) buffer
    ranked[0] = average_ranks(x)
    ranked[1] = average_ranks(y)
    return float(np.asarray(np.corrcoef(ranked))[1, 0])


def rho_of_ranks(ranked: NDArray[np.float64]) -> float:
    """`spearman_rho` of two samples already ranked (`ranked[0]`, `ranked[1]`, without NaN), bit for bit."""
    if (ranked[0, 0] == ranked[0]).all() or (ranked[1, 0] == ranked[1]).all():
        return spearman_rho(ranked[0], ranked[1])  # constant: scipy's warning and NaN
    return float(np.asarray(np.corrcoef(ranked))[1, 0])  # corrcoef copies: the same C-ordered (2, n) buffer
