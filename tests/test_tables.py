"""Careers and officers (`stavka.tables`): read off the true event log and the initial world, consistent with both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stavka
from stavka.tables import CAREER_COLUMNS, OFFICER_COLUMNS, EventColumns, build_tables

RUNS, SEED = 24, 5


@pytest.fixture(scope="module")
def result() -> stavka.SimulationResult:
    return stavka.simulate("default", "historical", runs=RUNS, seed=SEED)


def _spells(careers: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Each row with the next row of the same key (by from month): `next_from`."""
    c = careers.sort_values([*key, "from_month", "to_month"], kind="stable", na_position="last").copy()
    c["next_from"] = c.groupby(key)["from_month"].shift(-1)
    return c


def test_columns(result: stavka.SimulationResult) -> None:
    assert list(result.careers.columns) == CAREER_COLUMNS
    assert list(result.officers.columns) == OFFICER_COLUMNS
    assert set(result.careers["run"]) == set(range(RUNS)) == set(result.officers["run"])
    assert set(result.careers["post_kind"]) <= {"staff", "front", "army", "district", "corps"}


def test_one_post_at_a_time_and_one_holder_at_a_time(result: stavka.SimulationResult) -> None:
    c = result.careers
    assert (c["to_month"].isna() | (c["to_month"] >= c["from_month"])).all()
    for key in (["run", "officer_id"], ["run", "post"]):
        s = _spells(c, key)
        follows = s["next_from"].notna()
        # a row with a successor is closed, and the successor begins no earlier than it ends
        assert s.loc[follows, "to_month"].notna().all(), key
        assert (s.loc[follows, "next_from"] >= s.loc[follows, "to_month"]).all(), key


def test_every_move_opens_or_closes_a_row(result: stavka.SimulationResult) -> None:
    c, ev = result.careers, result.events
    opened = set(zip(c["run"], c["officer_id"], c["post"], c["from_month"], strict=True))
    closed = set(zip(c["run"], c["officer_id"], c["post"], c["to_month"], strict=True))
    key = ["run", "officer_id", "post", "month"]
    appointed = ev[ev["kind"] == "appointment"][key].itertuples(index=False, name=None)
    assert all(k in opened for k in appointed)
    leaving = ev[ev["kind"].isin(["removal", "arrest", "killed", "captured", "retirement"]) & (ev["post"] != "")]
    assert len(leaving) and all(k in closed for k in leaving[key].itertuples(index=False, name=None))
    moved = ev[ev["kind"] == "transfer"][key].itertuples(index=False, name=None)
    assert all(k in opened or k in closed for k in moved)


def test_rank_changes_split_rows(result: stavka.SimulationResult) -> None:
    """No row spans a month in which its officer's rank changed, and a row begun that month and open at its end
    has his new rank."""
    c, ev = result.careers, result.events
    ranked = ev[ev["kind"].isin(["promotion", "demotion"])]
    last = ranked.groupby(["run", "officer_id", "month"])["value"].last()
    assert len(last)
    rows = c.merge(last.rename("rank_then").reset_index(), on=["run", "officer_id"])
    spans = (rows["from_month"] < rows["month"]) & (rows["to_month"].isna() | (rows["to_month"] > rows["month"]))
    assert not spans.any()
    # a row begun that month and still open at its end (one begun and closed within the month, a post passed
    # through on the way to another, as the staff sent to a front in a crisis, has the rank of its moment)
    begun = rows[(rows["from_month"] == rows["month"]) & (rows["to_month"].isna() | (rows["to_month"] > rows["month"]))]
    assert len(begun) and (begun["rank_level"] == begun["rank_then"]).all()
    old = c["from_month"] < "1940-06"
    assert c.loc[old & (c["rank_level"] == 2), "rank"].eq("Komkor").all()
    assert c.loc[~old & (c["rank_level"] == 2), "rank"].eq("Lieutenant General").all()


def test_officers_traits_are_the_initial_worlds(result: stavka.SimulationResult) -> None:
    scen = result.scenario
    world = scen.initial_world(SEED, np.arange(RUNS, dtype=np.int64))
    n = scen.config.corps.n_officers
    o = result.officers
    first = o[o["officer_id"] < n]
    assert len(first) == RUNS * n
    for column, field in (("competence", "comp"), ("loyalty", "loyal"), ("ambition", "ambition")):
        want = world.off[field][first["run"].to_numpy(), first["officer_id"].to_numpy()]
        np.testing.assert_array_equal(first[column].to_numpy(), want)
    named = first[first["named"]]
    by_key = {i: e for i, e in enumerate(scen.roster)}
    assert (named["name"] == [by_key[i].short_name for i in named["officer_id"]]).all()
    assert (named["born"] == [by_key[i].born_year for i in named["officer_id"]]).all()
    later = o[o["officer_id"] >= n]  # officers of a later intake: their traits are not kept by the engine
    assert later[["competence", "loyalty", "ambition"]].isna().all().all()


def test_fates_follow_the_events(result: stavka.SimulationResult) -> None:
    ev, o = result.events, result.officers
    fatal = {"execution": "executed", "killed": "killed", "defection": "defected", "retirement": "retired"}
    last = ev[ev["kind"].isin([*fatal, "arrest", "release", "captured", "death", "return", "escape"])]
    last = last.groupby(["run", "officer_id"]).tail(1)
    merged = last.merge(o, on=["run", "officer_id"])
    for kind, fate in fatal.items():
        rows = merged[merged["kind"] == kind]
        assert (rows["fate"] == fate).all() and (rows["fate_month"] == rows["month"]).all()
    assert (merged.loc[merged["kind"] == "release", "fate"] == "serving").all()
    names = ev[ev["officer_id"] >= 0].drop_duplicates(["run", "officer_id"])[["run", "officer_id", "officer"]]
    both = names.merge(o, on=["run", "officer_id"])
    assert len(both) == len(names) and (both["officer"] == both["name"]).all()


def test_same_tables_alone_and_in_a_batch(result: stavka.SimulationResult) -> None:
    alone = stavka.simulate("default", "historical", seed=SEED, run_ids=[7])
    for table in ("careers", "officers"):
        batch = getattr(result, table)
        pd.testing.assert_frame_equal(
            getattr(alone, table).reset_index(drop=True), batch[batch["run"] == 7].reset_index(drop=True), obj=table
        )


def test_from_the_table_as_from_the_columns(result: stavka.SimulationResult) -> None:
    careers, officers = build_tables(
        EventColumns.of_frame(result.events, result.scenario), result.scenario, SEED, np.arange(RUNS, dtype=np.int64)
    )
    pd.testing.assert_frame_equal(careers, result.careers)
    pd.testing.assert_frame_equal(officers, result.officers)


def test_without_events_the_tables_have_no_rows() -> None:
    res = stavka.simulate("default", "historical", runs=2, seed=SEED, events=False)
    assert res.careers.empty and list(res.careers.columns) == CAREER_COLUMNS
    assert res.officers.empty and list(res.officers.columns) == OFFICER_COLUMNS
