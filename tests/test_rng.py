"""The counter-based streams (stavka.rng): the vectorised NumPy copy equals the compiled one bit for
bit (part of property 1: a doctrine's draws and the engine's draws are the same function of their
counters), and the streams look uniform and independent across purposes."""

from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import special, stats

from stavka import rng
from stavka.rng import Purpose

SEEDS = [0, 1, 1941, 2**31 - 1, 2**63 - 1]
RUNS = np.array([0, 1, 13, 199, 5_000, 2**40], dtype=np.int64)
MONTHS = [-1, 0, 53, 143, 100_001]


@pytest.mark.parametrize("seed", SEEDS)
def test_stream_keys_equal_compiled(seed: int) -> None:
    for month in MONTHS:
        for purpose in Purpose:
            vec = rng.stream_keys(seed, RUNS, month, purpose)
            one = np.array([rng.stream_key(seed, int(r), month, int(purpose)) for r in RUNS], dtype=np.uint64)
            where = f"seed={seed} month={month} {purpose!r}"
            assert np.array_equal(vec, one), f"stream_keys != stream_key at {where}"


@pytest.mark.parametrize("seed", SEEDS)
def test_uniforms_equal_compiled_bit_for_bit(seed: int) -> None:
    keys = rng.stream_keys(seed, RUNS, 7, Purpose.COMBAT)
    n = 64
    for draw in (0, 1, 5):
        vec = rng.uniforms(keys, n, draw)
        one = np.array([[rng.uniform(k, i, draw) for i in range(n)] for k in keys])
        assert vec.dtype == np.float64 and vec.shape == (len(RUNS), n)
        assert np.array_equal(vec.view(np.uint64), one.view(np.uint64)), f"uniforms != uniform (draw {draw})"
        idx = np.arange(n, dtype=np.int64)[::-1]
        at = rng.uniform_at(np.repeat(keys[:1], n), idx, draw)
        assert np.array_equal(at, one[0, idx]), f"uniform_at != uniform (draw {draw})"


@numba.njit
def _normal_grid(keys: np.ndarray, n: int, draw: int) -> np.ndarray:
    out = np.empty((keys.size, n))
    for r in range(keys.size):
        for i in range(n):
            out[r, i] = rng.normal(keys[r], i, draw)
    return out


@numba.njit
def _ppnd16_each(u: np.ndarray) -> np.ndarray:
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = rng._ppnd16(u[i])
    return out


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(np.asarray(a, dtype=np.float64).view(np.uint64), np.asarray(b, dtype=np.float64).view(np.uint64)))


def _u_grid() -> np.ndarray:
    """Uniforms on the 2^-53 grid: both extreme bins, the branch points (|q| = 0.425 and p = exp(-25),
    where the tail switches polynomial) on both sides, a tail-heavy sample and a plain one."""
    g = np.random.default_rng(0)
    top = 2**53 - 1
    parts = [np.arange(1000), top - np.arange(1000), g.integers(0, 2**53, 300_000)]
    parts += [(g.random(100_000) ** 8 * 2**53).astype(np.int64), top - (g.random(100_000) ** 30 * 2**53).astype(np.int64)]
    for c in (0.075, 0.925, math.exp(-25.0), 1.0 - math.exp(-25.0)):
        parts.append(int(c * 2**53) + np.arange(-500, 500))
    return np.concatenate(parts).astype(np.float64) * 2.0**-53


def test_normals_equal_compiled_bit_for_bit() -> None:
    """`normals` (whole arrays) equals the compiled `normal` bit for bit on 10^6 draws of the streams, on
    any CPU (it is the one compiled implementation); the plain-Python `ppnd16` of the Mesa reference
    (math.log: the C library's, as in compiled code) agrees on a grid of uniforms covering the extremes
    and the branch points."""
    keys = rng.stream_keys(3, np.arange(500, dtype=np.int64), 11, Purpose.OBSERVE)
    for draw in (0, 1):
        one = _normal_grid(keys, 1000, draw)
        vec = rng.normals(keys, 1000, draw)
        assert vec.shape == (500, 1000) and vec.dtype == np.float64
        assert _same_bits(vec, one), f"draw {draw}: normals differ from the compiled normal"
    u = _u_grid()
    assert _same_bits(np.array([rng.ppnd16(float(v)) for v in u]), _ppnd16_each(u)), "ppnd16 differs"


def test_normal_is_the_inverse_cdf_of_one_subdraw() -> None:
    """normal(key, i, draw) = Φ⁻¹(u + 2^-54) with u = uniform(key, i, 2·draw): equal to CPython's AS241
    (`statistics.NormalDist.inv_cdf`) where u + 2^-54 is exact (u < 1/2) and within 2e-15 of scipy's ndtri
    there; exactly antisymmetric (bin k against bin 2^53 - 1 - k), which covers u >= 1/2; finite at u = 0."""
    keys = rng.stream_keys(5, RUNS, 3, Purpose.COMBAT)
    for draw in (0, 2):
        u = rng.uniforms(keys, 64, 2 * draw)
        assert _same_bits(_normal_grid(keys, 64, draw), _ppnd16_each(u.ravel()).reshape(u.shape))
    u = _u_grid()
    x = _ppnd16_each(u)
    p = u + 2.0**-54
    low = u < 0.5
    cpython = np.array([statistics.NormalDist().inv_cdf(float(v)) for v in p[low]])
    # bit for bit on x86-64; 2 ulp allow for a C compiler that fuses CPython's multiply-adds (FMA)
    np.testing.assert_array_max_ulp(x[low], cpython, maxulp=2)
    np.testing.assert_allclose(x[low], special.ndtri(p[low]), rtol=2e-15, atol=0.0)
    mirror = (2.0**53 - 1.0) - u * 2.0**53  # the bin's mirror image, as an integer
    assert _same_bits(_ppnd16_each(mirror * 2.0**-53), -x), "normal draws are not antisymmetric"
    lo, hi = _ppnd16_each(np.array([0.0, 1.0 - 2.0**-53]))
    assert np.isfinite(lo) and lo == -hi and 8.29 < hi < 8.3


def test_normals_are_standard_normal() -> None:
    """Kolmogorov-Smirnov against N(0, 1), alpha = 0.01, on 200 runs x 500 items; mean and variance within
    their 99.9% intervals; every draw finite; the two sub-draws of one stream uncorrelated."""
    keys = rng.stream_keys(1941, np.arange(200, dtype=np.int64), 0, Purpose.OBSERVE)
    x = rng.normals(keys, 500).ravel()
    n = x.size
    assert np.isfinite(x).all()
    p = stats.kstest(x, "norm").pvalue
    assert p > 0.01, f"KS test rejects N(0,1): p = {p:.2g} < alpha = 0.01"
    z = stats.norm.ppf(0.9995)
    assert abs(x.mean()) < z / math.sqrt(n), f"mean {x.mean():.4g}"
    assert abs(x.var() - 1.0) < z * math.sqrt(2.0 / n), f"variance {x.var():.4g}"
    assert abs(stats.skew(x)) < z * math.sqrt(6.0 / n) and abs(stats.kurtosis(x)) < z * math.sqrt(24.0 / n)
    r, pr = stats.pearsonr(x, rng.normals(keys, 500, 1).ravel())
    assert pr > 0.01, f"normal draws 0 and 1 are correlated: r = {r:.4f}"


def test_mesa_reference_normal_equals_compiled() -> None:
    """The Mesa reference's pure-Python `Stream.normal` (benchmarks/mesa_reference.py) equals the engine's
    `normal` bit for bit, on 2 x 10^5 draws of the streams and on the grid of uniforms."""
    pytest.importorskip("mesa", reason="the Mesa reference needs the optional extra: pip install -e '.[bench]'")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from mesa_reference import Stream

    seed, month, n = 7, 30, 1000
    runs = np.arange(100, dtype=np.int64)
    keys = rng.stream_keys(seed, runs, month, Purpose.OBSERVE)
    for draw in (0, 2):
        one = _normal_grid(keys, n, draw)
        for r in runs:
            stream = Stream(seed, int(r), month, int(Purpose.OBSERVE), n)
            assert _same_bits(np.array([stream.normal(i, draw) for i in range(n)]), one[r]), f"run {r}, draw {draw}"
    u = _u_grid()
    stream = Stream(seed, 0, month, int(Purpose.OBSERVE), 1)
    stream.cols[0] = u.tolist()
    assert _same_bits(np.array([stream.normal(i, 0) for i in range(u.size)]), _ppnd16_each(u))


def test_uniforms_are_uniform_and_in_range() -> None:
    """Kolmogorov-Smirnov against U[0,1), alpha = 0.01, on 200 runs x 500 items of one stream."""
    keys = rng.stream_keys(1941, np.arange(200, dtype=np.int64), 0, Purpose.DOCTRINE)
    u = rng.uniforms(keys, 500).ravel()
    assert u.min() >= 0.0 and u.max() < 1.0
    p = stats.kstest(u, "uniform").pvalue
    assert p > 0.01, f"KS test rejects uniformity of the streams: p = {p:.2g} < alpha = 0.01"


def test_purposes_months_and_runs_do_not_share_numbers() -> None:
    """Distinct counters give uncorrelated streams: |Pearson r| below the alpha = 0.01 critical value."""
    runs = np.arange(200, dtype=np.int64)
    base = rng.uniforms(rng.stream_keys(5, runs, 10, Purpose.COMBAT), 100).ravel()
    others = {
        "purpose": rng.uniforms(rng.stream_keys(5, runs, 10, Purpose.ENCIRCLE), 100).ravel(),
        "month": rng.uniforms(rng.stream_keys(5, runs, 11, Purpose.COMBAT), 100).ravel(),
        "seed": rng.uniforms(rng.stream_keys(6, runs, 10, Purpose.COMBAT), 100).ravel(),
        "draw": rng.uniforms(rng.stream_keys(5, runs, 10, Purpose.COMBAT), 100, 1).ravel(),
        "run": rng.uniforms(rng.stream_keys(5, runs + 200, 10, Purpose.COMBAT), 100).ravel(),
    }
    for name, other in others.items():
        r, p = stats.pearsonr(base, other)
        assert p > 0.01, f"streams differing only in {name} are correlated: r = {r:.4f}, p = {p:.2g} < 0.01"
        assert not np.any(base == other)


def test_streams_do_not_depend_on_batch() -> None:
    """A run's key is a function of (seed, run, month, purpose) alone: computing it in a batch of
    200, alone, or in reversed order gives the same numbers."""
    runs = np.arange(200, dtype=np.int64)
    batch = rng.uniforms(rng.stream_keys(9, runs, 4, Purpose.CAPTIVITY), 10)
    alone = rng.uniforms(rng.stream_keys(9, runs[13:14], 4, Purpose.CAPTIVITY), 10)
    rev = rng.uniforms(rng.stream_keys(9, runs[::-1], 4, Purpose.CAPTIVITY), 10)[::-1]
    assert np.array_equal(batch[13], alone[0])
    assert np.array_equal(batch, rev)
