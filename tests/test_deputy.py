"""The Deputy Supreme Commander (docs/model.md §11.9): from `deputy_month`, in war, the ruler names as his deputy
(the Stavka's representative) the active officer of rank >= `deputy_rank` he rates highest (belief in competence
+ `deputy_w_popularity` x popularity + `deputy_w_loyalty` x believed loyalty), again whenever his deputy leaves
active service; the deputy gains `politics.deputy_popularity` in each month of a decisive victory he did not
command.  Exact rules over every run, and the effect on who is sidelined after victory by Fisher's exact test of
two seeded samples (one-sided, alpha 0.01)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import fisher_exact

import stavka
from stavka.calendar import parse_month
from stavka.doctrines import get_doctrine
from stavka.engine.codes import Status, War
from stavka.engine.driver import Engine
from stavka.scenario import Scenario

RUNS = 120
SEED = 5
ALPHA = 0.01
FATES = {"arrest", "execution", "killed", "captured", "defection", "retirement", "death", "discharge"}


@pytest.fixture(scope="module")
def historical() -> stavka.SimulationResult:
    return stavka.simulate(doctrine="historical", runs=RUNS, seed=SEED)


def _sidelined_deputy(res: stavka.SimulationResult) -> tuple[int, int]:
    """(runs whose sidelined marshal is the last deputy named, runs with both a sidelining and a deputy)."""
    ev = res.events
    deputies = ev[ev.cause == "deputy"].sort_values(["run", "month"]).groupby("run").tail(1)[["run", "officer_id"]]
    sidelined = ev[(ev.kind == "transfer") & (ev.cause == "sideline")][["run", "officer_id"]]
    both = sidelined.merge(deputies, on="run", suffixes=("", "_deputy"))
    return int((both.officer_id == both.officer_id_deputy).sum()), len(both)


def test_the_deputy_is_the_sidelined_marshal(historical: stavka.SimulationResult) -> None:
    """With the representative's credit the sidelined marshal is the deputy far more often than with the deputy
    named but no credit (politics.deputy_popularity = 0): Fisher's exact test, one-sided, alpha 0.01."""
    on, n_on = _sidelined_deputy(historical)
    off, n_off = _sidelined_deputy(stavka.simulate(doctrine="historical", runs=RUNS, seed=SEED, politics__deputy_popularity=0.0))
    assert n_on > RUNS // 2 and n_off > RUNS // 2
    assert fisher_exact([[on, n_on - on], [off, n_off - off]], alternative="greater").pvalue < ALPHA
    assert on / n_on > 0.5


def test_deputy_events_only_from_the_month_in_war(historical: stavka.SimulationResult) -> None:
    """Exact: the deputy is named from `deputy_month` (1942-08) in war, once a run in that month, and a next one
    only after the last has left active service (a fate event of his in between); no deputy without the rule."""
    ev = historical.events
    dep = ev[ev.cause == "deputy"]
    assert dep.run.nunique() > RUNS // 2
    assert (dep.kind == "directive").all()
    assert (dep.month.astype(str) >= "1942-08").all()
    assert not dep.duplicated(["run", "month"]).any()
    fates = ev[ev.kind.isin(FATES)]
    for run, named in dep.sort_values("month").groupby("run"):
        rows = list(named.itertuples())
        for before, after in zip(rows, rows[1:], strict=False):
            gone = fates[(fates.run == run) & (fates.officer_id == before.officer_id)]
            gone = gone[(gone.month >= before.month) & (gone.month <= after.month)]
            assert len(gone) > 0, (run, before.officer, after.month)
    for name in ("terror", "passive"):
        res = stavka.simulate(doctrine=name, runs=30, seed=SEED)
        assert not (res.events.cause == "deputy").any()
    late = stavka.simulate(doctrine=get_doctrine("historical", deputy_month="1944-01"), runs=30, seed=SEED)
    assert (late.events[late.events.cause == "deputy"].month.astype(str) >= "1944-01").all()


def test_the_deputy_is_the_ruler_s_best_rated_man() -> None:
    """Exact, month by month (axis rule off, so nothing moves a man between the ruler's view and the naming): the
    man named is the active officer of rank >= deputy_rank of highest bc_mu + w_pop * pop + w_loyalty * bl_mu,
    the run's `deputy` holds his ident, and there is a deputy in active service after every month of war from
    deputy_month in which one was eligible."""
    scenario = Scenario.load("default")
    runs = 40
    engine = Engine(scenario, SEED, np.arange(runs))
    doctrine = get_doctrine("historical", axis_months=(), deputy_w_popularity=1.5, deputy_w_loyalty=0.5)
    checked = 0
    while not engine.done:
        engine.begin_month()
        label = scenario.calendar.label(engine.month)
        p = doctrine.params_at(label)
        w = engine.world
        before = w.run["deputy"].copy()
        off = w.off.copy()
        war = w.run["war"].copy()
        alive = w.run["ruler_alive"].copy()
        engine.end_month(doctrine.decide(engine.view()))
        on = parse_month(label) >= parse_month("1942-08")
        for r in range(runs):
            o = off[r]
            pool = np.flatnonzero((o["status"] == Status.ACTIVE) & (o["rank"] >= p.deputy_rank))
            slot = before[r] % o.shape[0]
            kept = before[r] >= 0 and o["ident"][slot] == before[r] and o["status"][slot] == Status.ACTIVE
            if not (on and war[r] == War.WAR and alive[r]) or kept or not len(pool):
                assert w.run["deputy"][r] == before[r]
                continue
            score = o["bc_mu"][pool] + 1.5 * o["pop"][pool] + 0.5 * o["bl_mu"][pool]
            assert w.run["deputy"][r] == o["ident"][pool[int(np.argmax(score))]]
            checked += 1
    assert checked >= runs
