"""The pre-war mechanisms of issue 11: discharge and reinstatement, the ruler's own top targets and his
protection of his clients, the career ladder.  Each is asserted over many seeded runs with a stated test
(binomial or two-sample), never on one lucky seed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest, mannwhitneyu

import stavka

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import prewar_fit  # noqa: E402

RUNS = 150
ALPHA = 0.01


@pytest.fixture(scope="module")
def historical() -> pd.DataFrame:
    return stavka.simulate(doctrine="historical", runs=RUNS, seed=3).events


@pytest.fixture(scope="module")
def fit() -> dict[str, object]:
    return prewar_fit.measure("historical", RUNS, seed=3)


def test_discharges_happen_in_the_purge_and_are_often_reversed(historical: pd.DataFrame) -> None:
    ev = historical
    dis = ev[ev.kind == "discharge"]
    back = ev[ev.kind == "reinstatement"]
    assert (dis.cause == "expulsion").all() and len(dis) > 0
    assert dis.month.between("1937-05", "1938-12").all()  # only in the purge phases (quota on, one-month lag)
    assert back.month.between("1938-08", "1940-12").all() and (back.cause == "review").all()
    # Reversals are common: of the runs' discharged men, a binomial test that more than 20 % are reinstated.
    keys = set(zip(dis.run, dis.officer_id, strict=True))
    returned = sum(k in keys for k in zip(back.run, back.officer_id, strict=True))
    assert binomtest(returned, len(keys), 0.2, alternative="greater").pvalue < ALPHA


def test_reinstated_officers_return_to_service(historical: pd.DataFrame) -> None:
    """A reinstated man is active again: he is appointed to posts again (binomial test: more than 10 %)."""
    ev = historical
    back = ev[ev.kind == "reinstatement"][["run", "officer_id", "month"]]
    later = ev[ev.kind == "appointment"].merge(back, on=["run", "officer_id"], suffixes=("", "_back"))
    appointed = later[later.month > later.month_back].groupby(["run", "officer_id"]).size()
    assert binomtest(len(appointed), len(back), 0.1, alternative="greater").pvalue < ALPHA


def test_arrested_share_of_the_discharged_rises_with_rank(fit: dict) -> None:  # type: ignore[type-arg]
    """Facts A3: at the top nearly all the discharged were arrested, below fewer; a one-sided two-proportion
    comparison (binomial test of the komkor-and-above share against the kombrig share)."""
    by = fit["purge_by_rank_1937_38"]
    low = by["kombrig (0)"]
    high = [by[k] for k in ("komkor (2)", "komandarm 2 (3)", "komandarm 1 (4)", "marshal (5)")]
    n_high = sum(h["n_not_reinstated"] for h in high)
    k_high = round(sum(h["n_not_reinstated"] * (h["arrested_share_not_reinstated"] or 0) for h in high))
    assert low["arrested_share_not_reinstated"] < 0.95
    assert binomtest(k_high, n_high, low["arrested_share_not_reinstated"], alternative="greater").pvalue < ALPHA


def test_the_ruler_picks_tukhachevsky_and_spares_his_clients(fit: dict) -> None:  # type: ignore[type-arg]
    """Binomial tests over the runs: Tukhachevsky shot in 1937 in more than half; Voroshilov and Budyonny
    repressed by June 1941 in fewer than 5 %."""
    n = RUNS
    assert binomtest(round(fit["tukhachevsky_shot_1937"] * n), n, 0.5, alternative="greater").pvalue < ALPHA
    for k in ("voroshilov", "budyonny"):
        assert binomtest(round(fit[k]["repressed_by_1941_06"] * n), n, 0.05, alternative="less").pvalue < ALPHA


def test_the_men_of_1941_reach_the_border_fronts_and_zhukov_rises(fit: dict) -> None:  # type: ignore[type-arg]
    """The bridge to the war: in a binomial test over the runs, at least one of the five commanders of the border
    fronts of 22 June 1941 (Pavlov, Kirponos, F. I. Kuznetsov, M. M. Popov, Tyulenev) holds a front that month in
    more than 20 % of runs (0.1 % before issue 11), and Zhukov, where he serves, is an Army General in more than
    5 % (none before)."""
    n = RUNS
    share = fit["border_fronts_1941_06"]["at_least_one"]
    assert binomtest(round(share * n), n, 0.2, alternative="greater").pvalue < ALPHA
    z = fit["zhukov"]
    serving = round(z["serving_1941_06"] * n)
    assert binomtest(round(z["army_general_or_above_if_serving"] * serving), serving, 0.05, alternative="greater").pvalue < ALPHA


def test_show_trials_are_the_ruler_s_choice_only_where_the_doctrine_says_so() -> None:
    for doctrine, expected in (("historical", True), ("meritocratic", False), ("passive", False)):
        ev = stavka.simulate(doctrine=doctrine, runs=20, seed=5).events
        trials = ev[(ev.kind == "execution") & (ev.cause == "show trial")]
        assert (len(trials) > 0) == expected, doctrine


def test_the_ladder_promotes_from_below_into_purge_vacancies() -> None:
    """Ladder promotions happen, in posts; without the ladder the men of 1941 rank lower on 22 June 1941
    (Mann-Whitney, one-sided, over the runs' mean ranks of the named officers of the 1941 roster)."""
    with_ladder = stavka.simulate(doctrine="historical", runs=100, seed=4)
    ev = with_ladder.events
    ladder = ev[(ev.kind == "promotion") & (ev.cause == "ladder")]
    assert len(ladder) > 0 and (ladder.post != "").all()
    without = stavka.simulate(doctrine="historical", runs=100, seed=4, command__ladder_rate=0.0)

    def named_promotions(res: stavka.SimulationResult) -> np.ndarray:
        e = res.events
        e = e[(e.month <= "1941-06") & (e.kind == "promotion") & (e.officer_id < len(res.scenario.roster))]
        return e.groupby("run").size().reindex(range(100), fill_value=0).to_numpy()

    assert mannwhitneyu(named_promotions(with_ladder), named_promotions(without), alternative="greater").pvalue < ALPHA


def test_a_staff_officers_distinction_counts_for_less_than_a_commanders() -> None:
    """Roster column distinction_role: Govorov (artillery staff, Finland) and Malinovsky (adviser, Spain) are read
    with `ruler.staff_distinction_reading` (0.75), the commanders with `ruler.distinction_reading` (0.95).  Against
    the same runs with the staff reading raised to the commanders', their believed competence after the distinction
    is lower (one-sided Mann-Whitney) and the reshuffle of 1940, whose bar is 0.8, promotes them less often
    (one-sided Fisher's exact test of the runs in which it promotes either)."""
    from scipy.stats import fisher_exact

    staff = ["L. A. Govorov", "R. Ya. Malinovsky"]

    def read(reading: float) -> tuple[pd.Series, int, int]:
        ev = stavka.simulate(doctrine="historical", runs=RUNS, seed=3, **{"ruler.staff_distinction_reading": reading}).events
        mine = ev[ev.officer.isin(staff)]
        belief = mine[mine.kind == "distinction"].value
        promoted = mine[(mine.kind == "promotion") & (mine.cause == "reform")].run.nunique()
        return belief, promoted, RUNS

    belief, promoted, n = read(0.75)
    belief_as_command, promoted_as_command, _ = read(0.95)
    assert len(belief) > 50 and len(belief_as_command) > 50
    assert mannwhitneyu(belief, belief_as_command, alternative="less").pvalue < ALPHA
    table = [[promoted, n - promoted], [promoted_as_command, n - promoted_as_command]]
    assert fisher_exact(table, alternative="less").pvalue < ALPHA
