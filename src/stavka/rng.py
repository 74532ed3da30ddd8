"""Counter-based random streams.

Every random number in stavka is a pure function of (seed, run, month, purpose, officer, draw): a
SplitMix64-style hash of those counters.  Nothing is carried from one draw to the next, so a run's
history does not depend on how many other runs share its batch, on their order, on the number of
workers or on the machine.  The uniform hash is implemented twice, for compiled kernels (scalar, Numba)
and for doctrines (vectorised, NumPy; integer arithmetic only), and a test checks that the two agree bit
for bit; normals exist once, compiled (their logarithm would differ between NumPy's SIMD code and the C
library on some CPUs), and `normals` calls that one implementation for whole arrays.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO53 = 1.0 / 9007199254740992.0


class Purpose(IntEnum):
    """What a random draw is for; part of the stream key so that purposes never share numbers."""

    INIT_TRAITS = 1
    INIT_CORPS = 2
    DENOUNCE = 3
    DENOUNCE_SIGNAL = 4
    QUOTA = 5
    OBSERVE = 6
    AUTONOMY = 7
    INTERROGATION = 8
    DOCTRINE = 9
    APPOINT = 10
    COMBAT = 11
    ENCIRCLE = 12
    CASUALTY = 13
    WITHDRAW = 14
    CAPTIVITY = 15
    CHALLENGE = 16
    TRIAL = 17
    AGEING = 18
    INTAKE = 19
    CENSOR = 20
    NAMES = 21
    KERNEL = 22
    RELEASE = 23
    # 24 is the policy's hold stream (engine/rules.py HOLD_STREAM)
    LADDER = 25


@numba.njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True)
def stream_key(seed: int, run: int, month: int, purpose: int) -> np.uint64:
    """Key of one (seed, run, month, purpose) stream; draws inside it are indexed by officer."""
    k = mix64(np.uint64(seed) + _GOLDEN)
    k = mix64(k ^ (np.uint64(run) * _GOLDEN))
    k = mix64(k ^ (np.uint64(month + 1) * _M1))
    return mix64(k ^ (np.uint64(purpose) * _M2))


@numba.njit(cache=True, inline="always")
def uniform(key: np.uint64, index: int, draw: int = 0) -> float:
    """U[0,1) for item `index` (an officer, front or post) and sub-draw `draw` of a stream."""
    z = mix64(key ^ (np.uint64(index + 1) * _GOLDEN + np.uint64(draw) * _M2))
    return float(z >> _S11) * _TWO53


# --- normals: the inverse normal CDF of one uniform -------------------------------------------------
#
# N = Φ⁻¹(p) by Wichura's algorithm AS241 (PPND16, Applied Statistics 37 (1988) 477-484; relative accuracy
# about 1e-16), the algorithm of CPython's `statistics.NormalDist.inv_cdf`, with its coefficients.  The
# uniform is sub-draw 2·draw of the stream (sub-draw 2·draw + 1, Box-Muller's second uniform until the
# change, is no longer used).  u is a multiple of 2^-53 in [0, 1); p = u + 2^-54 is the midpoint of u's
# bin, so p is never 0 or 1 and the draws are exactly symmetric: q = p - 0.5 = (u - 0.5) + 2^-54 is exact,
# and so is the tail's 0.5 - |q| (min(p, 1 - p)).  The extreme draws, u = 0 and u = 1 - 2^-53, give
# -8.3 and +8.3.  Each rational function is written once, as plain arithmetic that works on floats and on
# arrays alike, and compiled for the scalar `normal`, so the compiled and the vectorised normals evaluate the
# same operations in the same order (no FMA: neither NumPy nor Numba without fastmath contracts them).
# Only the tails (|q| > 0.425, 15% of draws) call log and sqrt.

_HALF_ULP = 0.5 * _TWO53  # 2^-54

# fmt: off
# (the layout of CPython's transcription of AS241, coefficient by coefficient)


def _ppnd_central(q: Any, r: Any) -> Any:  # a float (compiled) or an array
    """Φ⁻¹(0.5 + q) for |q| <= 0.425, where r = 0.180625 - q·q."""
    num = (((((((2.5090809287301226727e+3 * r
                 + 3.3430575583588128105e+4) * r
                + 6.7265770927008700853e+4) * r
               + 4.5921953931549871457e+4) * r
              + 1.3731693765509461125e+4) * r
             + 1.9715909503065514427e+3) * r
            + 1.3314166789178437745e+2) * r
           + 3.3871328727963666080e+0) * q
    den = (((((((5.2264952788528545610e+3 * r
                 + 2.8729085735721942674e+4) * r
                + 3.9307895800092710610e+4) * r
               + 2.1213794301586595867e+4) * r
              + 5.3941960214247511077e+3) * r
             + 6.8718700749205790830e+2) * r
            + 4.2313330701600911252e+1) * r
           + 1.0)
    return num / den


def _ppnd_near(r: Any) -> Any:
    """|Φ⁻¹(p)| for sqrt(-log(min(p, 1 - p))) <= 5, where r is that root minus 1.6."""
    num = (((((((7.74545014278341407640e-4 * r
                 + 2.27238449892691845833e-2) * r
                + 2.41780725177450611770e-1) * r
               + 1.27045825245236838258e+0) * r
              + 3.64784832476320460504e+0) * r
             + 5.76949722146069140550e+0) * r
            + 4.63033784615654529590e+0) * r
           + 1.42343711074968357734e+0)
    den = (((((((1.05075007164441684324e-9 * r
                 + 5.47593808499534494600e-4) * r
                + 1.51986665636164571966e-2) * r
               + 1.48103976427480074590e-1) * r
              + 6.89767334985100004550e-1) * r
             + 1.67638483018380384940e+0) * r
            + 2.05319162663775882187e+0) * r
           + 1.0)
    return num / den


def _ppnd_far(r: Any) -> Any:
    """|Φ⁻¹(p)| for sqrt(-log(min(p, 1 - p))) > 5, where r is that root minus 5."""
    num = (((((((2.01033439929228813265e-7 * r
                 + 2.71155556874348757815e-5) * r
                + 1.24266094738807843860e-3) * r
               + 2.65321895265761230930e-2) * r
              + 2.96560571828504891230e-1) * r
             + 1.78482653991729133580e+0) * r
            + 5.46378491116411436990e+0) * r
           + 6.65790464350110377720e+0)
    den = (((((((2.04426310338993978564e-15 * r
                 + 1.42151175831644588870e-7) * r
                + 1.84631831751005468180e-5) * r
               + 7.86869131145613259100e-4) * r
              + 1.48753612908506148525e-2) * r
             + 1.36929880922735805310e-1) * r
            + 5.99832206555887937690e-1) * r
           + 1.0)
    return num / den
# fmt: on


_ppnd_central_nb = numba.njit(cache=True, inline="always")(_ppnd_central)
_ppnd_near_nb = numba.njit(cache=True, inline="always")(_ppnd_near)
_ppnd_far_nb = numba.njit(cache=True, inline="always")(_ppnd_far)


@numba.njit(cache=True, inline="always")
def _ppnd16(u: float) -> float:
    """Φ⁻¹(u + 2^-54) for a uniform u in [0, 1) on the 2^-53 grid."""
    q = (u - 0.5) + _HALF_ULP
    if abs(q) <= 0.425:
        return _ppnd_central_nb(q, 0.180625 - q * q)
    r = np.sqrt(-np.log(0.5 - abs(q)))
    x = _ppnd_near_nb(r - 1.6) if r <= 5.0 else _ppnd_far_nb(r - 5.0)
    return -x if q < 0.0 else x


def ppnd16(u: float) -> float:
    """`_ppnd16` in plain Python, for callers outside Numba (the Mesa reference): the same operations."""
    q = (u - 0.5) + _HALF_ULP
    if abs(q) <= 0.425:
        return float(_ppnd_central(q, 0.180625 - q * q))
    r = math.sqrt(-math.log(0.5 - abs(q)))
    x = _ppnd_near(r - 1.6) if r <= 5.0 else _ppnd_far(r - 5.0)
    return float(-x if q < 0.0 else x)


@numba.njit(cache=True, inline="always")
def normal(key: np.uint64, index: int, draw: int = 0) -> float:
    """Standard normal: the inverse normal CDF (AS241) of sub-draw 2·draw, at the midpoint of its bin."""
    return _ppnd16(uniform(key, index, 2 * draw))


# --- the same streams, vectorised, for doctrines and initialisation -------------------------------


def _mix64_np(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def stream_keys(seed: int, runs: NDArray[np.int64], month: int, purpose: int) -> NDArray[np.uint64]:
    """Keys for a batch of runs (one per run), identical to `stream_key` for each."""
    with np.errstate(over="ignore"):
        r = np.asarray(runs, dtype=np.uint64)
        k = _mix64_np(np.full(r.shape, np.uint64(seed), dtype=np.uint64) + _GOLDEN)
        k = _mix64_np(k ^ (r * _GOLDEN))
        k = _mix64_np(k ^ (np.uint64(month + 1) * _M1))
        return _mix64_np(k ^ (np.uint64(purpose) * _M2))


def uniforms(keys: NDArray[np.uint64], n: int, draw: int = 0) -> NDArray[np.float64]:
    """(runs, n) uniforms: item i of run r equals `uniform(keys[r], i, draw)`."""
    with np.errstate(over="ignore"):
        idx = np.arange(1, n + 1, dtype=np.uint64) * _GOLDEN + np.uint64(draw) * _M2
        z = _mix64_np(keys[:, None] ^ idx[None, :])
    return (z >> _S11).astype(np.float64) * _TWO53


def normals(keys: NDArray[np.uint64], n: int, draw: int = 0) -> NDArray[np.float64]:
    """(runs, n) standard normals: item i of run r equals `normal(keys[r], i, draw)`, bit for bit on every
    CPU, because it *is* the compiled `normal` (one implementation: NumPy's own SIMD log, used on AVX-512
    CPUs, differs from the C library's in the last bits, so a NumPy copy could not promise that)."""
    return _normals_nb(np.ascontiguousarray(keys, dtype=np.uint64), int(n), int(draw))


@numba.njit(cache=True)
def _normals_nb(keys: NDArray[np.uint64], n: int, draw: int) -> NDArray[np.float64]:
    out = np.empty((keys.shape[0], n), dtype=np.float64)
    for r in range(keys.shape[0]):
        for i in range(n):
            out[r, i] = normal(keys[r], i, draw)
    return out


def uniform_at(keys: NDArray[np.uint64], index: NDArray[np.int64], draw: int = 0) -> NDArray[np.float64]:
    """Elementwise `uniform(keys[j], index[j], draw)`."""
    with np.errstate(over="ignore"):
        idx = (np.asarray(index, dtype=np.uint64) + np.uint64(1)) * _GOLDEN + np.uint64(draw) * _M2
        z = _mix64_np(np.asarray(keys, dtype=np.uint64) ^ idx)
    return (z >> _S11).astype(np.float64) * _TWO53
