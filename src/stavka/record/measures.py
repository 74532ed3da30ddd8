"""The model's counterpart of each stylised fact: one number per simulated run, read off its tables.

A `Measure` turns a `SimulationResult` (true events, series, metrics) into one value per run, on the same
denominator as its fact (`facts.py`) where the simulated corps allows it; NaN where the run does not define
it (no victory, no arrests).  `compare` sets each measure beside its fact: the model's mean or median, the
share of runs inside the record's range, and whether the fact is an input (reproduced by construction: the
fronts come from the calendar), a fitting target or a checking fact.  The property-10 tests, the fitting
script and the calibration's summary statistics all read these, so a fact and its measure live together.

A month is measured as months since 1937-01 (`month_index`), so that months average and compare.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..calendar import Calendar
from .data import in_group, people
from .facts import Fact, facts

if TYPE_CHECKING:
    from ..api import SimulationResult

Summary = Literal["mean", "median"]
BASE_YEAR = 1937  # month_index 0 is January of this year


_MONTHS = Calendar(f"{BASE_YEAR}-01", f"{BASE_YEAR}-01")  # only its month arithmetic is used


def month_index(label: str) -> int:
    """'1941-06' -> months since 1937-01 (53)."""
    return _MONTHS.index(label)


def month_indices(labels: pd.Series) -> pd.Series:
    """`month_index` of each label."""
    s = labels.astype(str)
    return (s.str[:4].astype(int) - BASE_YEAR) * 12 + s.str[5:7].astype(int) - 1


def month_label(index: float) -> str:
    return _MONTHS.label(int(round(index)))


@dataclass(frozen=True)
class Measure:
    fact: str  # the id of its fact in facts.py
    of_runs: Callable[[SimulationResult], np.ndarray]  # one value per run, in the order of result.metrics
    summary: Summary  # how the runs are summarised against the fact: mean (counts, shares) or median (months)
    what: str  # what is counted in the model, and on what denominator
    is_input: bool = False  # reproduced by construction (an input of the scenario), not evidence of fit


def _runs(res: SimulationResult) -> pd.Index:
    return pd.Index(res.metrics["run"])


def _per_run(values: pd.Series, res: SimulationResult, fill: float = np.nan) -> np.ndarray:
    return values.reindex(_runs(res), fill_value=fill).to_numpy(dtype=float)


def _short_names(group: str) -> list[str]:
    return [p["short_name"] for p in people() if in_group(p, group)]


def _events(res: SimulationResult, kinds: tuple[str, ...]) -> pd.DataFrame:
    ev = res.events
    return ev[ev["kind"].isin(kinds)]


def _shot_commanders(first: str, last: str) -> Callable[[SimulationResult], np.ndarray]:
    """Officers shot between two months who held a front command in the war before (from the careers table: a
    spell in a front post that was held in or after June 1941 and began no later than the execution month)."""

    def of_runs(res: SimulationResult) -> np.ndarray:
        c = res.careers
        held = c[(c["post_kind"] == "front") & (c["to_month"].isna() | (c["to_month"].astype(str) >= "1941-06"))]
        began = held.groupby(["run", "officer_id"])["from_month"].min().astype(str)
        shot = _events(res, ("execution",))
        m = shot["month"].astype(str)
        shot = shot[(m >= first) & (m <= last)].drop_duplicates(["run", "officer_id"]).set_index(["run", "officer_id"])
        both = shot.join(began.rename("held_from"), how="inner")
        both = both[both["held_from"] <= both["month"].astype(str)]
        return _per_run(both.groupby(level="run").size(), res, fill=0.0)

    return of_runs


def _marshals_destroyed(res: SimulationResult) -> np.ndarray:
    """Share of the five Marshals of 1935 shot or dead in custody before the war."""
    marshals = _short_names("marshal_1935")
    ev = res.events
    gone = ev[ev["officer"].isin(marshals) & (ev["month"].astype(str) < "1941-06")]
    gone = gone[(gone["kind"] == "execution") | ((gone["kind"] == "death") & (gone["cause"] == "custody"))]
    return _per_run(gone.drop_duplicates(["run", "officer_id"]).groupby("run").size(), res, fill=0.0) / len(marshals)


def _removed_1937_38(res: SimulationResult) -> pd.DataFrame:
    """(run, officer_id) of every officer removed in 1937-38, arrested or discharged (Reese's two processes),
    first removal only."""
    a = _events(res, ("arrest", "discharge"))
    m = a["month"].astype(str)
    return a[(m >= "1937-01") & (m <= "1938-12")].drop_duplicates(["run", "officer_id"])[["run", "officer_id", "month"]]


def _reinstated_share(res: SimulationResult) -> np.ndarray:
    """Share of the officers removed in 1937-38 (arrested or discharged) who were back in the army (released or
    reinstated) before the war."""
    removed = _removed_1937_38(res)
    back = _events(res, ("release", "reinstatement"))
    back = back[back["month"].astype(str) < "1941-06"].drop_duplicates(["run", "officer_id"])[["run", "officer_id"]]
    back["back"] = 1.0
    joined = removed.merge(back, on=["run", "officer_id"], how="left").fillna({"back": 0.0})
    return _per_run(joined.groupby("run")["back"].mean(), res)


# The purge's arrested share by personal rank (facts A3, Cherushev's table: of the officers of each personal rank
# discharged in 1937-38 and not reinstated later, the share arrested).  The model's rank levels 0-5 are Kombrig ..
# Marshal before June 1940 (roster.OLD_RANK_NAMES), the simulated corps' ranks.
PURGE_RANKS = {"marshal": 5, "komandarm_1": 4, "komandarm_2": 3, "komkor": 2, "komdiv": 1, "kombrig": 0}  # facts' order
# Cherushev's discharged, not reinstated, by rank (facts A3): the record's rank mix of its kombrig-and-above share.
PURGE_RECORD_MIX = {0: 266, 1: 133, 2: 74, 3: 10, 4: 4, 5: 3}
REINSTATED_BY = "1940-12"  # "later reinstated": back by the end of 1940 (facts A2 counts the returned by 1 Jan 1941)


_PURGED: list[tuple[weakref.ref[pd.DataFrame], pd.DataFrame]] = []  # the last result's rows (its seven measures share them)


def _purged_not_reinstated(res: SimulationResult) -> pd.DataFrame:
    ev = res.events
    if _PURGED and _PURGED[0][0]() is ev:
        return _PURGED[0][1]
    out = _purged_rows(res)
    _PURGED[:] = [(weakref.ref(ev), out)]
    return out


def _purged_rows(res: SimulationResult) -> pd.DataFrame:
    """One row per officer first removed (arrested, discharged or shot) in 1937-38 and not back in the army
    (released or reinstated) by the end of 1940: run, officer_id, rank (his rank level when removed: the last rank
    the ledger gave him before the removal, else his rank at the start; an officer of a later intake starts at 0)
    and arrested (arrested or shot by the end of 1940, before or after a discharge)."""
    ev = res.events
    m = ev["month"].astype(str)
    rows = ev[ev["kind"].isin(("promotion", "demotion", "arrest", "discharge", "execution")) & (m <= REINSTATED_BY)]
    rows = rows[["run", "officer_id", "month", "kind", "value"]].copy()
    rows["at"] = np.arange(len(rows))  # the ledger's order: each run's rows in month and emission order
    rows = rows.sort_values(["run", "officer_id", "at"], kind="stable")
    changes = rows["kind"].isin(("promotion", "demotion"))
    # A rank change's value is the rank after it: the rank held at a removal is the last change before its row.
    rows["rank"] = rows["value"].where(changes).groupby([rows["run"], rows["officer_id"]]).ffill()
    init = np.asarray(res.scenario._corps_layout.row["rank"], dtype=float)
    ids = rows["officer_id"].to_numpy()
    start = np.where(ids < len(init), init[np.minimum(ids, len(init) - 1)], 0.0)
    rows["rank"] = rows["rank"].fillna(pd.Series(start, index=rows.index))
    out = rows[~changes]
    mm = out["month"].astype(str)
    first = out.drop_duplicates(["run", "officer_id"])
    first = first[(first["month"].astype(str) >= "1937-01") & (first["month"].astype(str) <= "1938-12")]
    arrested = out[out["kind"].isin(("arrest", "execution")) & (mm >= "1937-01")][["run", "officer_id"]].drop_duplicates()
    back = _events(res, ("release", "reinstatement"))
    back = back[back["month"].astype(str) <= REINSTATED_BY][["run", "officer_id"]].drop_duplicates()
    first = first.merge(back.assign(back=1), on=["run", "officer_id"], how="left")
    first = first[first["back"].isna()]
    first = first.merge(arrested.assign(hit=1), on=["run", "officer_id"], how="left")
    first["arrested"] = first["hit"].notna().astype(float)
    return first[["run", "officer_id", "rank", "arrested"]].astype({"rank": int})


def _arrested_share_of_rank(level: int) -> Callable[[SimulationResult], np.ndarray]:
    """Share arrested of the officers of rank `level` removed in 1937-38 and not reinstated (NaN: none in the run)."""

    def of_runs(res: SimulationResult) -> np.ndarray:
        p = _purged_not_reinstated(res)
        return _per_run(p[p["rank"] == level].groupby("run")["arrested"].mean(), res)

    return of_runs


def _arrested_share_record_mix(res: SimulationResult) -> np.ndarray:
    """The arrested share of the removed not reinstated, Kombrig to Marshal, at the record's rank mix: each rank's
    share in the run weighted by Cherushev's count of that rank's discharged (266 Kombrigs .. 3 Marshals, facts A3;
    direct standardisation).  The simulated corps' own mix differs (it removes about as many Komdivs as Kombrigs, the
    record twice as many Kombrigs), so its crude share is not the record's quantity.  A rank the run does not remove
    drops out and the weights of the others are renormalised."""
    p = _purged_not_reinstated(res)
    share = p.groupby(["run", "rank"])["arrested"].mean().unstack("rank")
    w = pd.Series(PURGE_RECORD_MIX, dtype=float).reindex(share.columns).fillna(0.0)
    defined = share.notna().mul(w, axis=1).sum(axis=1)
    mixed = share.fillna(0.0).mul(w, axis=1).sum(axis=1) / defined.where(defined > 0)
    return _per_run(mixed, res)


def _arrested_share_crude(res: SimulationResult) -> np.ndarray:
    """The arrested share of all the removed not reinstated, at the simulated corps' own rank mix (a diagnostic)."""
    return _per_run(_purged_not_reinstated(res).groupby("run")["arrested"].mean(), res)


def _series_at(name: str, month: str) -> Callable[[SimulationResult], np.ndarray]:
    def of_runs(res: SimulationResult) -> np.ndarray:
        s = res.series
        return _per_run(s[s["month"] == month].set_index("run")[name], res)

    return of_runs


def _fronts_at_war_end(month: str) -> Callable[[SimulationResult], np.ndarray]:
    """Fronts active in `month`, or in the war's last month of fighting if it ended before: the series counts 0
    fronts in the month of victory itself (the fronts are dissolved with it), so a run won in April or May would
    otherwise read 0 against the record's 8 of 9 May 1945."""

    def of_runs(res: SimulationResult) -> np.ndarray:
        s = res.series
        fighting = s[(s["month"] <= month) & (s["fronts"] > 0)].sort_values(["run", "month"])
        return _per_run(fighting.groupby("run")["fronts"].last(), res)

    return of_runs


def _deepest_month(res: SimulationResult) -> np.ndarray:
    s = res.series.dropna(subset=["front_line"])
    deepest = s.loc[s.groupby("run")["front_line"].idxmax(), ["run", "month"]].set_index("run")["month"]
    return _per_run(month_indices(deepest), res)


def _back_at_border(res: SimulationResult) -> np.ndarray:
    """First month after the deepest one in which the line is under 100 km deep (facts.md: mid-1944)."""
    s = res.series.dropna(subset=["front_line"]).copy()
    s["t"] = month_indices(s["month"])
    deepest = s.loc[s.groupby("run")["front_line"].idxmax(), ["run", "t"]].set_index("run")["t"]
    s = s.join(deepest.rename("t_deep"), on="run")
    back = s[(s["t"] > s["t_deep"]) & (s["front_line"] < 100.0)].groupby("run")["t"].min()
    return _per_run(back, res)


def _victory(res: SimulationResult) -> np.ndarray:
    won = res.metrics.set_index("run")["victory_month"].dropna()
    return _per_run(month_indices(won), res)


def _sidelined_lag(res: SimulationResult) -> np.ndarray:
    """Months from victory to the first sidelining (a transfer with cause 'sideline') of the run."""
    moves = _events(res, ("transfer",))
    side = moves[moves["cause"] == "sideline"].groupby("run")["month"].min()
    won = res.metrics.set_index("run")["victory_month"].dropna()
    both = pd.DataFrame({"side": side, "won": won}).dropna()
    return _per_run(month_indices(both["side"]) - month_indices(both["won"]), res)


def _defected_share(res: SimulationResult) -> np.ndarray:
    m = res.metrics.set_index("run")
    captured = m["commanders_captured"].astype(float)
    return _per_run((m["defections"] / captured).where(captured > 0), res)


def marshals_serving(month: str) -> Callable[[SimulationResult], np.ndarray]:
    """Officers at Marshal rank (level 5) holding a post in `month`, a run (the careers table: a spell covers the
    months from its first up to, not including, its last; an open spell runs on; the reserve is not counted)."""

    def measure(res: SimulationResult) -> np.ndarray:
        c = res.careers
        start = c["from_month"].astype(str)
        end = c["to_month"].astype(str)
        held = (c["rank_level"] == 5) & (start <= month) & (c["to_month"].isna() | (end > month))
        counts = c[held].drop_duplicates(["run", "officer_id"]).groupby("run").size()
        return _per_run(counts, res, fill=0.0)

    return measure


MEASURES: tuple[Measure, ...] = (
    Measure(
        "marshals_1935_destroyed",
        _marshals_destroyed,
        "mean",
        "share of the 5 named Marshals of 1935 shot or dead in custody before June 1941",
    ),
    *(
        Measure(
            f"purge_arrested_share_{rank}",
            _arrested_share_of_rank(level),
            "mean",
            f"share arrested (by 1940) of the officers of rank level {level} ({rank}) when first removed (arrested or "
            "discharged) in 1937-38 and not back (released or reinstated) by 1940-12",
        )
        for rank, level in PURGE_RANKS.items()
    ),
    Measure(
        "purge_arrested_share_kombrig_up",
        _arrested_share_record_mix,
        "mean",
        "share arrested of the officers removed in 1937-38 and not back by 1940-12, Kombrig to Marshal, each rank's "
        "share weighted by the record's count of that rank's discharged (Cherushev, facts A3: 266, 133, 74, 10, 4, 3)",
    ),
    Measure(
        "purge_reinstated_share",
        _reinstated_share,
        "mean",
        "share of the officers removed in 1937-38 (arrested or discharged) back in the army (released or "
        "reinstated) before June 1941 (the model's corps, colonel to marshal; the record's: all the discharged)",
    ),
    Measure(
        "front_commanders_shot_1941",
        _shot_commanders("1941-06", "1941-12"),
        "mean",
        "officers shot in 1941 who had held a front command in the war before",
    ),
    Measure(
        "front_commanders_shot_war",
        _shot_commanders("1941-06", "1945-05"),
        "mean",
        "officers shot June 1941 - May 1945 who had held a front command in the war before",
    ),
    Measure("line_deepest", _deepest_month, "median", "month of the deepest line (series front_line)"),
    Measure("line_back_at_border", _back_at_border, "median", "first month after the deepest with the line under 100 km"),
    Measure("line_depth_1944_06", _series_at("front_line", "1944-06"), "mean", "depth of the line in June 1944 (km)"),
    Measure("victory", _victory, "median", "victory month, in the runs that win"),
    Measure("fronts_1941-06", _series_at("fronts", "1941-06"), "mean", "fronts active in June 1941", is_input=True),
    Measure("fronts_1943-01", _series_at("fronts", "1943-01"), "mean", "fronts active in January 1943", is_input=True),
    Measure(
        "fronts_1945-05",
        _fronts_at_war_end("1945-05"),
        "mean",
        "fronts active in May 1945, or in the last month of fighting when the war ended before",
        is_input=True,
    ),
    Measure(
        "zhukov_sidelined_lag",
        _sidelined_lag,
        "median",
        "months from victory to the first sidelining (whoever is sidelined: the claims table asks whether it is "
        "Zhukov); an input while the lag is the doctrine's parameter sideline_after_war",
        is_input=True,
    ),
    Measure("captured_who_defected", _defected_share, "mean", "share of the captured front and army commanders who defect"),
    *(
        Measure(f"marshals_serving_{m}", marshals_serving(m), "mean", f"officers at Marshal rank holding a post in {m}")
        for m in ("1941-06", "1943-12", "1945-05")
    ),
)
BY_FACT = {m.fact: m for m in MEASURES}


def as_number(v: float | str) -> float:
    """A fact's value or bound as a number: a month as its `month_index`."""
    return float(month_index(v)) if isinstance(v, str) else float(v)


def scored(f: Fact) -> bool:
    """A fact a fit can score: it has a model measure that is not an input, on a comparable denominator."""
    m = BY_FACT.get(f.id)
    return m is not None and not m.is_input and f.comparable


def compare(res: SimulationResult, which: list[Fact] | None = None) -> pd.DataFrame:
    """One row per fact that has a measure: the record's value and range, the model's summary over the
    runs that define it, the share of those runs inside the range, and whether the fact is an input."""
    rows = []
    for f in which if which is not None else facts():
        m = BY_FACT.get(f.id)
        if m is None:
            continue
        x = m.of_runs(res)
        x = x[~np.isnan(x)]
        lo, hi = as_number(f.lo), as_number(f.hi)
        model = float(np.median(x)) if m.summary == "median" and len(x) else float(x.mean()) if len(x) else np.nan
        month = isinstance(f.value, str)
        rows.append(
            {
                "fact": f.id,
                "use": "input" if m.is_input else f.use,
                "record": f.value,
                "lo": f.lo,
                "hi": f.hi,
                "model": month_label(model) if month and not np.isnan(model) else model,
                "summary": m.summary,
                "inside": bool(lo <= model <= hi) if not np.isnan(model) else False,
                "runs_inside": float(((x >= lo) & (x <= hi)).mean()) if len(x) else np.nan,
                "runs_defined": len(x),
                "what": m.what,
            }
        )
    return pd.DataFrame(rows)
