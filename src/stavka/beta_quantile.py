"""Quantiles of Beta(a, b), fast, for the hidden traits of the initial world.

`scipy.stats.beta.ppf` (Boost's `ibeta_inv`) costs about 3 µs a value, and the initial world needs
three per officer per run. The world, though, uses only a few (a, b) pairs (a trait's mean depends on
the rank, or on the roster entry), so each pair gets a table, built once and cached: the quantile
function in logit coordinates, L(z) = logit(Q(sigmoid(z))), as piecewise Chebyshev polynomials on
uniform pieces of z in [-Z, Z]. L is smooth and close to linear in both tails (Q(q) ~ (a B q)^(1/a)
near 0), so 16 coefficients a piece on 32 or 64 pieces reach double precision. One quantile is then a
log, an exp and a Clenshaw sum: about 0.1 µs.

The table's nodes come from a compiled inverse of the regularised incomplete beta function (continued
fraction, Numerical Recipes' initial guess, Halley steps to full precision), and every table is checked
against scipy when it is built. A table is a pure function of (a, b), so every quantile is a pure
function of (a, b, q): a run's traits do not depend on the other runs of its batch.

Against scipy the results differ in the last bits only (max abs difference about 1e-15, see
tests/test_initial_world.py). A pair whose table does not converge or fails the check, and any q outside
the tables' range, fall back to scipy itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np
from numpy.typing import NDArray

Z = 21.0  # tables cover logit(q) in [-Z, Z], q in [7.6e-10, 1 - 7.6e-10]
Q_MIN = 1.0 / (1.0 + math.exp(Z))
Q_MAX = 1.0 - Q_MIN
DEGREE = 15  # Chebyshev degree of a piece
FIRST_PIECES = 32
MAX_PIECES = 1024
TAIL_TOL = 1e-14  # last two Chebyshev coefficients of every piece, relative to max(1, |L|); node noise is ~2e-15
CHECK_TOL = 1e-13  # a new table must match scipy this closely at the check points, else scipy is used
_FPMIN = 1e-300


@numba.njit(cache=True, inline="always")
def _lentz_step(aa: float, c: float, d: float) -> tuple[float, float]:
    """One step of the modified Lentz method with coefficient aa: the new (c, d), kept off zero."""
    d = 1.0 + aa * d
    if abs(d) < _FPMIN:
        d = _FPMIN
    c = 1.0 + aa / c
    if abs(c) < _FPMIN:
        c = _FPMIN
    return c, 1.0 / d


@numba.njit(cache=True)
def _cont_frac(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz), for x < (a+1)/(a+b+2)."""
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _FPMIN:
        d = _FPMIN
    d = 1.0 / d
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        c, d = _lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), c, d)  # the even step
        h *= d * c
        c, d = _lentz_step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), c, d)  # the odd step
        step = d * c
        h *= step
        if abs(step - 1.0) <= 1e-16:
            break
    return h


@numba.njit(cache=True)
def _ibeta(a: float, b: float, x: float, lbeta: float) -> float:
    """Regularised incomplete beta I_x(a, b); lbeta = log B(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - lbeta)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _cont_frac(a, b, x) / a
    return 1.0 - front * _cont_frac(b, a, 1.0 - x) / b


@numba.njit(cache=True)
def _solve(a: float, b: float, p: float, lbeta: float) -> float:
    """x with I_x(a, b) = p, for 0 < p <= 1/2 (Numerical Recipes' invbetai, iterated to full precision)."""
    a1 = a - 1.0
    b1 = b - 1.0
    if a >= 1.0 and b >= 1.0:
        t = math.sqrt(-2.0 * math.log(p))
        x = -((2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t)
        al = (x * x - 3.0) / 6.0
        h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0))
        w = x * math.sqrt(al + h) / h - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h))
        x = a / (a + b * math.exp(2.0 * w))
    else:
        t = math.exp(a * math.log(a / (a + b))) / a
        u = math.exp(b * math.log(b / (a + b))) / b
        w = t + u
        x = (a * w * p) ** (1.0 / a) if p < t / w else 1.0 - (b * w * (1.0 - p)) ** (1.0 / b)
    for j in range(100):
        if x <= 0.0 or x >= 1.0:
            break
        err = _ibeta(a, b, x, lbeta) - p
        u = err / math.exp(a1 * math.log(x) + b1 * math.log1p(-x) - lbeta)  # err / density
        t = u / (1.0 - 0.5 * min(1.0, u * (a1 / x - b1 / (1.0 - x))))  # Halley
        x -= t
        if x <= 0.0:
            x = 0.5 * (x + t)
        if x >= 1.0:
            x = 0.5 * (x + t + 1.0)
        if abs(t) < 1e-10 * x and j > 0:  # the step after this one would be below 1e-30
            break
    return x


@numba.njit(cache=True)
def _logit_quantile(a: float, b: float, lbeta: float, z: float) -> float:
    """logit of the Beta(a, b) quantile at sigmoid(z), accurate in both tails."""
    if z <= 0.0:
        x = _solve(a, b, 1.0 / (1.0 + math.exp(-z)), lbeta)
        return math.log(x) - math.log1p(-x)
    y = _solve(b, a, 1.0 / (1.0 + math.exp(z)), lbeta)  # 1 - x, from the upper tail
    return math.log1p(-y) - math.log(y)


@numba.njit(cache=True)
def _fit(a: float, b: float, pieces: int) -> NDArray[np.float64]:
    """Chebyshev coefficients of L on `pieces` uniform pieces of [-Z, Z] (interpolation at Chebyshev points)."""
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    n = DEGREE + 1
    coef = np.zeros((pieces, n))
    vals = np.empty(n)
    width = 2.0 * Z / pieces
    for k in range(pieces):
        lo = -Z + k * width
        for j in range(n):
            vals[j] = _logit_quantile(a, b, lbeta, lo + 0.5 * width * (math.cos(math.pi * (j + 0.5) / n) + 1.0))
        for i in range(n):
            s = 0.0
            for j in range(n):
                s += vals[j] * math.cos(math.pi * i * (j + 0.5) / n)
            coef[k, i] = s * (2.0 / n)
        coef[k, 0] *= 0.5
    return coef


@numba.njit(cache=True)
def _tail(coef: NDArray[np.float64]) -> float:
    worst = 0.0
    for k in range(coef.shape[0]):
        scale = max(1.0, abs(coef[k, 0]))
        worst = max(worst, max(abs(coef[k, DEGREE]), abs(coef[k, DEGREE - 1])) / scale)
    return worst


@numba.njit(cache=True)
def _evaluate(coef: NDArray[np.float64], start: int, pieces: int, q: float) -> float:
    if not (Q_MIN <= q <= Q_MAX):  # outside the table (or NaN): the caller uses scipy
        return np.nan
    width = 2.0 * Z / pieces
    z = math.log(q / (1.0 - q))
    k = min(max(int((z + Z) / width), 0), pieces - 1)
    t = (z - (-Z + k * width)) * (2.0 / width) - 1.0
    row = start + k
    t2 = 2.0 * t
    b0 = 0.0
    b1 = 0.0
    for i in range(DEGREE, 0, -1):
        b0, b1 = (coef[row, i] - b1) + t2 * b0, b0
    logit_x = coef[row, 0] + t * b0 - b1
    return 1.0 / (1.0 + math.exp(-logit_x))


@numba.njit(cache=True)
def table_quantile(
    pair: NDArray[np.int64], start: NDArray[np.int64], pieces: NDArray[np.int64], coef: NDArray[np.float64], i: int, q: float
) -> float:
    """The quantile at q of column i's pair by its table (`QuantileTables`); NaN where the pair has no
    table or q is outside it (the caller then uses scipy)."""
    p = pair[i]
    if pieces[p] == 0:
        return np.nan
    return _evaluate(coef, start[p], pieces[p], q)


@numba.njit(cache=True)
def _evaluate_columns(
    q: NDArray[np.float64],
    pair: NDArray[np.int64],
    start: NDArray[np.int64],
    pieces: NDArray[np.int64],
    coef: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """out[r, i] = quantile of column i's pair at q[r, i]; NaN where the pair has no table or q is outside it."""
    for r in range(q.shape[0]):
        for i in range(q.shape[1]):
            out[r, i] = table_quantile(pair, start, pieces, coef, i, q[r, i])


def _check_points() -> NDArray[np.float64]:
    z = np.linspace(-Z, Z, 43)
    q = 1.0 / (1.0 + np.exp(-z))
    return np.concatenate([q, [Q_MIN, 1e-9, 1e-6, 1e-3, 0.1, 0.5, 0.9, 1 - 1e-3, 1 - 1e-6, 1 - 1e-9, Q_MAX]])


@lru_cache(maxsize=4096)
def table(a: float, b: float) -> NDArray[np.float64] | None:
    """Coefficients (pieces, DEGREE + 1) of the Beta(a, b) quantile table, or None: use scipy for this pair."""
    from scipy.special import betaincinv

    a, b = float(a), float(b)  # one compiled signature
    if not (math.isfinite(a) and math.isfinite(b) and a > 0.0 and b > 0.0):
        return None
    pieces = FIRST_PIECES
    while True:
        coef = _fit(a, b, pieces)
        if not np.all(np.isfinite(coef)):
            return None
        if _tail(coef) <= TAIL_TOL:
            break
        if pieces >= MAX_PIECES:
            return None
        pieces *= 2
    q = _check_points()
    got = np.empty((1, len(q)))
    _evaluate_columns(
        q[None, :], np.zeros(len(q), dtype=np.int64), np.zeros(1, dtype=np.int64), np.array([pieces], dtype=np.int64), coef, got
    )
    if not np.max(np.abs(got[0] - betaincinv(a, b, q))) <= CHECK_TOL:
        return None
    coef.setflags(write=False)
    return coef


@dataclass(frozen=True)
class QuantileTables:
    """The tables of the Beta(a[i], b[i]) of some columns i, for compiled code (`table_quantile`): column
    i's pair is `pair[i]`, whose table is `coef[start[p] : start[p] + pieces[p]]` (pieces 0: no table)."""

    pair: NDArray[np.int64]
    start: NDArray[np.int64]
    pieces: NDArray[np.int64]
    coef: NDArray[np.float64]

    @classmethod
    def of(cls, a: NDArray[np.float64], b: NDArray[np.float64]) -> QuantileTables:
        pairs, pair = np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)
        tables = [table(float(pa), float(pb)) for pa, pb in pairs]
        pieces = np.array([0 if t is None else t.shape[0] for t in tables], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(pieces)[:-1]]).astype(np.int64)
        coef = np.concatenate([t for t in tables if t is not None] or [np.zeros((0, DEGREE + 1))])
        return cls(pair=pair.reshape(-1).astype(np.int64), start=start, pieces=pieces, coef=coef)


def beta_quantiles(q: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Quantiles of Beta(a[i], b[i]) at q[r, i]; q has shape (rows, columns), a and b one value per column.

    Equal to `scipy.stats.beta.ppf(q, a, b)` to about 1e-15, and each value depends only on (a, b, q)."""
    q = np.ascontiguousarray(q, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if q.ndim != 2 or a.shape != (q.shape[1],) or b.shape != a.shape:
        raise ValueError(f"q must be (rows, columns) and a, b (columns,): got {q.shape}, {a.shape}, {b.shape}")
    t = QuantileTables.of(a, b)
    out = np.empty_like(q)
    _evaluate_columns(q, t.pair, t.start, t.pieces, t.coef, out)
    fill_from_scipy(out, q, a, b)
    return out


def fill_from_scipy(out: NDArray[np.float64], q: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]) -> None:
    """Where `out` (rows, columns) is NaN (no table for the pair, or q outside the table), scipy's quantile
    of Beta(a[i], b[i]) at q[r, i]."""
    use_scipy = np.isnan(out)
    if use_scipy.any():
        from scipy.special import betaincinv

        r, i = np.nonzero(use_scipy)
        out[r, i] = betaincinv(a[i], b[i], q[r, i])
