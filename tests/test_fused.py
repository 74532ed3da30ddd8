"""The compiled runs (`runs_fused`: each run through its months, the policy's rules inside the engine's
pass) and the Python path (`begin_month`, `doctrine.decide(view)`, `end_month`) must write the same
history, bit for bit: the world, the true ledger (each run's records of each month), the monthly series
and the war-end snapshot.  Exact equality is the right test: both paths call the same compiled per-run
functions in the same order on the same counter-based streams."""

from __future__ import annotations

import numpy as np
import pytest

from stavka.doctrines import get_doctrine, names
from stavka.doctrines.policy import PolicyDoctrine, decide_by_policy
from stavka.engine.driver import Engine
from stavka.engine.interface import Decisions, RulerView
from stavka.engine.month import RunSettings
from stavka.engine.rules import Knobs
from stavka.scenario import Scenario

RUNS = 24


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.load("default")


def assert_same_history(a: Engine, b: Engine) -> None:
    for name in ("off", "holder", "fronts", "run", "generation"):
        assert np.array_equal(getattr(a.world, name), getattr(b.world, name)), f"world.{name} differs"
    la, lb = a.log, b.log
    for name in la.series:
        assert np.array_equal(la.series[name], lb.series[name], equal_nan=True), f"series {name} differs"
    assert la.n_events == lb.n_events
    assert np.array_equal(la.counts, lb.counts)
    # The Python path appends a block a month, the compiled one all months in one block (run by run): the
    # same records in each run's month, whatever the layout.
    for (ta, rows_a, rec_a), (tb, rows_b, rec_b) in zip(la.events, lb.events, strict=True):
        assert ta == tb and np.array_equal(rows_a, rows_b) and rec_a.tobytes() == rec_b.tobytes()
    assert np.array_equal(la.meritocracy, lb.meritocracy, equal_nan=True)
    assert np.array_equal(la.continuity, lb.continuity, equal_nan=True)


@pytest.mark.parametrize("name", [n for n in names() if isinstance(get_doctrine(n), PolicyDoctrine)])
def test_fused_month_equals_python_path(scenario: Scenario, name: str) -> None:
    doctrine = get_doctrine(name)
    assert doctrine.month_plan("1941-06") is not None
    python_path = Engine(scenario, 17, np.arange(RUNS))
    python_path.run_to_end(doctrine.decide)  # a bare decide function: the Python path every month
    fused = Engine(scenario, 17, np.arange(RUNS))
    fused.run_to_end(doctrine)
    assert_same_history(python_path, fused)
    assert python_path.log.n_events > 1000  # the runs did something


def test_fused_month_equals_python_path_off_the_default_parameters(scenario: Scenario) -> None:
    """Rules the built-in doctrines leave off: talent, charm and rotation at scale, interrogation in peace
    only, demotion, review, sidelining soon after victory."""
    doctrine = get_doctrine(
        "meritocratic",
        talent_promotions=4,
        charm=6,
        rotate_popular=0.3,
        sideline_after_war=0,
        interrogate_autonomy=0.5,
        interrogate_in_war=False,
        demote_failures=0.5,
        release_rate=0.2,
        keep_loyal_failures=True,
        scapegoat=0.6,
        scapegoat_execute=0.5,
        w_popularity=-1.0,
    )
    python_path = Engine(scenario, 5, np.arange(RUNS))
    python_path.run_to_end(doctrine.decide)
    fused = Engine(scenario, 5, np.arange(RUNS))
    fused.run_to_end(doctrine)
    assert_same_history(python_path, fused)


class Contrarian(PolicyDoctrine):
    """A subclass that decides in Python: the engine must call its `decide`, not the compiled policy."""

    name = "contrarian-test"

    def decide(self, view: RulerView) -> Decisions:
        d = decide_by_policy(self.params_at(view.label), view)
        d.hold[:] = 1 - d.hold
        return d


def test_a_doctrine_that_decides_in_python_is_not_compiled_over(scenario: Scenario) -> None:
    doctrine = Contrarian()
    assert doctrine.month_plan("1941-06") is None
    mine = Engine(scenario, 2, np.arange(6))
    mine.run_to_end(doctrine)
    base = Engine(scenario, 2, np.arange(6))
    base.run_to_end(PolicyDoctrine())
    assert not np.array_equal(mine.world.fronts["hold"], base.world.fronts["hold"])


class EveryOtherYear(PolicyDoctrine):
    """The shared policy, but its month plan withheld in odd years: the engine alternates stretches of
    compiled months with months on the Python path."""

    name = "every-other-year-test"

    def month_plan(self, label: str) -> tuple[Knobs, RunSettings] | None:
        return super().month_plan(label) if int(label[:4]) % 2 == 0 else None


def test_stretches_of_compiled_months_and_python_months(scenario: Scenario) -> None:
    doctrine = EveryOtherYear()
    python_path = Engine(scenario, 11, np.arange(RUNS))
    python_path.run_to_end(doctrine.decide)
    mixed = Engine(scenario, 11, np.arange(RUNS))
    mixed.run_to_end(doctrine)
    assert_same_history(python_path, mixed)
    assert 10 < len(mixed.log.blocks) < 144  # a block a Python month, one per compiled stretch


def test_run_ledgers_that_fill_up_grow_and_resume(scenario: Scenario) -> None:
    """Room for one event a run and month at first: every run stops when its ledger row is full and
    resumes, from the month it stopped at, after the rows have grown."""
    doctrine = get_doctrine("break_and_use")
    roomy = Engine(scenario, 3, np.arange(RUNS))
    roomy.run_to_end(doctrine)
    cramped = Engine(scenario, 3, np.arange(RUNS))
    cramped.events_per_run_month = 1
    cramped.run_to_end(doctrine)
    assert_same_history(roomy, cramped)
    assert cramped.log.counts.sum(axis=0).min() > cramped.capacity + 144  # every run outgrew its first row
