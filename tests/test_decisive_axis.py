"""The decisive axis (docs/model.md §11.8): in a named month of war the ruler gives the decisive front (the
commanded front whose reported movement last month was largest either way) to the commander he believes most
competent, by an APPOINT of cause *axis*.  And the establishment cap: no promotion into a full Marshal's or Army
General's rank.  Asserted over seeded runs with a stated test (Fisher's exact test of two seeded samples), besides
the exact rules every run must keep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

import stavka
from stavka.doctrines import get_doctrine
from stavka.engine.codes import PostKind, Status
from stavka.engine.driver import Engine
from stavka.scenario import Scenario

RUNS = 120
SEED = 5
ALPHA = 0.01
MONTH = "1944-11"  # `historical`'s second axis month (Zhukov to 1st Belorussian)


@pytest.fixture(scope="module")
def historical() -> stavka.SimulationResult:
    return stavka.simulate(doctrine="historical", runs=RUNS, seed=SEED)


def _best_holds_axis(**params: object) -> tuple[int, int]:
    """(runs in which, after MONTH, the man believed most competent at its start, of rank >= axis_rank, holds the
    command of the decisive front, runs in which both exist), driving the engine month by month."""
    scenario = Scenario.load("default")
    engine = Engine(scenario, SEED, np.arange(RUNS))
    doctrine = get_doctrine("historical", **params)
    posts = engine._posts
    t_axis = scenario.calendar.index(MONTH)
    chosen: list[tuple[int, int, int]] = []  # (run, best slot, decisive post)
    for t in range(t_axis + 1):
        engine.begin_month()
        if t == t_axis:
            off = engine.world.off
            reported = engine.world.fronts["reported"]
            for r in range(RUNS):
                o = off[r]
                serving = o["status"] == Status.ACTIVE
                fronts = np.flatnonzero(serving & (o["post"] >= 0))
                fronts = [i for i in fronts if posts.kind[o["post"][i]] == PostKind.FRONT]
                pool = np.flatnonzero(serving & (o["rank"] >= doctrine.params_at(MONTH).axis_rank))
                if not fronts or not len(pool):
                    continue
                weights = [abs(reported[r, posts.front[o["post"][i]]]) for i in fronts]
                decisive = int(o["post"][fronts[int(np.argmax(weights))]])
                best = int(pool[np.argmax(o["bc_mu"][pool])])
                chosen.append((r, best, decisive))
        engine.end_month(doctrine.decide(engine.view()))
    holder = engine.world.holder
    return sum(int(holder[r, p] == i) for r, i, p in chosen), len(chosen)


def test_the_best_believed_man_gets_the_decisive_front() -> None:
    """Fisher's exact test (one-sided) over two seeded samples of 120 runs: with the rule, the man the ruler
    believes most competent holds the decisive front after the axis month more often than without it."""
    on, n_on = _best_holds_axis()
    off, n_off = _best_holds_axis(axis_months=())
    assert n_on > RUNS // 2 and n_off > RUNS // 2
    assert fisher_exact([[on, n_on - on], [off, n_off - off]], alternative="greater").pvalue < ALPHA
    assert on / n_on > 0.5  # and in most runs (the rest: his front taken from him in the month, or out of the budget)


def test_axis_appointments_only_in_the_axis_months(historical: stavka.SimulationResult) -> None:
    """Exact: appointments of cause *axis* are to front commands, in `historical`'s axis months only; the man
    they displace is removed (cause *reorganisation*) in the same month."""
    ev = historical.events
    axis = ev[ev.cause == "axis"]
    assert len(axis) > RUNS // 2
    assert set(axis.month.astype(str)) <= {"1941-10", "1944-11"}
    assert set(axis.kind) <= {"appointment", "promotion"}
    appointed = axis[axis.kind == "appointment"]
    assert appointed.post.astype(str).str.endswith(" Front").all()
    removed = ev[(ev.kind == "removal") & (ev.cause == "reorganisation")]
    key = ["run", "month", "post"]
    displaced = appointed[key].astype(str).merge(removed[key].astype(str).drop_duplicates(), on=key)
    assert len(displaced) > 0  # the holder is displaced where the front was held


def _rank_counts(res: stavka.SimulationResult, level: int, month: str) -> pd.Series:
    c = res.careers
    held = (c.rank_level == level) & (c.from_month.astype(str) <= month) & (c.to_month.isna() | (c.to_month.astype(str) > month))
    return c[held].drop_duplicates(["run", "officer_id"]).groupby("run").size().reindex(range(RUNS), fill_value=0)


def test_no_promotion_into_a_full_rank(historical: stavka.SimulationResult) -> None:
    """With the caps, the officers holding a post at Marshal (Army General) rank in each checked month are on
    average within `command.marshal_cap` (`army_general_cap`), and above it in few runs (only a promotion is
    refused: a marshal demoted, or a general released or reinstated, may carry a rank one over); without the caps
    the Marshals of December 1943 are more than the cap in every run (the inflation they stop)."""
    cfg = Scenario.load("default").config.command
    for month in ("1941-06", "1943-12", "1945-05"):
        for level, cap in ((5, cfg.marshal_cap), (4, cfg.army_general_cap)):
            counts = _rank_counts(historical, level, month)
            assert counts.mean() <= cap and (counts > cap).mean() <= 0.1, (month, level)
    uncapped = stavka.simulate(doctrine="historical", runs=RUNS, seed=SEED, command__marshal_cap=0, command__army_general_cap=0)
    assert (_rank_counts(uncapped, 5, "1943-12") > cfg.marshal_cap).all()
