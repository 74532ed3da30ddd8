"""The engine stepped month by month with decisions from outside (the playable ruler's interface),
and the event vocabulary the API promises."""

from __future__ import annotations

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
