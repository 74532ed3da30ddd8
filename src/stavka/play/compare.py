"""The end of a game: its place among many runs of each doctrine on the same seed (same scenario, same luck),
cached per scenario and seed because every player of that seed is compared with the same runs."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import panel as pn

from ..api import simulate
from ..doctrines import BUILTINS
from ..metrics import numeric
from . import figures
from .game import Game, GameFile, scenario_config

RUNS = int(os.environ.get("STAVKA_PLAY_RUNS", "200"))  # runs per doctrine; modest: the end view waits for them


@lru_cache(maxsize=16)
def doctrine_runs(
    start: str, generated: bool, seed: int, runs: int = RUNS, record_until: str | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Per doctrine: victory month (months from the start, NaN none), deepest line and losses of `runs` runs
    (from the record's state of `record_until`, as the game, when it starts there)."""
    spec = GameFile(
        format="stavka-game",
        version=1,
        start=start,  # type: ignore[arg-type]
        generated_corps=generated,
        seed=seed,
        record_until=record_until,
    )
    cfg = scenario_config(spec)
    out = {}
    for name in BUILTINS:
        res = simulate(cfg, name, runs=runs, seed=seed, events=False)
        cal = res.scenario.calendar
        out[name] = {m: numeric(res.metrics, cal, m) for m in ("victory_month", "max_depth_km", "losses", "executions")}
    return out


def share_text(mine: float, theirs: np.ndarray, lower_is_better: bool = True) -> float:
    """The share of runs the player did better than (NaN counts as worst: no victory)."""
    t = np.where(np.isnan(theirs), np.inf, theirs)
    m = np.inf if np.isnan(mine) else mine
    return float(np.mean(m < t) if lower_is_better else np.mean(m > t))


def statements(g: Game, n_runs: int = RUNS) -> list[str]:
    """ "Your victory came earlier than in 80 % of terror runs": the game against `n_runs` runs of each doctrine."""
    s = g.spec
    runs = doctrine_runs(s.start, s.generated_corps, s.seed, n_runs, s.record_until)
    cal = g.sim.scenario.calendar
    m = g.outcome().metrics
    victory = numeric(m, cal, "victory_month")[0]
    depth = float(m["max_depth_km"].iloc[0])
    lines = []
    for name, r in runs.items():
        won = float(np.mean(~np.isnan(r["victory_month"])))
        if np.isfinite(victory):
            share = 100 * share_text(victory, r["victory_month"])
            lines.append(
                f"Your victory ({cal.label(int(victory))}) came earlier than in {share:.0f} % "
                f"of {name} runs ({100 * won:.0f} % of which won at all)."
            )
        else:
            lines.append(f"You did not win the war; {100 * won:.0f} % of {name} runs did.")
        deeper = 100 * share_text(depth, r["max_depth_km"])
        lines.append(
            f"  The enemy got less deep into the country than in {deeper:.0f} % of {name} runs "
            f"(your deepest line {depth:.0f} km)."
        )
    return lines


def placement(g: Game, n_runs: int = RUNS) -> list[pn.viewable.Viewable]:
    s = g.spec
    runs = doctrine_runs(s.start, s.generated_corps, s.seed, n_runs, s.record_until)
    cal = g.sim.scenario.calendar
    victory = numeric(g.outcome().metrics, cal, "victory_month")[0]
    text = "".join(f"<li>{line}</li>" for line in statements(g, n_runs))
    m = g.outcome().metrics.iloc[0]
    true_off = (
        f"<p>True history: {int(m['arrests'])} arrests, {int(m['executions'])} executions; the official history distorts "
        f"{100 * float(m['history_distortion']):.0f} % of the record and erases {int(m['erased_names'])} names.</p>"
    )
    out = g.outcome()
    kinds = ("arrest", "execution", "interrogation", "victory", "defeat", "erasure", "reattribution", "relabelling")
    t, o = out.events["kind"].value_counts(), out.official["kind"].value_counts()
    rows = "".join(f"<tr><td>{k}</td><td>{int(t.get(k, 0))}</td><td>{int(o.get(k, 0))}</td></tr>" for k in kinds)
    true_off += (
        '<table aria-label="True against official history"><tr><th>entries</th><th>true history</th>'
        f"<th>official history</th></tr>{rows}</table>"
    )
    fig = figures.placement(
        {k: v["victory_month"] for k, v in runs.items()}, victory, cal.n_months, f"{n_runs} runs per doctrine, seed {s.seed}"
    )
    return [pn.pane.HTML(f'<div aria-label="Your game among many runs"><ul>{text}</ul>{true_off}</div>'), pn.pane.Bokeh(fig)]
