"""`command.by_priority`, the allocation-free order in which the ruler's orders are carried out, is the
stable sort it replaced (`np.argsort(-priority, kind="mergesort")`): exact equality of the orders, over
random cases with ties, NaN, infinities and signed zeros, on both sides of its insertion-sort limit."""

from __future__ import annotations

import numpy as np
import pytest

from stavka.engine.command import by_priority


@pytest.mark.parametrize("seed", range(5))
def test_by_priority_is_the_stable_descending_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])
    for m in [0, 1, 2, 3, 5, 8, 13, 30, 48, 49, 80, 200]:
        for _ in range(20):
            n = m + int(rng.integers(0, 40))
            priority = rng.choice([1.0, 3.0, 5.0, 9.5, 10.0], n) + rng.choice([0.0, 0.25], n)  # many ties
            odd = rng.random(n) < 0.1
            priority[odd] = rng.choice(special, odd.sum())
            chosen = np.sort(rng.choice(n, m, replace=False)).astype(np.int64)  # officers in slot order
            want = chosen[np.argsort(-priority[chosen], kind="mergesort")]
            order = np.full(n, -7, dtype=np.int64)
            order[:m] = chosen
            by_priority(order, m, priority)
            assert np.array_equal(order[:m], want), (m, priority[chosen])
            assert (order[m:] == -7).all()  # the rest of the scratch row untouched
