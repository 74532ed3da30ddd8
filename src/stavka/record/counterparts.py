"""The model's counterpart of the record's facts: for a fact id, one number per simulated run (NaN where the run
does not define it), computed from a `stavka.simulate(..., events=True)` result.

This is the summary-statistic interface of the calibration (`stavka.calibration`): it reads the record's facts
(`facts.fitting_targets`, `facts.checking_facts`) and pairs each with a function here, by id.  A fact with no
function here, or one the simulated corps cannot be compared with, has no counterpart: the calibration lists it as
not used rather than inventing a number.  A new fact gets its counterpart by adding one function to `COUNTERPARTS`;
a mechanism that adds an event kind (e.g. a discharge without arrest) is picked up by the kind sets below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .data import in_group, people
from .facts import Fact

# Event kinds that take an officer out of the corps' posts in the purge: the model's "discharged" (an arrest, a
# removal, and a discharge where the engine has one).  'discharge' is read if the engine emits it.
DISCHARGE_KINDS = ("arrest", "removal", "discharge")
PURGE_YEARS = ("1937-01", "1938-12")
REVIEW_END = "1941-05"  # reinstatements counted up to the war (the record: by 1940-41)
OLD_RANKS = ("kombrig", "komdiv", "komkor", "komandarm_2", "komandarm_1", "marshal")  # rank levels 0..5 before 1940
BORDER_KM = 100.0  # line_back_at_border: mean depth under 100 km (facts.py)


@dataclass
class RunTables:
    """A result's tables, with the derived columns several counterparts share (computed once)."""

    result: Any  # stavka.api.SimulationResult (not imported: the record module stays light)
    cache: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def runs(self) -> np.ndarray:
        return np.asarray(self.result.metrics["run"].to_numpy(), dtype=np.int64)

    @cached_property
    def events(self) -> pd.DataFrame:
        ev = self.result.events
        ev = ev.assign(month=ev["month"].astype(str), post=ev["post"].astype(str), cause=ev["cause"].astype(str))
        return ev.assign(m=[self.calendar.index(m) for m in ev["month"]] if len(ev) else [])

    @cached_property
    def series(self) -> pd.DataFrame:
        return self.result.series

    @property
    def calendar(self) -> Any:
        return self.result.scenario.calendar

    def per_run(self, values: pd.Series, fill: float = np.nan) -> np.ndarray:
        """A value per run id, in the order of `runs`; runs missing from `values` get `fill`."""
        return values.reindex(self.runs).fillna(fill).to_numpy(dtype=float)

    def month(self, label: str) -> int:
        return int(self.calendar.index(label))

    @cached_property
    def initial_rank(self) -> np.ndarray:
        """Rank level by officer id at the start (the same in every run: scenario.py lays the corps out so)."""
        world = self.result.scenario.initial_world(int(self.result.meta["seed"]), self.runs[:1])
        rank = np.zeros(int(world.off["ident"][0].max()) + 1, dtype=np.int64)
        rank[world.off["ident"][0]] = world.off["rank"][0]
        return rank

    def rank_at(self, ev: pd.DataFrame) -> np.ndarray:
        """Each event's officer's rank level just before it: his last promotion or demotion before that month
        (the event's value is the new level), else his rank at the start (an intake starts at 0)."""
        if not len(ev):
            return np.zeros(0, dtype=np.int64)
        allev = self.events
        changes = allev[allev["kind"].isin(("promotion", "demotion"))][["run", "officer_id", "m", "value"]]
        left = ev[["run", "officer_id", "m"]].reset_index().rename(columns={"index": "row"})
        left["m_before"] = left["m"] - 1
        merged = pd.merge_asof(
            left.sort_values("m_before"),
            changes.rename(columns={"m": "m_before"}).sort_values("m_before"),
            on="m_before",
            by=["run", "officer_id"],
            direction="backward",
        ).set_index("row")
        start = self.initial_rank
        ids = ev["officer_id"].to_numpy(dtype=np.int64)
        base = np.where((ids >= 0) & (ids < len(start)), start[np.clip(ids, 0, len(start) - 1)], 0)
        got = merged.loc[ev.index, "value"].to_numpy(dtype=float)
        return np.where(np.isnan(got), base, got).astype(np.int64)


def _purge_discharges(t: RunTables) -> pd.DataFrame:
    """The first discharge of each officer of the purge years (run, officer_id, kind, m, rank)."""
    if "discharges" not in t.cache:
        ev = t.events
        lo, hi = t.month(PURGE_YEARS[0]), t.month(PURGE_YEARS[1])
        d = ev[ev["kind"].isin(DISCHARGE_KINDS) & (ev["m"] >= lo) & (ev["m"] <= hi) & (ev["officer_id"] >= 0)]
        d = d.sort_values(["run", "officer_id", "m"]).drop_duplicates(["run", "officer_id"])
        t.cache["discharges"] = d.assign(rank=t.rank_at(d))
    return t.cache["discharges"]  # type: ignore[no-any-return]


def _arrested_share(rank: int | None) -> Callable[[RunTables], np.ndarray]:
    def f(t: RunTables) -> np.ndarray:
        d = _purge_discharges(t)
        if rank is not None:
            d = d[d["rank"] == rank]
        share = d.assign(a=d["kind"] == "arrest").groupby("run")["a"].mean()
        return t.per_run(share)

    return f


def _reinstated_share(t: RunTables) -> np.ndarray:
    d = _purge_discharges(t)
    ev = t.events
    back = ev[ev["kind"].isin(("release", "return", "reinstatement")) & (ev["m"] <= t.month(REVIEW_END))]
    key = back[["run", "officer_id"]].drop_duplicates().assign(back=True)
    merged = d.merge(key, on=["run", "officer_id"], how="left")
    return t.per_run(merged["back"].fillna(False).astype(float).groupby(merged["run"]).mean())


def _marshals_destroyed(t: RunTables) -> np.ndarray:
    names = [p["short_name"] for p in people() if in_group(p, "marshal_1935")]
    ev = t.events
    dead = ev[
        ev["officer"].isin(names)
        & ((ev["kind"] == "execution") | ((ev["kind"] == "death") & ev["cause"].str.contains("custody")))
    ]
    n = dead.drop_duplicates(["run", "officer"]).groupby("run").size()
    return t.per_run(n, fill=0.0) / len(names)


def _front_shot(t: RunTables) -> pd.DataFrame:
    """Executions during the war of men arrested from a front command (benchmarks/war_fit.py's definition)."""
    ev = t.events
    war = t.month("1941-06")
    arrests = ev[(ev["kind"] == "arrest") & ev["post"].str.endswith(" Front") & (ev["m"] >= war)]
    shot = ev[(ev["kind"] == "execution") & (ev["m"] >= war)]
    return shot.merge(arrests[["run", "officer_id"]].drop_duplicates(), on=["run", "officer_id"])


def _front_shot_between(first: str, last: str) -> Callable[[RunTables], np.ndarray]:
    def f(t: RunTables) -> np.ndarray:
        s = _front_shot(t)
        s = s[(s["m"] >= t.month(first)) & (s["m"] <= t.month(last))]
        return t.per_run(s.groupby("run").size(), fill=0.0)

    return f


def _series(t: RunTables, name: str) -> pd.DataFrame:
    s = t.series
    return s.assign(m=np.tile(np.arange(t.calendar.n_months), len(s) // t.calendar.n_months))[["run", "m", name]]


def _line_deepest(t: RunTables) -> np.ndarray:
    s = _series(t, "front_line").dropna()
    return t.per_run(s.loc[s.groupby("run")["front_line"].idxmax()].set_index("run")["m"].astype(float))


def _line_back(t: RunTables) -> np.ndarray:
    s = _series(t, "front_line").dropna()
    deepest = s.loc[s.groupby("run")["front_line"].idxmax()].set_index("run")["m"]
    s = s[(s["m"] > s["run"].map(deepest)) & (s["front_line"] < BORDER_KM)]
    return t.per_run(s.groupby("run")["m"].min().astype(float))


def _victory(t: RunTables) -> pd.Series:
    ev = t.events
    won = ev[(ev["kind"] == "war") & (ev["cause"] == "war won")]
    return won.groupby("run")["m"].min()


def _victory_month(t: RunTables) -> np.ndarray:
    return t.per_run(_victory(t).astype(float))


def _fronts_at(label: str) -> Callable[[RunTables], np.ndarray]:
    def f(t: RunTables) -> np.ndarray:
        s = _series(t, "fronts")
        return t.per_run(s[s["m"] == t.month(label)].set_index("run")["fronts"].astype(float))

    return f


def _fronts_active(t: RunTables) -> np.ndarray:
    s = _series(t, "fronts")
    s = s[(s["m"] >= t.month("1942-01")) & (s["m"] <= t.month("1944-12"))]
    return t.per_run(s.groupby("run")["fronts"].mean())


def _sideline_lag(t: RunTables) -> np.ndarray:
    """Months from victory to the first sidelining after it (the doctrine's most popular marshal)."""
    ev = t.events
    won = _victory(t)
    side = ev[(ev["kind"] == "transfer") & (ev["cause"] == "sideline")]
    side = side[side["m"] >= side["run"].map(won)]
    return t.per_run((side.groupby("run")["m"].min() - won).dropna().astype(float))


def _line_depth_at(label: str) -> Callable[[RunTables], np.ndarray]:
    def f(t: RunTables) -> np.ndarray:
        s = _series(t, "front_line")
        return t.per_run(s[s["m"] == t.month(label)].set_index("run")["front_line"].astype(float))

    return f


def _front_commands_ended(kinds: tuple[str, ...]) -> Callable[[RunTables], np.ndarray]:
    """Front commands ended by an event of `kinds` taking a man from a front post, June 1941 - May 1945."""

    def f(t: RunTables) -> np.ndarray:
        ev = t.events
        e = ev[
            ev["kind"].isin(kinds)
            & ev["post"].str.endswith(" Front")
            & (ev["m"] >= t.month("1941-06"))
            & (ev["m"] <= t.month("1945-05"))
        ]
        return t.per_run(e.groupby("run").size(), fill=0.0)

    return f


def _captured_defected(t: RunTables) -> np.ndarray:
    ev = t.events
    cap = ev[ev["kind"] == "captured"][["run", "officer_id"]].drop_duplicates()
    dfc = ev[ev["kind"] == "defection"][["run", "officer_id"]].drop_duplicates().assign(d=1.0)
    m = cap.merge(dfc, on=["run", "officer_id"], how="left")
    return t.per_run(m["d"].fillna(0.0).groupby(m["run"]).mean())


COUNTERPARTS: dict[str, Callable[[RunTables], np.ndarray]] = {
    "marshals_1935_destroyed": _marshals_destroyed,
    **{f"purge_arrested_share_{name}": _arrested_share(level) for level, name in enumerate(OLD_RANKS)},
    "purge_arrested_share_kombrig_up": _arrested_share(None),  # the simulated corps is kombrig and above
    "purge_reinstated_share": _reinstated_share,
    "front_commanders_shot_1941": _front_shot_between("1941-06", "1941-12"),
    "line_deepest": _line_deepest,
    "line_back_at_border": _line_back,
    "victory": _victory_month,
    **{f"fronts_{m}": _fronts_at(m) for m in ("1941-06", "1943-01", "1945-05")},
    "zhukov_sidelined_lag": _sideline_lag,
    # checking facts (posterior predictive checks only)
    "front_commanders_shot_war": _front_shot_between("1941-06", "1945-05"),
    "front_commands_relieved_by_year": _front_commands_ended(("removal", "transfer")),
    "front_commands_demoted_by_year": _front_commands_ended(("demotion",)),
    "front_commands_killed_by_year": _front_commands_ended(("killed",)),
    "front_commands_arrested_by_year": _front_commands_ended(("arrest",)),
    "line_depth_1944_06": _line_depth_at("1944-06"),
    "fronts_active_range": _fronts_active,
    "captured_who_defected": _captured_defected,
}
# Not computed, and why (shown with the calibration's targets):
NO_COUNTERPART = {
    "purge_arrested_share_all": "all ranks of the command staff; the simulated corps is only kombrig and above "
    "(purge_arrested_share_kombrig_up is its like-for-like target)"
}


def has_counterpart(fact: Fact) -> bool:
    return fact.comparable and fact.id in COUNTERPARTS


def fact_number(fact: Fact, value: float | str, calendar: Any) -> float:
    """A fact's value or bound as a number: a month YYYY-MM as its index in the scenario's calendar."""
    return float(calendar.index(value)) if isinstance(value, str) else float(value)


def counterparts(result: Any, facts: list[Fact]) -> dict[str, np.ndarray]:
    """{fact id: one value per run} for the facts that have a counterpart (the others are left out)."""
    t = RunTables(result)
    return {f.id: COUNTERPARTS[f.id](t) for f in facts if has_counterpart(f)}
