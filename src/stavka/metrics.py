"""Per-run metrics (MODEL.md §5) and their summaries: means with 95% intervals, paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import Calendar
from .engine.codes import Kind, War
from .engine.log import BatchLog
from .engine.state import World

METRICS = (
    "victory_month",
    "max_depth_km",
    "losses",
    "encirclements",
    "commanders_killed",
    "commanders_captured",
    "defections",
    "arrests",
    "executions",
    "interrogations",
    "releases",
    "innocent_share",
    "field_competence",
    "meritocracy",
    "continuity",
    "challenges",
    "ruler_survived",
    "history_distortion",
    "erased_names",
)
# A count metric is the number of one kind of event in the run's true ledger: defined here, once, and
# counted off the batch log (so a new one is a line here and a column of the report).
COUNTS = {
    "encirclements": Kind.ENCIRCLEMENT,
    "commanders_killed": Kind.KILLED,
    "commanders_captured": Kind.CAPTURED,
    "defections": Kind.DEFECTION,
    "arrests": Kind.ARREST,
    "executions": Kind.EXECUTION,
    "interrogations": Kind.INTERROGATION,
    "releases": Kind.RELEASE,
    "challenges": Kind.CHALLENGE,
}


def kind_counts(log: BatchLog, n_runs: int) -> np.ndarray:
    """(runs, kinds): how many events of each kind each batch row's true ledger holds."""
    rows, _ = log.rows_months()
    kinds = log.records["kind"][: log.n_events].astype(np.int64)
    width = max(Kind) + 1
    return np.bincount(rows * width + kinds, minlength=n_runs * width).reshape(n_runs, width)


def run_metrics(world: World, log: BatchLog, run_ids: np.ndarray, cal: Calendar) -> pd.DataFrame:
    """Metrics read off the final world and the batch log (history metrics are added by the caller)."""
    r = world.run
    won = r["war"] == War.VICTORY
    df = pd.DataFrame({"run": run_ids})
    df["victory_month"] = [cal.label(int(m)) if w else None for w, m in zip(won, r["war_end"], strict=True)]
    df["max_depth_km"] = r["max_depth"]
    df["losses"] = r["losses"]
    tally = kind_counts(log, len(run_ids))
    for name, kind in COUNTS.items():
        df[name] = tally[:, kind]
    with np.errstate(invalid="ignore", divide="ignore"):
        df["innocent_share"] = np.where(r["repressed_n"] > 0, r["repressed_innocent"] / r["repressed_n"], np.nan)
        df["field_competence"] = np.where(r["field_comp_n"] > 0, r["field_comp_sum"] / r["field_comp_n"], np.nan)
    df["meritocracy"] = log.meritocracy
    df["continuity"] = log.continuity
    df["ruler_survived"] = r["ruler_alive"].astype(bool)
    return df


def numeric(metrics: pd.DataFrame, cal: Calendar, name: str) -> np.ndarray:
    """A metric as numbers: victory_month as months since the scenario's start."""
    col = metrics[name]
    if name == "victory_month":
        return np.array([cal.index(v) if isinstance(v, str) else np.nan for v in col], dtype=float)
    return col.to_numpy(dtype=float)


def interval(values: np.ndarray) -> tuple[float, float, float, int]:
    """Mean and 95% t-interval of the defined values, and how many there were."""
    x = values[~np.isnan(values)]
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(x.mean())
    if n == 1 or np.all(x == x[0]):
        return mean, mean, mean, n
    from scipy import stats  # here, not at the top: scipy.stats takes about 0.4 s to import

    half = float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def summarise(metrics: pd.DataFrame, cal: Calendar) -> pd.DataFrame:
    """One row per metric: mean, 95% interval, number of runs where the metric is defined."""
    rows = []
    for name in METRICS:
        mean, lo, hi, n = interval(numeric(metrics, cal, name))
        rows.append({"metric": name, "mean": mean, "lo": lo, "hi": hi, "n": n})
    return pd.DataFrame(rows).set_index("metric")


def format_value(name: str, value: float, cal: Calendar) -> str:
    if np.isnan(value):
        return "-"
    if name == "victory_month":
        return cal.label(int(round(value)))
    if name == "losses":
        return f"{value / 1e6:.2f}M"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"
