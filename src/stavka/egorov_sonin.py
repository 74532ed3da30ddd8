"""The Egorov-Sonin game: one ruler, one subordinate (formal_models.md §1.3-1.4, a reconstruction [R]); named
for its authors, not for the engine's compiled kernels.

The ruler D picks his subordinate's competence q, the chance that V learns whether a challenger is
strong.  A strong challenger (probability p, D's insecurity) wins unless V foils him: an informed
loyal V always does, an uninformed loyal V with probability a.  V betrays when betrayal pays:

* informed, strong challenger: loyal iff W >= B                                     (IC_I)
* uninformed: loyal iff (1 - p + p a) W - p (1 - a) K >= p B - (1 - p) P             (IC_U)

Case (i), IC_I holds: S(q) = 1 - p (1 - a)(1 - q) rises with q, so q* = 1.
Case (ii), IC_I fails and IC_U holds: S(q) = 1 - p + p a (1 - q) falls with q.
Case (iii), both fail: S = 1 - p whatever q, so q* = 1.

The ruler's payoff is R + theta q if he survives, 0 if not.  An external enemy of intensity x
(§1.4) defeats him with probability x (1 - q), independently of the plot.  Closed forms (case ii):

* no enemy:           q* = clamp[(1 - p + p a) / (2 p a) - R / (2 theta)]        (`q_star`)
* enemy, theta = 0:   q* = clamp[1 - 1 / (2 x) + (1 - p) / (2 p a)]             (`q_star_external`)

`monte_carlo` plays the game with counter-based random streams (`stavka.rng`, purpose KERNEL):
replicate j draws the challenger, V's information, the foiling and the enemy from its own stream, and
the same draws serve every grid point (common random numbers), so differences between grid points
are differences of competence alone.  `choose_competence` is the argmax of the simulated expected
utility over a grid of q.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .rng import Purpose, stream_keys, uniform_at

Regime = Literal["i", "ii", "iii"]
GRID = np.linspace(0.0, 1.0, 101)


def _clamp01(v: float) -> float:
    return float(min(max(v, 0.0), 1.0))


@dataclass(frozen=True)
class Game:
    """Parameters of the kernel (the symbols of formal_models.md §1.3; x of §1.4)."""

    p: float = 0.5  # Pr(challenger strong): the ruler's insecurity
    a: float = 0.8  # Pr(an uninformed loyal V foils a strong plot)
    W: float = 0.5  # loyal V's reward if D survives
    B: float = 1.5  # V's payoff from betrayal when the plot succeeds
    P: float = 20.0  # punishment of V if he betrays and the plot fails
    K: float = 0.0  # loyal V's loss if D falls
    R: float = 1.0  # D's rent from office
    theta: float = 1.0  # value to D of V's competence
    x: float = 0.0  # intensity of the external threat (0: none)

    def __post_init__(self) -> None:
        if not (0.0 < self.p < 1.0 and 0.0 < self.a < 1.0 and 0.0 <= self.x <= 1.0):
            raise ValueError(f"need 0 < p < 1, 0 < a < 1, 0 <= x <= 1: {self}")
        if self.R < 0 or self.theta < 0 or self.P < 0 or self.K < 0:
            raise ValueError(f"R, theta, P and K must be non-negative: {self}")


def ic_informed(g: Game) -> bool:
    """IC_I: an informed V facing a strong challenger stays loyal."""
    return g.W >= g.B


def ic_uninformed(g: Game) -> bool:
    """IC_U: an uninformed V stays loyal."""
    return (1 - g.p + g.p * g.a) * g.W - g.p * (1 - g.a) * g.K >= g.p * g.B - (1 - g.p) * g.P


def regime(g: Game) -> Regime:
    """Which case of the table in §1.3 the incentive constraints select."""
    if ic_informed(g):
        return "i"
    return "ii" if ic_uninformed(g) else "iii"


def q_star(p: float, a: float, R: float, theta: float) -> float:
    """Optimal competence in case (ii) without an external enemy."""
    return _clamp01((1 - p + p * a) / (2 * p * a) - R / (2 * theta))


def q_star_external(p: float, a: float, x: float) -> float:
    """Optimal competence in case (ii) when the ruler maximises S_ext(q) S_int(q) (theta = 0)."""
    if x <= 0:
        return 0.0  # no enemy: competence only raises the internal risk
    return _clamp01(1 - 1 / (2 * x) + (1 - p) / (2 * p * a))


def survival(q: float | NDArray[np.float64], g: Game) -> NDArray[np.float64]:
    """D's probability of surviving the plot and the enemy, in closed form."""
    q = np.asarray(q, dtype=np.float64)
    # A strong plot succeeds when an informed V betrays (IC_I fails), or when an uninformed V betrays
    # (IC_U fails) or, loyal, does not foil it (1 - a).  This is the table's S(q) in each case.
    fall_informed = 0.0 if ic_informed(g) else 1.0
    fall_uninformed = 1.0 - g.a if ic_uninformed(g) else 1.0
    s_int = 1 - g.p * (q * fall_informed + (1 - q) * fall_uninformed)
    return s_int * (1 - g.x * (1 - q))  # type: ignore[no-any-return]


def expected_utility(q: float | NDArray[np.float64], g: Game) -> NDArray[np.float64]:
    """E[U_D(q)] = S(q) (R + theta q), in closed form."""
    return survival(q, g) * (g.R + g.theta * np.asarray(q, dtype=np.float64))


def closed_form_competence(g: Game) -> float:
    """q* from the closed forms: 1 in cases (i) and (iii); `q_star` or `q_star_external` in case (ii)."""
    if regime(g) != "ii":
        return 1.0
    if g.x == 0:
        return q_star(g.p, g.a, g.R, g.theta)
    if g.theta == 0:
        return q_star_external(g.p, g.a, g.x)
    raise ValueError("no closed form with both an external enemy and theta > 0; use choose_competence")


@dataclass(frozen=True)
class MonteCarlo:
    """Simulated survival and utility of the ruler over a grid of competence."""

    q: NDArray[np.float64]
    survival: NDArray[np.float64]  # share of replicates in which D survived
    utility: NDArray[np.float64]  # mean payoff of D
    replicates: int

    @property
    def survival_se(self) -> NDArray[np.float64]:
        return np.sqrt(self.survival * (1 - self.survival) / self.replicates)  # type: ignore[no-any-return]

    @property
    def best(self) -> float:
        return float(self.q[int(np.argmax(self.utility))])


def monte_carlo(g: Game, q: NDArray[np.float64] = GRID, replicates: int = 20_000, seed: int = 0) -> MonteCarlo:
    """Play the game `replicates` times at every grid point, with common random numbers."""
    if replicates < 1:
        raise ValueError("replicates must be positive")
    q = np.asarray(q, dtype=np.float64)
    keys = stream_keys(seed, np.arange(replicates, dtype=np.int64), 0, Purpose.KERNEL)
    draw = [uniform_at(keys, np.full(replicates, k, dtype=np.int64)) for k in range(4)]
    strong = draw[0] < g.p
    foiled_anyway = draw[2] < g.a  # an uninformed loyal V foils the strong plot
    loyal_if_informed = ~strong | ic_informed(g)
    loyal_if_uninformed = ic_uninformed(g)
    # D survives the plot if the challenger is weak, or if a loyal V foils the strong one.
    live_informed = ~strong | loyal_if_informed
    live_uninformed = ~strong | (loyal_if_uninformed & foiled_anyway)
    surv = np.empty(len(q))
    util = np.empty(len(q))
    for k, qk in enumerate(q):
        informed = draw[1] < qk
        alive = np.where(informed, live_informed, live_uninformed) & (draw[3] >= g.x * (1 - qk))
        surv[k] = alive.mean()
        util[k] = surv[k] * (g.R + g.theta * qk)
    return MonteCarlo(q=q, survival=surv, utility=util, replicates=replicates)


def choose_competence(g: Game, q: NDArray[np.float64] = GRID, replicates: int = 20_000, seed: int = 0) -> float:
    """The competence the ruler picks: argmax over `q` of the simulated expected utility."""
    return monte_carlo(g, q, replicates, seed).best
