"""The engine stepped month by month with decisions from outside (the playable ruler's interface),
and the event vocabulary the API promises."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stavka
from stavka import Action, Orders, Simulation

REQUIRED_TRUE = {
    "denunciation",
    "arrest",
    "release",
    "execution",
    "interrogation",
    "promotion",
    "demotion",
    "transfer",
    "appointment",
    "removal",
    "directive",
    "victory",
    "defeat",
    "encirclement",
    "killed",
    "captured",
    "defection",
    "challenge",
}
REQUIRED_OFFICIAL = {"erasure", "reattribution", "relabelling"}


def _play(orders_at: dict[str, Orders], months: int = 30) -> pd.DataFrame:
    sim = Simulation(doctrine="historical", seed=5, run=2)
    for _ in range(months):
        sim.step(orders_at.get(sim.month))
    return sim.events()


def test_stepping_without_orders_equals_the_batch_run() -> None:
    """A Simulation left to its fallback doctrine is exactly run 2 of seed 5 of `simulate`."""
    sim = Simulation(doctrine="historical", seed=5, run=2)
    while not sim.done:
        sim.step()
    stepped = sim.events().drop(columns=["run"]).reset_index(drop=True)
    batch = stavka.simulate(doctrine="historical", seed=5, run_ids=[2]).events.drop(columns=["run"])
    pd.testing.assert_frame_equal(stepped, batch.reset_index(drop=True))


def test_an_order_from_outside_takes_effect_that_month_and_replays_exactly() -> None:
    sim = Simulation(doctrine="passive", seed=5, run=2)
    view = sim.view()
    serving = (view.officer["status"][0] == 0) & (view.officer["post"][0] >= 0)
    target = int(view.officer["ident"][0][serving][5])
    orders = {"1937-03": Orders(actions={target: Action.INTERROGATE})}
    events = _play(orders)
    mine = events[(events["officer_id"] == target) & (events["month"] == "1937-03")]
    assert "interrogation" in set(mine["kind"]), "the player's interrogation is in the log that month"
    untouched = _play({})
    assert not ((untouched["officer_id"] == target) & (untouched["kind"] == "interrogation")).any()
    pd.testing.assert_frame_equal(events, _play(orders))  # a game is a seed plus its decisions


def test_unknown_officer_in_orders_is_refused() -> None:
    sim = Simulation(doctrine="passive", seed=1, run=0)
    with pytest.raises(KeyError):
        sim.step(Orders(actions={10**9: Action.ARREST}))


def test_the_ledgers_use_every_promised_event_kind() -> None:
    """Across 60 runs of three doctrines every required kind occurs in the true log, and the
    official history uses erasure, reattribution and relabelling."""
    true: set[str] = set()
    official: set[str] = set()
    for doctrine in ("terror", "break_and_use", "historical"):
        res = stavka.simulate(doctrine=doctrine, runs=20, seed=3)
        true |= set(res.events["kind"])
        official |= set(res.official["kind"])
        assert {"run", "month", "kind", "officer", "detail"} <= set(res.events.columns)
        assert res.events["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert true >= REQUIRED_TRUE, f"missing: {REQUIRED_TRUE - true}"
    assert official >= REQUIRED_OFFICIAL, f"missing: {REQUIRED_OFFICIAL - official}"


def _reserve_and_top_post(sim: Simulation) -> tuple[int, int, int]:
    """An officer in service with no post, the first post of 1937 in fill order (the most important: no
    vacancy there moves him away the same month), and that post's holder's id."""
    view = sim.view()
    o = view.officer
    free = (o["status"][0] == 0) & (o["post"][0] < 0)
    officer = int(o["ident"][0][free][0])
    post = next(int(p) for p in view.posts.fill_order if view.posts.front[p] < 0)  # fronts open in 1941
    holder = int(o["ident"][0][o["post"][0] == post][0])
    return officer, post, holder


def test_an_appointment_by_name_puts_the_officer_in_the_post_and_the_holder_in_the_reserve() -> None:
    sim = Simulation(doctrine="passive", seed=5, run=2)
    officer, post, holder = _reserve_and_top_post(sim)
    sim.step(Orders(appoint={officer: post}))
    ev = sim.events()
    month = ev[ev["month"] == "1937-01"]
    mine = month[(month["officer_id"] == officer) & (month["kind"] == "appointment")]
    assert len(mine) == 1 and mine["cause"].iloc[0] == "ruler"
    assert ((month["officer_id"] == holder) & (month["kind"] == "removal")).any()
    o = sim.view().officer
    slot = int(np.flatnonzero(o["ident"][0] == officer)[0])
    assert int(o["post"][0][slot]) == post
    assert int(o["rank"][0][slot]) >= int(sim.view().posts.min_rank[post])  # promoted to the post's rank


def test_appointments_take_places_in_the_attention_budget() -> None:
    """With the budget of 8 decisions a month, 10 appointments by name: the first 8 (slot order among
    equal priorities) are carried out, the last 2 are not."""
    sim = Simulation(doctrine="passive", seed=5, run=2)
    view = sim.view()
    o = view.officer
    free = np.flatnonzero((o["status"][0] == 0) & (o["post"][0] < 0))[:10]
    posts = [int(p) for p in view.posts.fill_order if view.posts.front[p] < 0][:10]  # posts of 1937
    budget = sim.scenario.config.ruler.attention
    assert len(free) == 10 and budget == 8
    orders = {int(o["ident"][0][i]): p for i, p in zip(free, posts, strict=True)}
    sim.step(Orders(appoint=orders))
    ev = sim.events()
    done = ev[(ev["kind"] == "appointment") & (ev["cause"] == "ruler")]["officer_id"].tolist()
    assert done == [int(o["ident"][0][i]) for i in free[:budget]]


def test_bad_appointments_are_refused() -> None:
    sim = Simulation(doctrine="passive", seed=1, run=0)
    officer, post, _ = _reserve_and_top_post(sim)
    with pytest.raises(ValueError, match="no post"):
        sim.step(Orders(appoint={officer: 10**6}))
    with pytest.raises(ValueError, match="one order a month"):
        sim.step(Orders(actions={officer: Action.PROMOTE}, appoint={officer: post}))
    with pytest.raises(ValueError, match="names its post"):
        sim.step(Orders(actions={officer: Action.APPOINT}))
    with pytest.raises(KeyError):
        sim.step(Orders(appoint={10**9: post}))
    assert sim.month == "1937-01"  # nothing was played
