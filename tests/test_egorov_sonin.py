"""Property 9: the single-ruler, single-subordinate special case reproduces the loyalty-competence
trade-off (Egorov and Sonin 2011; formal_models.md §1.3-1.4, targets of §6 items 1, 2 and 4).

The competence the ruler picks is the argmax of the Monte Carlo estimate of his expected utility
over a grid of q (step 0.01), every grid point played REPLICATES >= 200 times (here 100,000, with
common random numbers across the grid).  Each check is repeated on SEEDS independent seeds, never
one lucky seed.  Tolerance: the simulated argmax lies within TOL = 0.06 of the closed form (with
100,000 replicates the largest error seen over 10 seeds is 0.035).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from stavka.egorov_sonin import (
    GRID,
    Game,
    choose_competence,
    closed_form_competence,
    expected_utility,
    monte_carlo,
    q_star,
    q_star_external,
    regime,
    survival,
)

REPLICATES = 100_000
SEEDS = (0, 1, 2, 3, 4)
TOL = 0.06

P_SWEEP = (0.3, 0.5, 0.7, 0.9)  # insecurity; a = 0.8, R = theta = 1, W < B, capital P
PUNISH_SWEEP = (0.0, 0.3, 0.6, 1.0, 5.0, 20.0)  # W = 0.5, B = 1.5, p = 0.5
X_SWEEP = (0.3, 0.5, 0.8, 1.0)  # external threat; p = a = 0.9, theta = 0


def game_p(p: float) -> Game:
    return Game(p=p, a=0.8, W=0.5, B=1.5, P=20.0, R=1.0, theta=1.0)


def game_punish(P: float) -> Game:
    return Game(p=0.5, a=0.8, W=0.5, B=1.5, P=P, R=1.0, theta=1.0)


def game_x(x: float) -> Game:
    return Game(p=0.9, a=0.9, W=0.5, B=1.5, P=20.0, R=1.0, theta=0.0, x=x)


def pairs(v: list[float]) -> list[tuple[float, float]]:
    return list(zip(v[:-1], v[1:], strict=True))


@cache
def chosen(g: Game, seed: int) -> float:
    return choose_competence(g, GRID, REPLICATES, seed)


def test_closed_forms_match_the_reference_numbers() -> None:
    """formal_models.md §1.3-1.4 numbers: (p; q*) = (0.3; 1), (0.5; 0.625), (0.7; 0.268), (0.9; 0.069);
    R = 2 gives 0.125, theta = 2 gives 0.875; with p = a = 0.9, x = 0.8 gives 0.437 and x = 0.3 gives 0."""
    assert [round(q_star(p, 0.8, 1, 1), 3) for p in P_SWEEP] == [1.0, 0.625, 0.268, 0.069]
    assert round(q_star(0.5, 0.8, 2, 1), 3) == 0.125 and round(q_star(0.5, 0.8, 1, 2), 3) == 0.875
    assert round(q_star_external(0.9, 0.9, 0.8), 3) == 0.437 and q_star_external(0.9, 0.9, 0.3) == 0.0
    assert [regime(game_punish(P)) for P in PUNISH_SWEEP] == ["iii", "iii", "ii", "ii", "ii", "ii"]
    expected = [1, 1, 0.625, 0.625, 0.625, 0.625]
    assert [closed_form_competence(game_punish(P)) for P in PUNISH_SWEEP] == expected
    assert regime(Game(W=2.0, B=1.5)) == "i" and closed_form_competence(Game(W=2.0, B=1.5)) == 1.0
    # the closed form is the maximiser of the closed-form utility on a fine grid
    fine = np.linspace(0, 1, 100_001)
    for g in [game_p(p) for p in P_SWEEP] + [game_x(x) for x in X_SWEEP]:
        assert abs(fine[np.argmax(expected_utility(fine, g))] - closed_form_competence(g)) < 1e-4


@pytest.mark.parametrize(
    "g",
    [game_p(0.5), game_p(0.9), game_punish(0.3), Game(W=2.0), game_x(0.8)],
    ids=["ii_p0.5", "ii_p0.9", "iii", "i", "ii_external"],
)
def test_simulated_survival_matches_closed_form(g: Game) -> None:
    """Binomial z-test at every grid point: |S_mc(q) - S(q)| <= z * SE with z = 3.9 (two-sided
    alpha = 0.01 Bonferroni-corrected over the 101 grid points), on every seed."""
    for seed in SEEDS[:2]:
        mc = monte_carlo(g, GRID, REPLICATES, seed)
        exact = survival(GRID, g)
        se = np.sqrt(exact * (1 - exact) / REPLICATES) + 1e-12
        z = np.abs(mc.survival - exact) / se
        assert z.max() <= 3.9, (
            f"simulated survival departs from S(q) at q = {GRID[z.argmax()]:.2f}: "
            f"{mc.survival[z.argmax()]:.4f} vs {exact[z.argmax()]:.4f} "
            f"(z = {z.max():.1f})"
        )


@pytest.mark.parametrize(
    "g",
    [game_p(p) for p in P_SWEEP] + [game_punish(P) for P in PUNISH_SWEEP] + [game_x(x) for x in X_SWEEP] + [Game(W=2.0, B=1.5)],
    ids=[f"p{p}" for p in P_SWEEP] + [f"P{P}" for P in PUNISH_SWEEP] + [f"x{x}" for x in X_SWEEP] + ["W>=B"],
)
def test_argmax_matches_closed_form(g: Game) -> None:
    """|argmax_q U_mc(q) - q*| <= TOL = 0.06 on each of 5 seeds (100,000 replicates per grid point)."""
    target = closed_form_competence(g)
    got = [chosen(g, s) for s in SEEDS]
    err = max(abs(q - target) for q in got)
    assert err <= TOL, f"simulated q* {got} vs closed form {target:.3f}: error {err:.3f} > {TOL}"


def test_competence_falls_with_insecurity() -> None:
    """Claim 2: q* falls as p rises.  On every seed the simulated argmax is non-increasing along
    p = 0.3, 0.5, 0.7, 0.9 and falls strictly between the interior points (0.625 > 0.268 > 0.069,
    gaps far beyond 2 TOL)."""
    for s in SEEDS:
        q = [chosen(game_p(p), s) for p in P_SWEEP]
        assert all(b <= a for a, b in pairs(q)), f"seed {s}: q* along p={P_SWEEP} is {q}, not falling"
        assert q[1] > q[2] > q[3], f"seed {s}: q* along p={P_SWEEP} is {q}, not strictly falling"


def test_competence_falls_with_punishment() -> None:
    """Claim 6: harsher punishment of failed betrayal moves the game from case (iii) to (ii), so q*
    falls weakly in P: 1 for P <= 0.3, 0.625 for P >= 0.6, on every seed; the ruler's utility rises
    weakly in P (the kernel's caveat)."""
    for s in SEEDS:
        q = [chosen(game_punish(P), s) for P in PUNISH_SWEEP]
        where = f"seed {s}: q* along P={PUNISH_SWEEP} is {q}"
        assert all(b <= a for a, b in pairs(q)), f"{where}, not falling"
        assert q[0] == 1.0 and q[1] == 1.0 and max(q[2:]) < 0.75, where
    best = [monte_carlo(game_punish(P), GRID, REPLICATES, 0).utility.max() for P in PUNISH_SWEEP]
    assert all(b >= a - 1e-12 for a, b in pairs(best)), f"max utility along P: {best}"


def test_competence_rises_with_external_threat() -> None:
    """§1.4: q* rises with the external threat x (0 at x = 0.3, 0.062, 0.437, 0.562 along x = 0.3,
    0.5, 0.8, 1.0): on every seed non-decreasing, and strictly rising from x = 0.5 to 0.8 to 1.0."""
    for s in SEEDS:
        q = [chosen(game_x(x), s) for x in X_SWEEP]
        assert all(b >= a for a, b in pairs(q)), f"seed {s}: q* along x={X_SWEEP} is {q}, not rising"
        assert q[1] < q[2] < q[3], f"seed {s}: q* along x={X_SWEEP} is {q}, not strictly rising"


def test_credible_rewards_restore_competence() -> None:
    """Claim 3: punishment cannot discipline the informed subordinate; only W >= B restores q* = 1."""
    for s in SEEDS[:2]:
        assert chosen(Game(p=0.9, W=2.0, B=1.5, P=20.0), s) == 1.0
        assert chosen(Game(p=0.9, W=0.5, B=1.5, P=1000.0), s) < 0.2


def test_monte_carlo_is_seeded() -> None:
    a, b = monte_carlo(game_p(0.7), GRID, 500, 7), monte_carlo(game_p(0.7), GRID, 500, 7)
    assert np.array_equal(a.utility, b.utility)
    assert not np.array_equal(a.utility, monte_carlo(game_p(0.7), GRID, 500, 8).utility)
    with pytest.raises(ValueError):
        Game(p=1.5)
