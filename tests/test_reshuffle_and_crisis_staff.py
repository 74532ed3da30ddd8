"""Two mechanisms of issue 11 (Zhukov's career): the reshuffle's promotion of the men believed most competent
(June 1940's general ranks) and, in a front's collapse, the staff sent to the front.  Each is asserted over many
seeded runs with a stated test (Fisher's exact test of two seeded samples, or a binomial test), never on one
lucky seed, besides the exact rules every run must keep."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import binomtest, fisher_exact

import stavka

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import prewar_fit  # noqa: E402

RUNS = 150
ALPHA = 0.01


@pytest.fixture(scope="module")
def historical() -> pd.DataFrame:
    return stavka.simulate(doctrine="historical", runs=RUNS, seed=6).events


def _zhukov_rank_june_1941(**overrides: float) -> tuple[int, int]:
    """(runs in which Zhukov serves in June 1941 at Army General or above, runs in which he serves then), read
    from the corps month by month (`benchmarks/prewar_fit.py`)."""
    z = prewar_fit.measure("historical", RUNS, seed=6, **overrides)["zhukov"]
    serving = round(z["serving_1941_06"] * RUNS)
    return round(z["army_general_or_above_if_serving"] * serving), serving


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
    with_high, with_n = _zhukov_rank_june_1941()
    wo_high, wo_n = _zhukov_rank_june_1941(reshuffle_promote_above=0.0)
    table = [[with_high, with_n - with_high], [wo_high, wo_n - wo_high]]
    assert fisher_exact(table, alternative="greater").pvalue < ALPHA
    assert binomtest(with_high, with_n, 0.5, alternative="greater").pvalue < ALPHA


MOVES = ("appointment", "transfer", "removal", "arrest", "release", "reinstatement", "discharge", "captured", "return")


def _moves(ev: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """An officer's consecutive post events (in the order they were written) in which an appointment to a post
    matching the pattern `after` directly follows an appointment to a post matching `before`: one row per move."""
    m = ev[ev.kind.isin(MOVES)].copy()
    m["post"] = m.post.astype(str)
    m["prev_kind"] = m.groupby(["run", "officer_id"]).kind.shift()
    m["prev_post"] = m.groupby(["run", "officer_id"]).post.shift()
    hit = (m.kind == "appointment") & m.post.str.contains(after)
    hit &= (m.prev_kind == "appointment") & m.prev_post.fillna("").str.contains(before)
    return m[hit]


def test_in_a_collapse_the_staff_goes_to_the_front(historical: pd.DataFrame) -> None:
    """With the rule, the Chief of the General Staff is sent straight to a front in a crisis in some runs, without
    it never (Fisher's exact test, one-sided, over two seeded samples of 150 runs); such moves are crisis
    appointments in war; and with the rule no front commander goes straight to a staff post in the war (exact; without
    it some do in the same seeded sample)."""
    sent = _moves(historical, "^Chief of the General Staff$", " Front$")
    sent = sent[sent.cause != "axis"]  # (the decisive-axis rule may also send him, by name: tests/test_decisive_axis.py)
    assert (sent.cause == "crisis").all() and (sent.month >= "1941-06").all()
    without_ev = stavka.simulate(doctrine="historical", runs=RUNS, seed=6, command__crisis_from_staff=False).events
    without = _moves(without_ev, "^Chief of the General Staff$", " Front$")
    without = without[without.cause != "axis"]
    assert len(without) == 0  # the chief of the General Staff is first in the fill order: never taken from below
    k_with, k_without = sent.run.nunique(), without.run.nunique()
    table = [[k_with, RUNS - k_with], [k_without, RUNS - k_without]]
    assert fisher_exact(table, alternative="greater").pvalue < ALPHA
    back = _in_the_war(_moves(historical, " Front$", "Staff"), historical)
    back_without = _in_the_war(_moves(without_ev, " Front$", "Staff"), without_ev)  # such moves happen (can fail)
    assert len(back_without) > 0
    assert len(back) == 0


def _in_the_war(moves: pd.DataFrame, ev: pd.DataFrame) -> pd.DataFrame:
    """The moves made while the run was at war: from 1941-06 to the month its war ended, that month included (the
    vacancies are filled before the month's operations end the war); a run whose war never ends, to 1948-12."""
    wars = ev[ev.kind == "war"].groupby("run").month  # a run's war events: its start, and its end if it ended
    end = wars.max().where(wars.count() > 1)
    last = moves.run.map(end).fillna("1948-12")
    return moves[(moves.month >= "1941-06") & (moves.month <= last)]
