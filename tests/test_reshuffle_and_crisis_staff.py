"""Two mechanisms of issue 11 (Zhukov's career): the reshuffle's promotion of the men believed most competent
(June 1940's general ranks) and, in a front's collapse, the staff sent to the front.  Each is asserted over many
seeded runs with a stated test (Fisher's exact test of two seeded samples, or a binomial test), never on one
lucky seed, besides the exact rules every run must keep."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import fisher_exact

import stavka

RUNS = 150
ALPHA = 0.01
ZHUKOV = "G. K. Zhukov"


@pytest.fixture(scope="module")
def historical() -> pd.DataFrame:
    return stavka.simulate(doctrine="historical", runs=RUNS, seed=6).events


def _zhukov_rank_june_1941(ev: pd.DataFrame) -> tuple[int, int]:
    """(runs in which Zhukov serves in June 1941 at rank 4 or above, runs in which he serves then)."""
    z = ev[(ev.officer == ZHUKOV) & (ev.month <= "1941-06")]
    gone = set(z[z.kind.isin(["arrest", "execution", "death", "discharge", "retirement"])].run)
    back = set(z[z.kind.isin(["release", "reinstatement"])].run)
    serving = [r for r in range(RUNS) if r not in gone or r in back]
    ranks = z[z.kind.isin(["promotion", "demotion"])].sort_values("month").groupby("run").value.last()
    high = sum(1 for r in serving if ranks.get(r, 0.0) >= 4)
    return high, len(serving)


def test_reshuffle_promotions_are_the_reshuffle_s_only(historical: pd.DataFrame) -> None:
    """Exact: a promotion of cause *reform* happens only in the reshuffle window and never above Army General."""
    reform = historical[(historical.kind == "promotion") & (historical.cause == "reform")]
    assert len(reform) > 0
    assert reform.month.between("1940-05", "1941-01").all()
    assert (reform.value <= 4).all()


def test_the_reshuffle_makes_zhukov_an_army_general() -> None:
    """Fisher's exact test (one-sided) over two seeded samples of 150 runs: with the reshuffle's promotions Zhukov
    is at least Army General in June 1941 (of the runs in which he serves) more often than without them; and with
    them in most runs (binomial test against one half)."""
    from scipy.stats import binomtest

    with_high, with_n = _zhukov_rank_june_1941(stavka.simulate(doctrine="historical", runs=RUNS, seed=6).events)
    wo_high, wo_n = _zhukov_rank_june_1941(
        stavka.simulate(doctrine="historical", runs=RUNS, seed=6, reshuffle_promote_above=0.0).events
    )
    table = [[with_high, with_n - with_high], [wo_high, wo_n - wo_high]]
    assert fisher_exact(table, alternative="greater").pvalue < ALPHA
    assert binomtest(with_high, with_n, 0.5, alternative="greater").pvalue < ALPHA


def _zhukov_front_runs(ev: pd.DataFrame) -> int:
    z = ev[(ev.officer == ZHUKOV) & (ev.kind == "appointment") & ev.post.astype(str).str.endswith(" Front")]
    z = z[(z.month >= "1941-06") & (z.month <= "1945-05")]
    return int(z.run.nunique())


def test_in_a_collapse_the_staff_goes_to_the_front(historical: pd.DataFrame) -> None:
    """Fisher's exact test (one-sided), two seeded samples of 150 runs: with the rule, Zhukov (the man the ruler
    believes most competent, often Chief of the General Staff in June 1941) is appointed to a front in the war in
    more runs than without it; and crisis appointments to fronts from the Chief of the General Staff's post happen."""
    with_rule = _zhukov_front_runs(historical)
    without = _zhukov_front_runs(
        stavka.simulate(doctrine="historical", runs=RUNS, seed=6, command__crisis_from_staff=False).events
    )
    table = [[with_rule, RUNS - with_rule], [without, RUNS - without]]
    assert fisher_exact(table, alternative="greater").pvalue < ALPHA
