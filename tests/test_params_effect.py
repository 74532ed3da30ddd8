"""A named parameter is not a label: changing it changes the history, in the expected direction.

For a few of the coefficients that were literals inside the kernels, two arms of 100 runs on the same seeds
(common random numbers, so each run is paired with itself) and a one-sided Wilcoxon signed-rank test of the
paired differences, at the 0.1 % level.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon

import stavka

RUNS = 100
SEED = 1010
ALPHA = 0.001


def per_run(res: Any, kind: str, cause: str | None = None) -> np.ndarray:
    ev = res.events
    hit = ev["kind"] == kind
    if cause is not None:
        hit &= ev["cause"] == cause
    counts = hit.groupby(ev["run"]).sum()
    return counts.reindex(range(RUNS), fill_value=0).to_numpy(dtype=float)


def assert_rises(low: np.ndarray, high: np.ndarray, what: str) -> None:
    """high > low in the paired sense (one-sided Wilcoxon signed-rank test)."""
    diff = high - low
    assert np.count_nonzero(diff) >= 10, f"{what}: the parameter changed too few runs ({np.count_nonzero(diff)})"
    p = wilcoxon(high, low, alternative="greater", zero_method="wilcox").pvalue
    assert p < ALPHA, f"{what}: mean {low.mean():.3f} -> {high.mean():.3f}, p = {p:.2g}"


def test_the_rank_factor_of_denunciations() -> None:
    """security.rank_denounce: senior men attract denunciations; more of it, more denunciations."""
    base = stavka.simulate(doctrine="passive", runs=RUNS, seed=SEED)
    more = stavka.simulate(doctrine="passive", runs=RUNS, seed=SEED, **{"security.rank_denounce": 1.0})
    assert_rises(per_run(base, "denunciation"), per_run(more, "denunciation"), "denunciations")


def test_the_fear_of_order_270() -> None:
    """politics.order_fear: Order 270 (August 1941, `historical`) frightens the commanders it threatens."""

    def fear_in(res: Any, month: str) -> np.ndarray:
        s: pd.DataFrame = res.series
        return s.loc[s["month"] == month].sort_values("run")["fear"].to_numpy()

    base = stavka.simulate(doctrine="historical", runs=RUNS, seed=SEED, events=False)
    more = stavka.simulate(doctrine="historical", runs=RUNS, seed=SEED, events=False, **{"politics.order_fear": 0.4})
    assert_rises(fear_in(base, "1941-08"), fear_in(more, "1941-08"), "fear in 1941-08")
    assert np.array_equal(fear_in(base, "1941-07"), fear_in(more, "1941-07"))  # nothing changes before the order


def test_the_review_delay_of_releases() -> None:
    """release_after (a doctrine's threshold): the longer a review waits, the fewer releases."""
    soon = stavka.simulate(doctrine="break_and_use", runs=RUNS, seed=SEED, events=False, release_after=1)
    late = stavka.simulate(doctrine="break_and_use", runs=RUNS, seed=SEED, events=False, release_after=36)
    assert_rises(late.metrics["releases"].to_numpy(float), soon.metrics["releases"].to_numpy(float), "releases")


@pytest.mark.parametrize("scenario", [{"ruler.attention": 1, "ruler.crisis_attention": 0}])
def test_the_priority_of_scapegoating(scenario: dict[str, Any]) -> None:
    """priority_scapegoat (a doctrine's rule priority): with attention for one order a month, a scapegoat
    ranked below every other order is rarely reached."""
    first = stavka.simulate(doctrine="terror", runs=RUNS, seed=SEED, **scenario)
    last = stavka.simulate(doctrine="terror", runs=RUNS, seed=SEED, priority_scapegoat=0.0, **scenario)
    assert_rises(per_run(last, "arrest", "scapegoat"), per_run(first, "arrest", "scapegoat"), "scapegoat arrests")
