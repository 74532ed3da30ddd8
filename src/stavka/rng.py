"""Counter-based random streams.

Every random number in stavka is a pure function of (seed, run, month, purpose, officer, draw): a
SplitMix64-style hash of those counters.  Nothing is carried from one draw to the next, so a run's
history does not depend on how many other runs share its batch, on their order, on the number of
workers or on the machine.  The same hash is implemented twice, for compiled kernels (scalar, Numba)
and for doctrines (vectorised, NumPy); a test checks that the two agree bit for bit.
"""

from __future__ import annotations

from enum import IntEnum

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


@numba.njit(cache=True, inline="always")
def normal(key: np.uint64, index: int, draw: int = 0) -> float:
    """Standard normal by Box-Muller from two sub-draws."""
    u1 = uniform(key, index, 2 * draw)
    u2 = uniform(key, index, 2 * draw + 1)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


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
    u1 = uniforms(keys, n, 2 * draw)
    u2 = uniforms(keys, n, 2 * draw + 1)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


def uniform_at(keys: NDArray[np.uint64], index: NDArray[np.int64], draw: int = 0) -> NDArray[np.float64]:
    """Elementwise `uniform(keys[j], index[j], draw)`."""
    with np.errstate(over="ignore"):
        idx = (np.asarray(index, dtype=np.uint64) + np.uint64(1)) * _GOLDEN + np.uint64(draw) * _M2
        z = _mix64_np(np.asarray(keys, dtype=np.uint64) ^ idx)
    return (z >> _S11).astype(np.float64) * _TWO53
