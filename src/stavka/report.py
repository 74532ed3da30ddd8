"""The report: one self-contained HTML file (inline SVG figures, inline CSS, no script, no external
resource) from an experiment in the results store, or its figures as PNG or PDF files for papers.

Figures: the front line over time (median and 90% band per doctrine); the trade-off frontier (war
performance against the ruler's security, one point per doctrine or grid cell, with 95% intervals);
repression, fear and defections over time; the careers of named officers in one run as a timeline;
the true against the official history of that run.  Tables: every metric's mean and 95% interval per
cell, the experiment's provenance, the names the official history erased.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .calendar import Calendar
from .config import ConfigError
from .metrics import METRICS, format_value, interval, numeric
from .storage import DEFAULT_DB, Store, StoreError, frame_of

MAX_ARMS = 8  # time series show one line per cell up to this many cells, else one per doctrine
MAX_CAREERS = 32
# The frontier's axes: (metric, label, higher is better?)
SECURITY = ("ruler_survived", "ruler's security: share of runs the ruler survives", True)
WAR = ("max_depth_km", "war performance: deepest enemy advance (km, lower is better)", False)
BAND = (0.05, 0.95)  # the 90% band
FIGURES = {
    "front_line": "The front line over time",
    "frontier": "The trade-off frontier",
    "terror": "Repression, fear and defections over time",
    "careers": "Careers of named officers",
    "histories": "The true and the official history",
}
ENDINGS = {  # event kind -> (how a career ended, colour, marker)
    "execution": ("shot", "#b2182b", "X"),
    "killed": ("killed in action", "#222222", "v"),
    "defection": ("went over to the enemy", "#7b3294", "D"),
    "death": ("died", "#8c510a", "o"),
    "retirement": ("retired", "#2166ac", "s"),
    "captured": ("taken prisoner", "#878787", "^"),
}
COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b15928"]


# --- data ------------------------------------------------------------------------------------------------


@dataclass
class ReportData:
    """What the report shows, read from the store."""

    db: Path
    experiment: dict[str, Any]
    cells: pd.DataFrame  # cell, doctrine, overrides, label
    calendar: Calendar
    war_start: str
    arm_by: str  # "cell" or "doctrine": what the time-series lines are
    front: pd.DataFrame  # arm, month, lo, mid, hi
    fear: pd.DataFrame  # arm, month, lo, mid, hi
    repression: pd.DataFrame  # arm, month, mean
    defections: pd.DataFrame  # arm, month, per_run (cumulative mean per run with ledgers)
    ledger_runs: int  # runs whose ledgers are stored
    metrics: pd.DataFrame  # one row per run (cell, run and every metric)
    run_cell: int | None = None
    run: int | None = None
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    official: pd.DataFrame = field(default_factory=pd.DataFrame)
    roster_size: int = 0
    claims: dict[str, dict[str, float]] = field(default_factory=dict)  # arm -> claim id -> share of runs with ledgers

    def arm_labels(self) -> list[str]:
        if self.arm_by == "cell":
            return list(self.cells["label"])
        return list(dict.fromkeys(self.cells["doctrine"]))


def _label(doctrine: str, overrides: dict[str, Any], unique: bool) -> str:
    if unique or not overrides:
        return doctrine
    parts = ", ".join(f"{k.split('.')[-1]}={_short(v)}" for k, v in overrides.items())
    return f"{doctrine} ({parts})"


def _short(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _x(months: pd.Series | np.ndarray | list[str]) -> np.ndarray:
    """'YYYY-MM' labels as fractional years."""
    arr = np.asarray(list(months), dtype=object)
    return np.array([int(m[:4]) + (int(m[5:7]) - 1) / 12 for m in arr], dtype=float)


def read_report_data(
    db: str | os.PathLike[str] = DEFAULT_DB, experiment: str | None = None, run: int | None = None
) -> ReportData:
    """Gather the report's figures' data for one experiment (the latest by default)."""
    with Store(db, read_only=True) as store, store.reading():
        exp_id = store.resolve(experiment)
        exp = {str(k): v for k, v in store.table("experiments", exp_id).to_dict("records")[0].items()}
        cells = store.table("cells", exp_id)[["cell", "doctrine", "overrides", "scenario_config"]]
        cells["overrides"] = [json.loads(o) for o in cells["overrides"]]
        unique = cells["doctrine"].is_unique
        cells["label"] = [_label(d, o, unique) for d, o in zip(cells["doctrine"], cells["overrides"], strict=True)]
        cfg = json.loads(cells["scenario_config"].iloc[0])
        cal = Calendar(cfg["scenario"]["start"], cfg["scenario"]["end"])
        arm_by = "cell" if len(cells) <= MAX_ARMS else "doctrine"
        store.con.register("__cells", cells[["cell", "doctrine", "label"]])
        arm = "c.label" if arm_by == "cell" else "c.doctrine"
        cols = set(store.columns("series"))

        def bands(col: str) -> pd.DataFrame:
            if col not in cols:
                return pd.DataFrame(columns=["arm", "month", "lo", "mid", "hi"])
            q = (
                f"SELECT {arm} AS arm, s.month, quantile_cont(s.{col}, {BAND[0]}) AS lo, "
                f"quantile_cont(s.{col}, 0.5) AS mid, quantile_cont(s.{col}, {BAND[1]}) AS hi "
                f"FROM series s JOIN __cells c USING (cell) WHERE s.experiment = ? GROUP BY ALL ORDER BY ALL"
            )
            return frame_of(store.con.execute(q, [exp_id]))

        front, fear = bands("front_line"), bands("fear")
        repression = (
            frame_of(
                store.con.execute(
                    f"SELECT {arm} AS arm, s.month, avg(s.repression) AS mean FROM series s JOIN __cells c USING (cell) "
                    "WHERE s.experiment = ? GROUP BY ALL ORDER BY ALL",
                    [exp_id],
                )
            )
            if "repression" in cols
            else pd.DataFrame(columns=["arm", "month", "mean"])
        )
        ledger = frame_of(
            store.con.execute(
                f"SELECT {arm} AS arm, count(DISTINCT (e.cell, e.run)) AS n FROM events e JOIN __cells c USING (cell) "
                "WHERE e.experiment = ? GROUP BY ALL",
                [exp_id],
            )
        )
        ledger_runs = int(
            store.con.execute("SELECT count(DISTINCT (cell, run)) FROM events WHERE experiment = ?", [exp_id]).fetchall()[0][0]
        )
        defections = pd.DataFrame(columns=["arm", "month", "per_run"])
        if ledger_runs:
            monthly = frame_of(
                store.con.execute(
                    f"SELECT {arm} AS arm, e.month, count(*) AS n FROM events e JOIN __cells c USING (cell) "
                    "WHERE e.experiment = ? AND e.kind = 'defection' GROUP BY ALL",
                    [exp_id],
                )
            )
            rows = []
            labels = cal.labels()
            for a, n_runs in zip(ledger["arm"], ledger["n"], strict=True):
                counts = monthly[monthly["arm"] == a].set_index("month")["n"].reindex(labels, fill_value=0)
                rows.append(
                    pd.DataFrame({"arm": a, "month": labels, "per_run": counts.cumsum().to_numpy(float) / max(int(n_runs), 1)})
                )
            defections = pd.concat(rows, ignore_index=True)
        metrics = store.table("metrics", exp_id)
        data = ReportData(
            db=store.path,
            experiment=exp,
            cells=cells.drop(columns="scenario_config"),
            calendar=cal,
            war_start=cfg["scenario"].get("war_start", "1941-06"),
            arm_by=arm_by,
            front=front,
            fear=fear,
            repression=repression,
            defections=defections,
            ledger_runs=ledger_runs,
            metrics=metrics,
        )
        # the run told in careers and histories: the asked-for run id (first cell that kept it), else the first kept
        if ledger_runs:
            cond = "experiment = ?" + (" AND run = ?" if run is not None else "")
            args: list[Any] = [exp_id] + ([run] if run is not None else [])
            row = store.con.execute(f"SELECT cell, run FROM events WHERE {cond} ORDER BY cell, run LIMIT 1", args).fetchone()
            if row is None and run is not None:
                raise StoreError(
                    f"{store.path}: run {run} of {exp_id} has no stored ledgers "
                    f"(the experiment keeps them for runs below {exp['keep_events']})"
                )
            if row is not None:
                data.run_cell, data.run = int(row[0]), int(row[1])
                where, params = "cell = ? AND run = ?", [data.run_cell, data.run]
                data.events = store.table("events", exp_id, where, params)
                data.official = store.table("official", exp_id, where, params)
        data.roster_size = _roster_size(cfg)
        if ledger_runs:
            data.claims = _claims_by_arm(store, exp_id, arm)
    return data


def _claims_by_arm(store: Store, exp_id: str, arm: str) -> dict[str, dict[str, float]]:
    """How often each arm's runs with stored ledgers reproduce each claim of the seeds (`record.claims`).
    A run is (cell, run): the same run id in two cells is two runs."""
    from .record import reproduction

    events = frame_of(
        store.con.execute(
            f"SELECT {arm} AS arm, e.cell * 4294967296 + e.run AS run, e.* EXCLUDE (run) "
            "FROM events e JOIN __cells c USING (cell) WHERE e.experiment = ?",
            [exp_id],
        )
    )
    return {str(a): reproduction(g.drop(columns="arm")) for a, g in events.groupby("arm", sort=False)}


def _roster_size(cfg: dict[str, Any]) -> int:
    """How many officer ids are the named historical commanders (0 if the scenario does not use them)."""
    try:
        from .config import ScenarioConfig
        from .scenario import Scenario

        return len(Scenario(ScenarioConfig.model_validate(cfg)).roster)
    except Exception:  # a store written by another version of the scenario schema
        return 0


# --- figures -------------------------------------------------------------------------------------------------


def _fig(width: float = 9.0, height: float = 4.2) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _colour(i: int) -> str:
    return COLOURS[i % len(COLOURS)]


def fig_front_line(d: ReportData) -> Figure:
    fig = _fig()
    ax = fig.add_subplot()
    for i, arm in enumerate(d.arm_labels()):
        g = d.front[(d.front["arm"] == arm)].dropna(subset=["mid"])
        if g.empty:
            continue
        x = _x(g["month"])
        ax.fill_between(x, g["lo"].to_numpy(float), g["hi"].to_numpy(float), color=_colour(i), alpha=0.18, lw=0)
        ax.plot(x, g["mid"].to_numpy(float), color=_colour(i), lw=1.8, label=arm)
    ax.axhline(0, color="#444444", lw=0.8, ls=":")
    ax.text(0.005, 0.02, "the 22 June 1941 border", transform=ax.get_yaxis_transform(), fontsize=8, color="#444444")
    ax.set_ylabel("front line: km east of the 1941 border")
    ax.set_xlabel("year")
    ax.set_title("Front line over time: median and 90% band of runs", loc="left", fontsize=11)
    ax.legend(fontsize=8, frameon=False, ncol=2)
    ax.grid(alpha=0.25)
    return fig


def frontier_table(d: ReportData) -> pd.DataFrame:
    """One row per cell: the mean and 95% interval of the frontier's two metrics."""
    rows = []
    for cell in d.cells.itertuples():
        m = d.metrics[d.metrics["cell"] == cell.cell]
        row: dict[str, Any] = {"cell": cell.cell, "label": cell.label, "doctrine": cell.doctrine}
        for axis, (metric, _, _) in (("x", SECURITY), ("y", WAR)):
            mean, lo, hi, n = interval(numeric(m, d.calendar, metric)) if metric in m else (np.nan,) * 3 + (0,)
            row |= {f"{axis}": mean, f"{axis}_lo": lo, f"{axis}_hi": hi, f"{axis}_n": n}
        rows.append(row)
    return pd.DataFrame(rows)


def fig_frontier(d: ReportData) -> Figure:
    fig = _fig(8.0, 5.0)
    ax = fig.add_subplot()
    t = frontier_table(d)
    doctrines = list(dict.fromkeys(d.cells["doctrine"]))
    for r in t.to_dict("records"):
        c = _colour(doctrines.index(str(r["doctrine"])))
        x, y = float(r["x"]), float(r["y"])
        ax.errorbar(
            x,
            y,
            xerr=[[x - r["x_lo"]], [r["x_hi"] - x]],
            yerr=[[y - r["y_lo"]], [r["y_hi"] - y]],
            fmt="o",
            color=c,
            ms=6,
            capsize=3,
            lw=1,
        )
        if len(t) <= 24:
            ax.annotate(str(r["label"]), (x, y), textcoords="offset points", xytext=(6, 5), fontsize=8, color=c)
    for i, doc in enumerate(doctrines):  # a legend of doctrines when the cells are many
        ax.plot([], [], "o", color=_colour(i), label=doc)
    if len(t) > 24 or len(doctrines) < len(t):
        ax.legend(fontsize=8, frameon=False)
    if not WAR[2]:
        ax.invert_yaxis()
    if not SECURITY[2]:
        ax.invert_xaxis()
    ax.set_xlabel(SECURITY[1])
    ax.set_ylabel(WAR[1])
    ax.set_title("Trade-off frontier: better war up, safer ruler right (mean, 95% interval)", loc="left", fontsize=11)
    ax.grid(alpha=0.25)
    return fig


def fig_terror(d: ReportData) -> Figure:
    fig = _fig(9.0, 7.5)
    axes = fig.subplots(3, 1, sharex=True)
    arms = d.arm_labels()
    for i, arm in enumerate(arms):
        c = _colour(i)
        g = d.repression[d.repression["arm"] == arm]
        if not g.empty:
            axes[0].plot(_x(g["month"]), g["mean"].to_numpy(float), color=c, lw=1.4, label=arm)
        g = d.fear[d.fear["arm"] == arm]
        if not g.empty:
            x = _x(g["month"])
            axes[1].fill_between(x, g["lo"].to_numpy(float), g["hi"].to_numpy(float), color=c, alpha=0.15, lw=0)
            axes[1].plot(x, g["mid"].to_numpy(float), color=c, lw=1.4)
        g = d.defections[d.defections["arm"] == arm]
        if not g.empty:
            axes[2].plot(_x(g["month"]), g["per_run"].to_numpy(float), color=c, lw=1.4)
    axes[0].set_ylabel("repressed per month\n(mean of runs)")
    axes[1].set_ylabel("fear of the corps\n(median, 90% band)")
    axes[2].set_ylabel("defections so far\n(mean per run)")
    if d.ledger_runs == 0:
        axes[2].text(0.5, 0.5, "no ledgers stored in this experiment", transform=axes[2].transAxes, ha="center")
    else:
        axes[2].set_title(f"from the {d.ledger_runs} runs whose ledgers are stored", loc="right", fontsize=8)
    axes[2].set_xlabel("year")
    axes[0].legend(fontsize=8, frameon=False, ncol=2)
    axes[0].set_title("Repression, fear and defections over time", loc="left", fontsize=11)
    for ax in axes:
        ax.grid(alpha=0.25)
    return fig


@dataclass
class Career:
    officer_id: int
    name: str
    start: str
    end: str | None  # month the career ended (None: served to the end)
    ending: str  # kind of the ending event, or "" for none
    arrests: list[tuple[str, str | None]]  # (arrested, released or None)
    captivity: list[tuple[str, str | None]]
    promotions: list[str]
    commands: list[str]  # months appointed to a front


def careers(d: ReportData) -> list[Career]:
    """The careers of the named officers (the historical commanders) in the report's run."""
    ev = d.events
    if ev.empty:
        return []
    ev = ev[ev["officer_id"] >= 0]
    named = ev[ev["officer_id"] < d.roster_size] if d.roster_size else ev[ev["officer_id"] < 80]
    first = d.calendar.label(0)
    out = []
    for oid, g in named.groupby("officer_id", sort=False):
        g = g[g["kind"] != "denunciation"]
        if g.empty:
            continue
        kinds, months = g["kind"].tolist(), g["month"].tolist()
        end, ending = None, ""
        arrests: list[tuple[str, str | None]] = []
        captivity: list[tuple[str, str | None]] = []
        for k, m in zip(kinds, months, strict=True):
            if k == "arrest":
                arrests.append((m, None))
            elif k == "release" and arrests and arrests[-1][1] is None:
                arrests[-1] = (arrests[-1][0], m)
            elif k == "captured":
                captivity.append((m, None))
            elif k in ("return", "escape") and captivity and captivity[-1][1] is None:
                captivity[-1] = (captivity[-1][0], m)
            if k in ENDINGS and k != "captured":
                end, ending = m, k
        if not ending and captivity and captivity[-1][1] is None:
            end, ending = captivity[-1][0], "captured"
        out.append(
            Career(
                officer_id=int(str(oid)),
                name=str(g["officer"].iloc[0]),
                start=first,
                end=end,
                ending=ending,
                arrests=arrests,
                captivity=captivity,
                promotions=[m for k, m in zip(kinds, months, strict=True) if k == "promotion"],
                commands=[m for k, m, f in zip(kinds, months, g["front"], strict=True) if k == "appointment" and f],
            )
        )
    # the most eventful careers, told in the order they ended
    out.sort(key=lambda c: -(len(c.arrests) * 3 + len(c.promotions) + len(c.commands) * 2 + (5 if c.ending else 0)))
    out = out[:MAX_CAREERS]
    last = d.calendar.label(d.calendar.n_months - 1)
    out.sort(key=lambda c: (c.end or last + "z", c.name))
    return out


def fig_careers(d: ReportData) -> Figure:
    cs = careers(d)
    fig = _fig(9.5, max(3.0, 0.26 * len(cs) + 1.6))
    ax = fig.add_subplot()
    end_x = _x([d.calendar.label(d.calendar.n_months - 1)])[0] + 1 / 12
    for i, c in enumerate(cs):
        y = len(cs) - 1 - i
        x0 = _x([c.start])[0]
        x1 = _x([c.end])[0] if c.end else end_x
        ax.hlines(y, x0, x1, color="#4d4d4d", lw=2.2)
        for a, b in c.arrests:
            ax.hlines(y, _x([a])[0], _x([b])[0] if b else x1, color="#d6604d", lw=5, alpha=0.8)
        for a, b in c.captivity:
            ax.hlines(y, _x([a])[0], _x([b])[0] if b else x1, color="#999999", lw=5, alpha=0.8)
        if c.promotions:
            ax.plot(_x(c.promotions), [y] * len(c.promotions), "|", color="#1a9850", ms=8, mew=1.5)
        if c.commands:
            ax.plot(_x(c.commands), [y] * len(c.commands), "*", color="#fdae61", ms=7, mec="#a6611a", mew=0.5)
        if c.ending:
            how, colour, marker = ENDINGS[c.ending]
            ax.plot([x1], [y], marker, color=colour, ms=7)
            ax.text(x1 + 0.08, y, f"{how} {c.end}", va="center", fontsize=7, color=colour)
        else:
            ax.text(x1 + 0.08, y, "served to the end", va="center", fontsize=7, color="#4d4d4d")
    ax.set_yticks(range(len(cs)), [c.name for c in reversed(cs)], fontsize=7)
    ax.axvline(_x([d.war_start])[0], color="#444444", lw=0.8, ls=":")
    ax.set_xlim(_x([d.calendar.label(0)])[0], end_x + 1.6)
    ax.set_xlabel("year")
    ax.plot([], [], "-", color="#d6604d", lw=5, label="under arrest")
    ax.plot([], [], "-", color="#999999", lw=5, label="prisoner of war")
    ax.plot([], [], "|", color="#1a9850", ms=8, label="promoted")
    ax.plot([], [], "*", color="#fdae61", mec="#a6611a", label="took a front")
    fig.legend(fontsize=7, frameon=False, loc="outside lower center", ncol=4)
    title = f"Careers of named officers: {_run_title(d)}"
    ax.set_title(title, loc="left", fontsize=11)
    if not cs:
        ax.text(0.5, 0.5, "no ledgers stored in this experiment", transform=ax.transAxes, ha="center")
    return fig


def _run_title(d: ReportData) -> str:
    if d.run is None:
        return "no run"
    labels = dict(zip(d.cells["cell"], d.cells["label"], strict=True))
    return f"{labels.get(d.run_cell, '')}, seed {d.experiment['seed']}, run {d.run}"


HISTORY_KINDS = (  # (label, kinds in the true ledger, kinds in the official history)
    ("executions", ("execution",), ("execution",)),
    ("'discipline' (relabelled executions and transfers)", (), ("relabelling",)),
    ("arrests", ("arrest",), ("arrest",)),
    ("defections", ("defection",), ("defection",)),
    ("victories credited to a commander", ("victory",), ("victory",)),
    ("victories credited to the collective leadership", (), ("reattribution",)),
)


def fig_histories(d: ReportData) -> Figure:
    fig = _fig(9.5, 6.5)
    top, bottom = fig.subplots(2, 1, height_ratios=[1.2, 1])
    if d.events.empty:
        top.text(0.5, 0.5, "no ledgers stored in this experiment", transform=top.transAxes, ha="center")
        return fig
    years = sorted({m[:4] for m in d.events["month"]} | {m[:4] for m in d.official["month"]})
    ty = d.events.assign(year=d.events["month"].str[:4])
    oy = d.official.assign(year=d.official["month"].str[:4])
    shown = [(lab, tk, ok) for lab, tk, ok in HISTORY_KINDS if ty["kind"].isin(tk).any() or oy["kind"].isin(ok).any()]
    x = np.arange(len(years))
    width = 0.8 / max(len(shown), 1)
    for i, (lab, tk, ok) in enumerate(shown):
        t = ty[ty["kind"].isin(tk)].groupby("year").size().reindex(years, fill_value=0)
        o = oy[oy["kind"].isin(ok)].groupby("year").size().reindex(years, fill_value=0)
        pos = x - 0.4 + width * (i + 0.5)
        top.bar(pos, t.to_numpy(), width * 0.95, color=_colour(i), alpha=0.3)
        top.bar(pos, o.to_numpy(), width * 0.5, color=_colour(i), label=lab)
    from matplotlib.patches import Patch

    handles, _ = top.get_legend_handles_labels()
    handles += [
        Patch(color="#cccccc", label="wide, pale: what happened"),
        Patch(color="#333333", label="narrow, dark: the official history"),
    ]
    top.set_xticks(x, years)
    top.set_ylabel("events per year")
    top.legend(handles=handles, fontsize=7, frameon=False, ncol=2, loc="upper left")
    top.set_title(f"What happened and what the official history says: {_run_title(d)}", loc="left", fontsize=11)
    # names in each ledger over time: the erased disappear from the official one
    labels = d.calendar.labels()
    for frame, style, lab in ((d.events, "-", "named in what happened"), (d.official, "--", "named in the official history")):
        named = frame[(frame["officer_id"] >= 0) & (frame["kind"] != "erasure")]
        firsts = named.groupby("officer_id")["month"].min().value_counts().reindex(labels, fill_value=0).cumsum()
        bottom.plot(_x(labels), firsts.to_numpy(float), style, color="#333333", lw=1.5, label=lab)
    erased = d.official[d.official["kind"] == "erasure"]
    if not erased.empty:
        counts = erased.groupby("month").size().reindex(labels, fill_value=0).cumsum()
        bottom.plot(_x(labels), counts.to_numpy(float), color="#b2182b", lw=1.5, label="names erased")
    bottom.set_ylabel("officers named so far")
    bottom.set_xlabel("year")
    bottom.legend(fontsize=8, frameon=False)
    bottom.grid(alpha=0.25)
    return fig


FIGURE_MAKERS: dict[str, Callable[[ReportData], Figure]] = {
    "front_line": fig_front_line,
    "frontier": fig_frontier,
    "terror": fig_terror,
    "careers": fig_careers,
    "histories": fig_histories,
}


# --- tables ----------------------------------------------------------------------------------------------------


def metric_table(d: ReportData) -> pd.DataFrame:
    """Mean, 95% interval and number of defined runs of every metric, per cell."""
    rows = []
    for cell in d.cells.itertuples():
        m = d.metrics[d.metrics["cell"] == cell.cell]
        for metric in METRICS:
            if metric not in m:
                continue
            mean, lo, hi, n = interval(numeric(m, d.calendar, metric))
            rows.append({"cell": cell.cell, "label": cell.label, "metric": metric, "mean": mean, "lo": lo, "hi": hi, "n": n})
    return pd.DataFrame(rows)


def _table_html(d: ReportData) -> str:
    t = metric_table(d)
    if t.empty:
        return "<p>No runs stored.</p>"
    labels = list(d.cells["label"])
    head = "".join(f"<th>{html.escape(lab)}</th>" for lab in labels)
    body = []
    for metric, g in t.groupby("metric", sort=False):
        cells = []
        for r in g.to_dict("records"):
            mean, lo, hi = (format_value(str(metric), float(r[k]), d.calendar) for k in ("mean", "lo", "hi"))
            cells.append(f"<td>{mean}<br><span class=ci>[{lo}, {hi}]</span></td>")
        body.append(f"<tr><th>{html.escape(str(metric))}</th>{''.join(cells)}</tr>")
    return (
        f"<div class=scroll><table class=metrics><thead><tr><th>metric</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _chronicle_html(d: ReportData) -> str:
    """The run told by both ledgers, month by month, for the first year of the war."""
    if d.events.empty:
        return ""
    from .history import chronicle

    start = d.war_start
    end = d.calendar.label(min(d.calendar.index(start) + 11, d.calendar.n_months - 1))

    def lines(frame: pd.DataFrame) -> dict[str, list[str]]:
        window = frame[(frame["month"] >= start) & (frame["month"] <= end)]
        out: dict[str, list[str]] = {}
        for line in chronicle(window, ("denunciation", "directive", "appointment", "charm")):
            out.setdefault(line[:7], []).append(line[9:])
        return out

    true, official = lines(d.events), lines(d.official)
    rows = []
    for month in sorted(set(true) | set(official)):
        t = "<br>".join(html.escape(x) for x in true.get(month, [])[:8])
        o = "<br>".join(html.escape(x) for x in official.get(month, [])[:8])
        rows.append(f"<tr><th>{month}</th><td>{t}</td><td>{o}</td></tr>")
    erased = d.official.loc[d.official["kind"] == "erasure", "officer"].dropna().tolist()
    names = ", ".join(html.escape(str(n)) for n in erased[:60]) + (" ..." if len(erased) > 60 else "")
    return (
        f"<h3>The first year of the war in both ledgers ({start} to {end})</h3>"
        f"<div class=scroll><table class=chronicle><thead><tr><th>month</th><th>What happened</th>"
        f"<th>What the official history says</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f"<p><b>Erased from the official history ({len(erased)}):</b> {names or 'nobody'}</p>"
    )


# --- output ----------------------------------------------------------------------------------------------------


_SVG_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_META = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def svg_inline(fig: Figure, salt: str) -> str:
    """A figure as inline SVG: text drawn as paths (no fonts), ids unique per figure, no metadata."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = _SVG_META.sub("", _SVG_HEAD.sub("", buf.getvalue(), count=1))
    return text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(salt)}" ', 1)


CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:1040px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
figure{margin:1em 0} figure svg{max-width:100%;height:auto} figcaption{font-size:.9em;color:#555}
table{border-collapse:collapse;font-size:.82em} th,td{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}
thead th{background:#f3f3f3} .ci{color:#777;font-size:.9em} .scroll{overflow-x:auto}
table.meta th{text-align:left;background:#f7f7f7} table.chronicle td{min-width:18em}
"""

CAPTIONS = {
    "front_line": "Mean depth of the active fronts (km east of the 22 June 1941 border) in each month of war: the "
    "median run and the band holding 90% of runs.",
    "frontier": "Each point is a doctrine or a grid cell: the share of runs in which the ruler survives against the "
    "deepest enemy advance; bars are 95% intervals of the mean.",
    "terror": "Officers repressed per month, the corps' fear (median and 90% band), and defections to the enemy so "
    "far per run (from the runs whose ledgers are stored).",
    "careers": "Named officers of one run: bars run from 1937 to the end of a career; red stretches under arrest, grey "
    "in captivity; the marker and text at the right end say how and when it ended.",
    "histories": "The run's true ledger against its official history, year by year, and the officers each ledger names: "
    "the censor erases, relabels and reattributes.",
}


def render_html(d: ReportData, figures: dict[str, str]) -> str:
    e = d.experiment
    cells = d.cells
    meta_rows = [
        ("experiment", e["experiment"]),
        ("kind", e["kind"]),
        ("stavka version", e["version"]),
        ("scenario", f"{e['scenario']} (hash {e['scenario_hash']})"),
        ("root seed", e["seed"]),
        ("runs per cell", e["runs_per_cell"]),
        ("cells", e["n_cells"]),
        ("runs stored", len(d.metrics)),
        ("runs with ledgers", d.ledger_runs),
        ("status", e["status"]),
        ("created", str(e["created"])[:19]),
        ("store", str(d.db)),
    ]
    meta = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in meta_rows)
    cell_rows = "".join(
        f"<tr><td>{c['cell']}</td><td>{html.escape(str(c['doctrine']))}</td>"
        f"<td>{html.escape(', '.join(f'{k} = {v}' for k, v in c['overrides'].items()) or '-')}</td></tr>"
        for c in cells.to_dict("records")
    )
    parts = [
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8>{GENERATOR_TAG}"
        f"<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>stavka report: {html.escape(e['experiment'])}</title><style>{CSS}</style></head><body>",
        f"<h1>stavka: {html.escape(e['experiment'])}</h1>",
        f"<p>{html.escape(str(e['kind']))} of {len(cells)} cell(s) on the {html.escape(str(e['scenario']))} scenario, "
        f"{len(d.metrics)} runs.</p>",
        f"<table class=meta>{meta}</table>",
        f"<h2>Cells</h2><div class=scroll><table><thead><tr><th>cell</th><th>doctrine</th><th>parameters set</th>"
        f"</tr></thead><tbody>{cell_rows}</tbody></table></div>",
    ]
    for key, title in FIGURES.items():
        parts.append(
            f"<h2>{html.escape(title)}</h2><figure id='fig-{key}'>{figures[key]}"
            f"<figcaption>{html.escape(CAPTIONS[key])}</figcaption></figure>"
        )
        if key == "histories":
            parts.append(_chronicle_html(d))
    parts.append("<h2>Metrics: mean and 95% interval per cell</h2>" + _table_html(d))
    from .record import evidence_html

    parts.append(
        "<p>The record (<code>stavka evidence</code>): the stylised facts, and each claim of the seeds with the share "
        "of this experiment's runs with stored ledgers that reproduce it.</p>" + evidence_html(d.claims or None)
    )
    parts.append(
        "<p class=ci>Made by stavka from the results store; figures are inline SVG, and the file needs "
        "nothing else to open.</p></body></html>"
    )
    return "\n".join(parts)


GENERATOR_TAG = "<meta name=generator content=stavka>"  # marks a file as a stavka report (safe to overwrite)
FIGURE_CREATOR = b"stavka"  # the Creator that `savefig` writes into each PNG or PDF figure


def _is_own_output(path: Path, fmt: str) -> bool:
    """Whether an existing file is one that stavka wrote (a report, or a figure), so may be replaced."""
    try:
        with path.open("rb") as fh:
            data = fh.read(4096 if fmt == "html" else 8 * 1024 * 1024)
    except OSError:
        return False
    if fmt == "html":
        return GENERATOR_TAG.encode() in data
    if fmt == "png":  # a tEXt chunk "Creator\0stavka" before the image data
        return data.startswith(b"\x89PNG") and b"Creator\x00" + FIGURE_CREATOR in data
    return data.startswith(b"%PDF") and b"/Creator (" + FIGURE_CREATOR in data


def _refuse_foreign(path: Path, fmt: str, db: Path) -> None:
    """No output path overwrites the store, or any file stavka did not write."""
    if not (path.exists() or path.is_symlink()):
        return
    if db.exists() and path.exists() and os.path.samefile(path, db):
        raise ConfigError(f"--out {path}: that is the results store itself; choose another output path")
    if path.is_dir():
        raise ConfigError(f"--out {path}: is a directory; give a file name such as {path / 'report.html'}")
    if not _is_own_output(path, fmt):
        raise ConfigError(
            f"--out {path}: the file exists and is not a stavka {fmt.upper()} output; refusing to "
            "overwrite it (choose another path or remove it)"
        )


def write_report(
    db: str | os.PathLike[str] = DEFAULT_DB,
    out: str | os.PathLike[str] = "report.html",
    experiment: str | None = None,
    fmt: str = "html",
    run: int | None = None,
) -> list[Path]:
    """Write the report of an experiment: one self-contained HTML file (`fmt="html"`), or one file per
    figure in the directory `out` (`fmt="png"` or `"pdf"`).  Returns the paths written.  An existing file
    is replaced only if stavka wrote it (an earlier report or figure); the store and any other file are
    refused before anything is read."""
    if fmt not in ("html", "png", "pdf"):
        raise ConfigError(f"--format: expected html, png or pdf (got {fmt!r})")
    target = Path(out)
    store = Path(db)
    if fmt == "html":
        _refuse_foreign(target, fmt, store)
    else:
        if target.exists() and not target.is_dir():
            raise ConfigError(f"--out {target}: expected a directory for the {fmt} figures (it is a file)")
        for key in FIGURE_MAKERS:
            _refuse_foreign(target / f"{key}.{fmt}", fmt, store)
    data = read_report_data(db, experiment, run)
    try:
        if fmt == "html":
            figures = {}
            for key, make in FIGURE_MAKERS.items():
                figures[key] = svg_inline(make(data), key)
            text = render_html(data, figures)
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
            return [target]
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for key, make in FIGURE_MAKERS.items():
            path = target / f"{key}.{fmt}"
            tmp = target / f".{key}.tmp-{os.getpid()}.{fmt}"
            make(data).savefig(tmp, format=fmt, dpi=200, metadata={"Creator": FIGURE_CREATOR.decode()})
            os.replace(tmp, path)
            written.append(path)
        return written
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write the report: {exc.strerror or exc}") from None
