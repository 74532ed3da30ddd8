"""The enemy's main blow (M7, `operations.main_blow`) and the claim "Pavlov shot as Western Front commander".

The exemplary trial of 1941 takes the commander of the front whose month was reported worst (`scapegoat_budget`);
with the invasion spread evenly over the five border fronts that front is any of them, one time in five.  The
record's blow fell on the Western Front (Army Group Centre), whose commander was the one tried.  Tested over seeded
free runs of `historical` with a stated test; the claim's tester on synthetic event tables."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import binomtest, fisher_exact

import stavka
from stavka.engine.operations import main_blow
from stavka.record import claims
from stavka.scenario import Scenario

RUNS, SEED, ALPHA = 300, 1941, 0.01


def _trials_on_the_western_front(**overrides: float) -> tuple[int, int]:
    """(exemplary trials of 1941 on the Western Front, all of them) over RUNS free runs."""
    ev = stavka.simulate(doctrine="historical", runs=RUNS, seed=SEED, **overrides).events
    m = ev["month"].astype(str)
    tried = ev[(ev["kind"] == "arrest") & (ev["cause"] == "scapegoat") & (m >= "1941-06") & (m <= "1941-12")]
    return int((tried["post"] == "Western Front").sum()), len(tried)


@pytest.fixture(scope="module")
def trials() -> dict[str, tuple[int, int]]:
    return {"blow": _trials_on_the_western_front(), "even": _trials_on_the_western_front(**{"operations.main_blow_factor": 1.0})}


def test_the_main_blow_makes_the_western_front_the_one_tried(trials: dict[str, tuple[int, int]]) -> None:
    """With the main blow the Western Front's commander is tried in 1941 more often than one time in five (binomial
    test) and more often than with the blow spread evenly (Fisher's exact test)."""
    (k, n), (k0, n0) = trials["blow"], trials["even"]
    assert n >= RUNS // 2 and n0 >= RUNS // 2
    assert binomtest(k, n, 0.2, alternative="greater").pvalue < ALPHA
    assert binomtest(k, n, 0.35, alternative="greater").pvalue < ALPHA  # well above: about half of the trials
    assert fisher_exact([[k, n - k], [k0, n0 - k0]], alternative="greater")[1] < ALPHA


def test_without_the_blow_the_fronts_are_alike(trials: dict[str, tuple[int, int]]) -> None:
    k0, n0 = trials["even"]
    assert binomtest(k0, n0, 0.2).pvalue > ALPHA  # one front of five


def test_the_blow_conserves_the_enemy_and_ends_at_its_depth() -> None:
    P = Scenario.load("default").params
    weights = [main_blow(f, 0.0, P) for f in range(5)]
    assert sum(weights) == pytest.approx(5.0) and weights[1] == P.operations_main_blow_factor > max(weights[:1] + weights[2:])
    assert main_blow(7, 0.0, P) == 1.0  # a front opened later
    assert [main_blow(f, P.operations_main_blow_depth_km, P) for f in range(5)] == [1.0] * 5


def _events(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    cols = ["run", "month", "kind", "officer", "officer_id", "other_id", "post", "front", "cause", "detail", "value"]
    return pd.DataFrame([(0, m, k, claims.PAVLOV, 9, -1, p, "", c, "", 0.0) for m, k, p, c in rows], columns=cols)


def test_pavlov_shot_reads_the_front_held_from_before_the_war() -> None:
    """The commander of 22 June 1941 held his front from the district command: no appointment in 1941, but his
    arrest names the post."""
    assert claims.pavlov_shot(
        _events(
            [
                ("1940-06", "appointment", "Western Front", "reform"),
                ("1941-07", "arrest", "Western Front", "scapegoat"),
                ("1941-07", "execution", "", "scapegoat"),
            ]
        )
    )
    assert claims.pavlov_shot(_events([("1941-06", "removal", "Western Front", "relief"), ("1941-08", "execution", "", "trial")]))
    assert not claims.pavlov_shot(  # shot in 1941, but from another front
        _events([("1941-07", "arrest", "Southern Front", "scapegoat"), ("1941-07", "execution", "", "scapegoat")])
    )
    assert not claims.pavlov_shot(  # held the Western Front in 1941, shot in 1942
        _events([("1941-07", "removal", "Western Front", "relief"), ("1942-02", "execution", "", "trial")])
    )
    assert not claims.pavlov_shot(  # moved to the Western Front after he was shot: impossible, and not counted
        _events([("1941-09", "execution", "", "trial"), ("1941-10", "appointment", "Western Front", "crisis")])
    )
