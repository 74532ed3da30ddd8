"""The counter-based streams (stavka.rng): the vectorised NumPy copy equals the compiled one bit for
bit (part of property 1: a doctrine's draws and the engine's draws are the same function of their
counters), and the streams look uniform and independent across purposes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

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


def test_normals_equal_compiled() -> None:
    keys = rng.stream_keys(3, RUNS, 11, Purpose.OBSERVE)
    vec = rng.normals(keys, 32, 1)
    one = np.array([[rng.normal(k, i, 1) for i in range(32)] for k in keys])
    # Box-Muller goes through log and cos, whose last bit may differ between libm and LLVM.
    np.testing.assert_allclose(vec, one, rtol=1e-12, atol=1e-12)


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
