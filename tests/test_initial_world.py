"""The initial world (`Scenario.initial_world`): a run's world depends only on (seed, run id), and the
hidden traits are the Beta quantiles of the run's uniforms, equal to `scipy.stats.beta.ppf` to 1e-12
(stavka.beta_quantile tabulates them; they differ from scipy's only in the last bits)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from stavka import beta_quantile
from stavka.engine.state import World
from stavka.rng import Purpose, stream_keys, uniforms
from stavka.scenario import Scenario

TOL = 1e-12  # max abs difference from scipy; about 5e-15 is seen
TRAITS = ("comp", "loyal", "ambition")  # sub-draws 1, 2, 3 of INIT_TRAITS


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.load("default")


def tables(w: World) -> dict[str, np.ndarray]:
    out = {}
    for name in ("off", "holder", "fronts", "run", "generation"):
        a = getattr(w, name)
        for f in a.dtype.names or (None,):
            out[f"{name}.{f}" if f else name] = a[f] if f else a
    return out


def assert_rows(w: World, batch: World, rows: np.ndarray) -> None:
    got, ref = tables(w), tables(batch)
    assert got.keys() == ref.keys()
    for k in got:
        assert np.array_equal(got[k], ref[k][rows]), k


def test_run_alone_equals_its_row_in_a_batch(scenario: Scenario) -> None:
    batch = scenario.initial_world(7, np.arange(40))
    assert_rows(scenario.initial_world(7, np.array([13])), batch, np.array([13]))
    order = np.random.default_rng(0).permutation(40)
    assert_rows(scenario.initial_world(7, order), batch, order)  # another order
    mixed = scenario.initial_world(7, np.array([5_000, 13, 2, 10**9]))  # other company
    assert_rows(scenario.initial_world(7, np.array([13, 2])), mixed, np.array([1, 2]))


def test_world_does_not_depend_on_the_table_cache(scenario: Scenario) -> None:
    w = scenario.initial_world(11, np.arange(5))
    beta_quantile.table.cache_clear()
    assert_rows(Scenario.load("default").initial_world(11, np.arange(5)), w, np.arange(5))


def test_traits_match_scipy_on_a_million_draws(scenario: Scenario) -> None:
    runs = np.arange(1042)  # 1042 runs x 320 officers x 3 traits: 10^6 draws
    w = scenario.initial_world(3, runs)
    lay = scenario._corps_layout
    keys = stream_keys(3, runs, -1, Purpose.INIT_TRAITS)
    n = scenario.config.corps.n_officers
    for t, name in enumerate(TRAITS):
        q = np.clip(uniforms(keys, n, 1 + t), 1e-9, 1 - 1e-9)
        ref = stats.beta.ppf(q, lay.trait_a[t], lay.trait_b[t])
        assert np.max(np.abs(w.off[name] - ref)) <= TOL, name
    # the Beta parameters: rank means (clipped) and the roster's, concentration 6 or 20 for named officers
    c = scenario.config.corps
    gen = w.off["roster"][0] < 0
    rank = w.off["rank"][0]
    comp_mean = np.clip(c.competence_mean + c.rank_competence_gain * rank, 0.05, 0.95)
    assert np.array_equal(lay.trait_a[0][gen], comp_mean[gen] * c.trait_concentration)
    assert np.array_equal(lay.trait_b[1][gen], np.full(gen.sum(), (1 - c.loyalty_mean) * c.trait_concentration))
    assert np.allclose(lay.trait_a[2][~gen] + lay.trait_b[2][~gen], 20.0)


def test_quantiles_match_scipy_over_many_pairs() -> None:
    rng = np.random.default_rng(4)
    pairs = 100
    mean = rng.uniform(0.02, 0.98, pairs)
    kappa = np.exp(rng.uniform(np.log(1.5), np.log(60.0), pairs))
    a, b = mean * kappa, (1 - mean) * kappa
    q = rng.random((2_000, pairs))
    q[:20] = 1e-9
    q[20:40] = 1 - 1e-9
    q[40:60] = 0.5
    q = np.clip(q, 1e-9, 1 - 1e-9)
    got = beta_quantile.beta_quantiles(q, a, b)
    assert np.max(np.abs(got - special.betaincinv(a, b, q))) <= TOL
    assert sum(beta_quantile.table(x, y) is None for x, y in zip(a, b, strict=True)) == 0  # all tabulated


def test_scipy_fallback() -> None:
    # a pair too extreme for a table, and q outside the tables' range: scipy's own values
    a = np.array([0.002, 3.0])
    b = np.array([1.998, 3.0])
    assert beta_quantile.table(0.002, 1.998) is None
    q = np.array([[1e-12, 1e-12], [0.3, 0.3], [1 - 1e-12, 1 - 1e-12], [0.0, 0.0], [1.0, 1.0]])
    got = beta_quantile.beta_quantiles(q, a, b)
    assert np.array_equal(got[:, 0], special.betaincinv(a[0], b[0], q[:, 0]))
    assert np.array_equal(got[[0, 2, 3, 4], 1], special.betaincinv(a[1], b[1], q[[0, 2, 3, 4], 1]))
    assert abs(got[1, 1] - special.betaincinv(3.0, 3.0, 0.3)) <= TOL


def numpy_corps(scenario: Scenario, seed: int, runs: np.ndarray) -> dict[str, np.ndarray]:
    """Traits, age and patron by the NumPy formulas (what `_draw_corps` replaced), for comparison."""
    lay = scenario._corps_layout
    keys = stream_keys(seed, runs, -1, Purpose.INIT_TRAITS)
    n = scenario.config.corps.n_officers

    def u(draw: int) -> np.ndarray:
        return uniforms(keys, n, draw)

    out = {
        name: beta_quantile.beta_quantiles(np.clip(u(1 + t), 1e-9, 1 - 1e-9), lay.trait_a[t], lay.trait_b[t])
        for t, name in enumerate(TRAITS)
    }
    rank = lay.row["rank"]
    out["age"] = np.where(lay.born > 0, scenario.calendar.start_year - lay.born, 36.0 + 3.5 * rank + 8.0 * (u(4) - 0.5))
    pick = lay.senior[np.minimum((u(6) * len(lay.senior)).astype(np.int64), len(lay.senior) - 1)]
    out["patron"] = np.where((u(5) < scenario.config.corps.patron_share) & (rank[pick] > rank), pick, -1)
    out["patron"][:, lay.patron_of] = lay.patron_slot  # the 1937 case's recorded ties (roster patron_1937)
    return out


@pytest.mark.parametrize("overrides", [{}, {"corps.ambition_mean": 0.005}])
def test_compiled_corps_equals_the_numpy_formulas(overrides: dict) -> None:
    """Bit for bit, on a scenario whose Beta pairs all have tables and on one where the generated
    officers' ambition (mean 0.005) has none, so that it comes from scipy."""
    scenario = Scenario.load("default", **overrides)
    runs = np.array([0, 5, 77, 10**6], dtype=np.int64)
    w = scenario.initial_world(9, runs)
    ref = numpy_corps(scenario, 9, runs)
    for name, values in ref.items():
        assert np.array_equal(w.off[name], values), name
    if overrides:
        lay = scenario._corps_layout
        assert (lay.traits.pieces == 0).any()  # the scipy fallback was needed
