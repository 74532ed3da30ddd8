"""The playable ruler without a browser: the game record replays exactly, branches, and its file is data,
validated field by field; `stavka replay`; the games store; the `human` doctrine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import stavka
from stavka.doctrines import REGISTRY, get_doctrine
from stavka.metrics import METRICS
from stavka.play.game import Act, Game, GameError, GameFile, Hold, MonthOrders, parse_game
from stavka.play.store import GameStore, StoreError

BASE = {"format": "stavka-game", "version": 1, "start": "1941-06", "seed": 7, "run": 3, "fallback": "historical"}


def _played(months: int = 6) -> Game:
    """A game with acts of several kinds (an appointment among them), hold orders and a credit policy."""
    g = Game(GameFile.model_validate(BASE))
    for k in range(months):
        v = g.sim.view()
        o = {f: v.officer[f][0] for f in ("ident", "post", "status", "rank")}
        serving = o["ident"][(o["status"] == 0) & (o["post"] >= 0)]
        reserve = o["ident"][(o["status"] == 0) & (o["post"] < 0)]
        acts = [Act(officer=int(serving[10 + k]), act="interrogate"), Act(officer=int(serving[40 + k]), act="charm")]
        if k == 1:
            acts.append(Act(officer=int(reserve[0]), act="appoint", post=5))
        if k == 2:
            acts.append(Act(officer=int(serving[60]), act="arrest"))
        g.play(MonthOrders(month=g.month, acts=acts, hold=[Hold(front=1, hold=k % 2 == 0)], credit=0.25 * (k % 4)))
    return g


@pytest.fixture(scope="module")
def game() -> Game:
    return _played()


def test_a_game_file_replays_to_the_same_history(game: Game) -> None:
    again = Game.from_json(game.to_json())
    pd.testing.assert_frame_equal(game.history(), again.history())
    pd.testing.assert_frame_equal(game.outcome().official, again.outcome().official)
    pd.testing.assert_frame_equal(game.outcome().metrics, again.outcome().metrics)
    pd.testing.assert_frame_equal(game.outcome().series, again.outcome().series)
    ev = game.history()
    mine = ev[ev["cause"] == "ruler"]
    assert {"interrogation", "charm", "appointment", "arrest"} <= set(mine["kind"])
    assert json.loads(game.to_json())["months"][1]["acts"][2] == {
        "officer": int(game.months[1].acts[2].officer),
        "act": "appoint",
        "post": 5,
    }


def test_the_player_changes_history(game: Game) -> None:
    """The same seed and run with no decisions (all to the staff) is another history."""
    idle = Game(GameFile.model_validate(BASE))
    for _ in range(len(game.months)):
        idle.play()
    assert not idle.history().equals(game.history())
    ev, base = game.history(), idle.history()
    for m in game.months:
        a = m.acts[0]  # an interrogation the player ordered: in his history that month, not in the staff's
        assert ((ev["month"] == m.month) & (ev["officer_id"] == a.officer) & (ev["kind"] == "interrogation")).any()
        assert not ((base["month"] == m.month) & (base["officer_id"] == a.officer) & (base["kind"] == "interrogation")).any()


def test_a_branch_keeps_the_past_and_diverges_after(game: Game) -> None:
    spec = game.branch("1941-09")
    assert [m.month for m in spec.months] == ["1941-06", "1941-07", "1941-08"]
    branch = Game(spec)
    assert branch.month == "1941-09"
    ev, past = game.history(), branch.history()
    pd.testing.assert_frame_equal(ev[ev["month"] < "1941-09"].reset_index(drop=True), past.reset_index(drop=True))
    branch.play()  # the staff decides 1941-09 this time
    assert not branch.history().equals(ev[ev["month"] <= "1941-09"].reset_index(drop=True))
    with pytest.raises(GameError, match="not one this game has reached"):
        game.branch("1948-01")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"\x89PNG\r\n", "not JSON"),
        ("[1, 2]", "not a stavka game file"),
        (json.dumps({"format": "other", "version": 1}), "not a stavka game file"),
        (json.dumps({**BASE, "version": 2}), "version 2"),
        (json.dumps({**BASE, "seed": "7"}), "seed"),
        (json.dumps({**BASE, "seed": True}), "seed"),
        (json.dumps({**BASE, "run": -1}), "run"),
        (json.dumps({**BASE, "fallback": "my_doctrine.py"}), "fallback"),
        (json.dumps({**BASE, "start": "1939-09"}), "start"),
        (json.dumps({**BASE, "exec": "import os"}), "exec"),
        (json.dumps({**BASE, "months": [{"month": "1941-07"}]}), "expected 1941-06"),
        (json.dumps({**BASE, "months": [{"month": "1941-06", "acts": [{"officer": 1, "act": "poison"}]}]}), "act"),
        (json.dumps({**BASE, "months": [{"month": "1941-06", "acts": [{"officer": 1, "act": "appoint"}]}]}), "needs a post"),
        (
            json.dumps({**BASE, "months": [{"month": "1941-06", "acts": [{"officer": 1, "act": "arrest", "post": 2}]}]}),
            "takes no post",
        ),
        (
            json.dumps(
                {
                    **BASE,
                    "months": [{"month": "1941-06", "acts": [{"officer": 1, "act": "arrest"}, {"officer": 1, "act": "charm"}]}],
                }
            ),
            "two acts",
        ),
        (json.dumps({**BASE, "months": [{"month": "1941-06", "credit": 1.5}]}), "credit"),
        (json.dumps({**BASE, "months": [{"month": "1941-06", "hold": [{"front": 1, "hold": 1}]}]}), "hold"),
    ],
)
def test_a_bad_file_is_refused_in_one_line_naming_the_field(text: str | bytes, expected: str) -> None:
    with pytest.raises(GameError) as err:
        parse_game(text, "f.json")
    msg = str(err.value)
    assert msg.startswith("f.json: ") and expected in msg and "\n" not in msg


def test_a_file_whose_orders_cannot_be_played_is_refused() -> None:
    bad = {**BASE, "months": [{"month": "1941-06", "acts": [{"officer": 10**9, "act": "arrest"}]}]}
    with pytest.raises(GameError, match="no officer with id 1000000000"):
        Game.from_json(json.dumps(bad))
    far = {**BASE, "months": [{"month": "1941-06", "acts": [{"officer": 1, "act": "appoint", "post": 9999}]}]}
    with pytest.raises(GameError, match="post 9999"):
        Game.from_json(json.dumps(far))
    with pytest.raises(GameError, match="too large"):
        parse_game(" " * 5_000_000)


def test_stavka_replay_prints_the_metrics_and_refuses_bad_files(game: Game, tmp_path: Path) -> None:
    path = tmp_path / "game.json"
    path.write_text(game.to_json())
    run = subprocess.run(
        [sys.executable, "-m", "stavka.cli", "replay", str(path), "--json"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    m = game.outcome().metrics.iloc[0]
    assert out["months"] == 6 and out["reached"] == "1941-12"
    assert out["metrics"]["arrests"] == int(m["arrests"]) and out["metrics"]["interrogations"] == int(m["interrogations"])
    assert np.isclose(out["metrics"]["losses"], float(m["losses"]))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**BASE, "seed": "x"}))
    for target in (bad, tmp_path / "missing.json"):
        res = subprocess.run(
            [sys.executable, "-m", "stavka.cli", "replay", str(target)], capture_output=True, text=True, timeout=120
        )
        assert res.returncode == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
        assert str(target) in res.stderr


def test_the_store_keeps_each_game_apart_and_refuses_a_foreign_file(game: Game, tmp_path: Path) -> None:
    db = tmp_path / "games.duckdb"
    store = GameStore(db)
    store.save("a", game)
    store.save("b", GameFile.model_validate(BASE))
    store.close()
    again = GameStore(db)  # as after a restart
    a, b = again.load("a"), again.load("b")
    assert a is not None and b is not None and again.load("c") is None
    assert a.month == game.month and b.month == "1941-06"
    pd.testing.assert_frame_equal(a.history(), game.history())
    again.close()
    foreign = tmp_path / "other.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("create table results (x integer)")
    con.close()
    with pytest.raises(StoreError, match="not a stavka games store"):
        GameStore(foreign)


def test_the_human_doctrine_without_orders_is_its_fallback() -> None:
    assert "human" in REGISTRY
    a = stavka.simulate(doctrine="human", runs=20, seed=11)
    b = stavka.simulate(doctrine="historical", runs=20, seed=11)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    terror = get_doctrine(REGISTRY["human"](fallback="terror"))
    c = stavka.simulate(doctrine=terror, runs=20, seed=11)
    pd.testing.assert_frame_equal(c.metrics, stavka.simulate(doctrine="terror", runs=20, seed=11).metrics)


def test_costs_and_explanations_come_from_the_parameters_and_the_events(game: Game) -> None:
    from stavka.config import load_scenario
    from stavka.play import explain

    base = explain.act_costs(load_scenario("default"))
    other = explain.act_costs(load_scenario("default", **{"command.demotion_grievance": 0.33}))
    assert set(base) == {"arrest", "execute", "release", "interrogate", "promote", "demote", "remove", "rotate", "sideline"} | {
        "recall",
        "charm",
        "appoint",
        "transfer",
    }
    assert "+0.33" in other["demote"] and "+0.33" not in base["demote"]
    cfg = game.sim.scenario.config
    noise = cfg.ruler.interrogation_noise
    text = explain.act_preview(cfg, "interrogate", 0.6, 0.04)
    width = 2 * explain.Z90 * (0.04 * noise**2 / (0.04 + noise**2)) ** 0.5
    assert f"{width:.2f} wide" in text and explain.act_preview(cfg, "promote", 0.6, 0.04) == ""
    target = game.months[0].acts[0].officer  # interrogated by the player in 1941-06
    why = explain.explain_officer(game, target, "him")
    assert "Loyalty, as believed" in why and "1941-06 interrogation" in why
    front = explain.explain_front(game, 1, "Western Front")
    assert "km east of the 1941 border" in front and "The events behind it" in front


def test_the_names_shown_are_the_ledgers_names(game: Game) -> None:
    """Every officer the ledger names (the roster's, generated ones, and newcomers in freed slots) is named
    the same on the page, by id; the generated corps has no historical name."""
    ev = game.history()
    ev = ev[ev["officer_id"] >= 0].drop_duplicates("officer_id")
    assert game.names_of(ev["officer_id"].to_numpy()) == list(ev["officer"])
    gen = Game(GameFile.model_validate({**BASE, "generated_corps": True}))
    real = {e.short_name for e in game.sim.scenario.roster}
    assert not real & set(gen.slot_names())


def test_a_game_not_yet_played_has_an_empty_record() -> None:
    g = Game(GameFile.model_validate(BASE))
    out = g.outcome()
    assert list(out.metrics.columns) == ["run", *METRICS]
    assert len(out.events) == 0 and len(out.official) == 0 and len(out.series) == 0
    assert int(out.metrics["arrests"].iloc[0]) == 0 and out.metrics["victory_month"].iloc[0] is None


def test_the_end_places_the_game_among_runs_of_each_doctrine() -> None:
    """The statements are the shares of each doctrine's runs (same scenario, same seed) the game beat."""
    from stavka.play import compare

    g = Game(GameFile.model_validate({**BASE, "months": []}))
    while not g.done:
        g.play()
    lines = compare.statements(g, n_runs=20)
    runs = compare.doctrine_runs("1941-06", False, 7, 20)
    assert set(runs) == {"terror", "break_and_use", "meritocratic", "historical", "passive"}
    terror = compare.simulate(compare.scenario_config(g.spec), "terror", runs=20, seed=7, events=False)
    victory = compare.numeric(terror.metrics, g.sim.scenario.calendar, "victory_month")
    assert np.array_equal(victory, runs["terror"]["victory_month"], equal_nan=True)
    mine = compare.numeric(g.outcome().metrics, g.sim.scenario.calendar, "victory_month")[0]
    share = round(100 * compare.share_text(mine, victory))
    assert any(f"{share} % of terror runs" in line for line in lines), lines
    assert compare.share_text(10.0, np.array([5.0, 20.0, np.nan, 30.0])) == 0.75  # no victory counts as later


def test_a_game_can_start_from_the_records_state_of_a_month() -> None:
    """From the record's state of July 1941: the record played 1937-01 .. 1941-06 (Tukhachevsky shot in 1937,
    Pavlov at the Western Front), the player's first month is 1941-07 (Pavlov's fate is his), and the file
    replays and branches on the player's months."""
    spec = GameFile(format="stavka-game", version=1, start="1937-01", record_until="1941-07", seed=3)
    g = Game(spec)
    assert g.month == "1941-07" and g.months == []
    ev = g.outcome().events
    shot = ev[(ev["kind"] == "execution") & (ev["officer"] == "M. N. Tukhachevsky")]
    assert shot["month"].astype(str).str.startswith("1937").any()
    pavlov = ev[(ev["officer"] == "D. G. Pavlov") & (ev["kind"] == "appointment") & (ev["post"] == "Western Front")]
    assert len(pavlov) and not (ev[(ev["officer"] == "D. G. Pavlov")]["kind"] == "execution").any()
    g.play(MonthOrders(month="1941-07"))
    g.play(MonthOrders(month="1941-08"))
    again = Game.from_json(g.to_json())
    assert again.month == g.month == "1941-09"
    pd.testing.assert_frame_equal(again.outcome().events, g.outcome().events)
    assert Game(g.branch("1941-08")).month == "1941-08"
    with pytest.raises(GameError, match="record_until"):
        parse_game(json.dumps({"format": "stavka-game", "version": 1, "start": "1941-06", "record_until": "1941-07"}))
