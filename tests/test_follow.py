"""Following the record up to a month (`scenario.follow_record_until`): the record's schedule, its named events
reproduced by construction, branching, reproducibility and the one-line refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stavka
from stavka.config import ConfigError, load_scenario
from stavka.engine.codes import Action
from stavka.record.follow import build_plan
from stavka.scenario import Scenario

RUNS, SEED, END = 12, 3, "1945-06"
BORDER = {  # the commanders of the five fronts the war began with, 22-30 June 1941
    "Northwestern Front": "F. I. Kuznetsov",
    "Western Front": "D. G. Pavlov",
    "Southwestern Front": "M. P. Kirponos",
    "Northern Front": "M. M. Popov",
    "Southern Front": "I. V. Tyulenev",
}


@pytest.fixture(scope="module")
def followed() -> stavka.SimulationResult:
    """The record followed to the war's end."""
    return stavka.simulate("default", "historical", runs=RUNS, seed=SEED, follow_record_until=END)


def _plan(until: str = END) -> tuple[Scenario, pd.DataFrame]:
    scen = Scenario.load("default", **{"scenario.follow_record_until": until})
    return scen, build_plan(scen).schedule(scen.calendar.labels())


def test_the_schedule_keeps_the_attention_budget_and_one_order_a_month() -> None:
    scen, schedule = _plan()
    assert len(schedule) > 150
    assert schedule.groupby("month").size().max() <= scen.config.ruler.attention
    assert not schedule.duplicated(["month", "person"]).any()
    assert (schedule["month"] < END).all()
    tukhachevsky = schedule[schedule["person"].str.startswith("Tukhachevsky")]
    assert list(zip(tukhachevsky["month"], tukhachevsky["action"], strict=True)) == [
        ("1937-05", "arrest"),
        ("1937-06", "execute"),
    ]


def test_the_border_fronts_are_the_border_slots() -> None:
    scen, schedule = _plan()
    names = scen.posts.names
    appointed = schedule[(schedule["action"] == "appoint") & (schedule["month"] <= "1941-06")]
    last = appointed.groupby("person").tail(1).set_index("person")["post"]
    for front, man in BORDER.items():
        surname = man.split()[-1]
        (person,) = [p for p in last.index if p.startswith(surname)]
        assert names[int(last[person])] == front, (man, names[int(last[person])])


def test_following_to_the_end_reproduces_the_named_events(followed: stavka.SimulationResult) -> None:
    ev = followed.events
    for name, month in (("D. G. Pavlov", "1941-07"), ("M. N. Tukhachevsky", "1937-06")):
        shot = ev[(ev["officer"] == name) & (ev["kind"] == "execution")]
        assert sorted(shot["run"]) == list(range(RUNS)) and (shot["month"] == month).all(), name
        assert (shot["cause"] == "record").all()
    c = followed.careers
    june = c[(c["from_month"] <= "1941-06") & (c["to_month"].isna() | (c["to_month"] > "1941-06"))]
    for front, man in BORDER.items():
        held = june[june["post"] == front]
        assert sorted(held.loc[held["name"] == man, "run"]) == list(range(RUNS)), (front, man)


def test_while_following_the_named_officers_fall_only_by_the_record(followed: stavka.SimulationResult) -> None:
    ev = followed.events
    named = set(e.short_name for e in followed.scenario.roster)
    fates = ev[ev["officer"].isin(named) & (ev["month"] < END)]
    taken = fates[fates["kind"].isin(["arrest", "execution", "release"])]
    assert len(taken) and (taken["cause"] == "record").all()
    assert not fates["kind"].isin(["killed", "captured", "retirement", "death", "defection"]).any()
    assert not ev[(ev["kind"] == "challenge") & ev["officer"].isin(named) & (ev["month"] < END)].any().any()
    # Voroshilov and Budyonny, never repressed in the record, are never repressed while it is followed
    for name in ("K. E. Voroshilov", "S. M. Budyonny"):
        assert fates[(fates["officer"] == name) & fates["kind"].isin(["arrest", "execution"])].empty


def test_branching_keeps_the_history_before_the_branch(followed: stavka.SimulationResult) -> None:
    """Following up to July 1941 is the same history as following to the end, until July 1941; from then on the
    doctrine decides (no order of the record)."""
    branch = stavka.simulate("default", "historical", runs=RUNS, seed=SEED, follow_record_until="1941-07")
    before = [e[e["month"] < "1941-07"].reset_index(drop=True) for e in (branch.events, followed.events)]
    pd.testing.assert_frame_equal(*before)
    after = branch.events[branch.events["month"] >= "1941-07"]
    assert len(after) and not (after["cause"] == "record").any()
    assert branch.meta["follow_record_until"] == "1941-07"


def test_same_history_alone_and_in_a_batch(followed: stavka.SimulationResult) -> None:
    alone = stavka.simulate("default", "historical", seed=SEED, run_ids=[5], follow_record_until=END)
    batch = followed.events
    pd.testing.assert_frame_equal(alone.events.reset_index(drop=True), batch[batch["run"] == 5].reset_index(drop=True))
    pd.testing.assert_frame_equal(
        alone.metrics.reset_index(drop=True), followed.metrics[followed.metrics["run"] == 5].reset_index(drop=True)
    )


def test_stepping_follows_the_record_as_simulate_does() -> None:
    sim = stavka.Simulation("default", "historical", seed=SEED, run=2, follow_record_until="1937-08")
    while sim.month < "1937-08":
        sim.step()
    stepped = sim.events()
    whole = stavka.simulate("default", "historical", seed=SEED, run_ids=[2], follow_record_until="1937-08").events
    pd.testing.assert_frame_equal(stepped.reset_index(drop=True), whole[whole["month"] < "1937-08"].reset_index(drop=True))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"scenario.follow_record_until": "1950-01"}, "scenario.follow_record_until: 1950-01 is outside the scenario"),
        ({"scenario.follow_record_until": "July"}, "'July' is not a month"),
        (
            {"scenario.follow_record_until": "1941-07", "scenario.start": "1936-01"},
            "a scenario starting in 1936-01 cannot follow it",
        ),
        ({"scenario.follow_record_until": "1941-07", "corps.use_roster": False}, "expected corps.use_roster = true"),
    ],
)
def test_what_cannot_be_followed_is_one_line(override: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        load_scenario("default", **override)
    assert "\n" not in str(err.value)


def test_the_cli_refuses_with_one_line_and_stores_the_month(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from stavka.cli import main

    def cli(*args: str) -> tuple[int, str]:
        import sys

        argv, sys.argv = sys.argv, ["stavka", *args]
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            sys.argv = argv
        return code, capsys.readouterr().err

    code, err = cli("run", "--follow-record-until", "1949-01", "--runs", "1", "--no-db")
    assert code == 2 and err.count("\n") == 1 and "outside the scenario" in err
    db = tmp_path / "s.duckdb"
    code, _ = cli(
        "run", "--follow-record-until", "1937-07", "--doctrine", "meritocratic", "--runs", "2", "--db", str(db), "--json"
    )
    assert code == 0
    back = stavka.load(db)
    assert (back.runs["follow_record_until"] == "1937-07").all()
    assert not back.careers.empty
    shot = back.events[(back.events["officer"] == "M. N. Tukhachevsky") & (back.events["kind"] == "execution")]
    assert sorted(shot["run"]) == [0, 1] and (shot["month"] == "1937-06").all()


def test_orders_are_the_models_actions() -> None:
    _, schedule = _plan()
    assert set(schedule["action"]) <= {
        a.name.lower() for a in (Action.APPOINT, Action.REMOVE, Action.ARREST, Action.EXECUTE, Action.RELEASE)
    }
    assert np.isin(schedule.loc[schedule["action"] == "appoint", "post"], np.arange(500)).all()
