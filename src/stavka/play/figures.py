"""The page's plots (Bokeh): the line per front, the record's series, and the game among many runs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from bokeh.models import ColumnDataSource, FactorRange
from bokeh.models.annotations import Span
from bokeh.plotting import figure


def front_data(names: dict[int, str], depth: np.ndarray, own: np.ndarray, hold: np.ndarray) -> dict[str, Any]:
    fronts = list(names)
    return {
        "front": [names[f] for f in fronts],
        "depth": [float(depth[f]) for f in fronts],
        "men": [f"{own[f]:,.0f}" for f in fronts],
        "orders": ["hold" if hold[f] else "initiative" for f in fronts],
        "colour": ["#8b0000" if hold[f] else "#2f6f9f" for f in fronts],
    }


def front_figure() -> tuple[figure, ColumnDataSource]:
    """A schematic of the line: each active front's depth (km east of the 1941 border), with its strength and
    orders; made once per page and fed new data each month (`update_fronts`), as a redraw is cheaper so."""
    src = ColumnDataSource(front_data({}, np.zeros(0), np.zeros(0), np.zeros(0)))
    p = figure(
        y_range=FactorRange(factors=[]),
        height=300,
        width=460,
        title="The line: km east of the 22 June 1941 border (hold: red)",
        tools="hover",
        tooltips=[("front", "@front"), ("km", "@depth{0}"), ("men", "@men"), ("orders", "@orders")],
        toolbar_location=None,
    )
    p.hbar(y="front", right="depth", height=0.7, color="colour", source=src)
    p.add_layout(Span(location=0, dimension="height", line_color="black", line_width=1))
    return p, src


def update_fronts(p: figure, src: ColumnDataSource, data: dict[str, Any]) -> None:
    rng: Any = p.y_range
    if list(rng.factors) != data["front"][::-1]:
        rng.factors = data["front"][::-1]
    src.data = data


SERIES_COLOURS = {"front_line": "black", "repression": "#8b0000", "fear": "#cc7700", "paranoia": "#5a2d82"}


def series_data(frame: pd.DataFrame) -> dict[str, Any]:
    """Front line scaled by its largest value, repression by its largest; fear and paranoia as they are (0..1)."""
    data: dict[str, Any] = {"x": np.arange(len(frame), dtype=float)}
    for name in SERIES_COLOURS:
        v = frame[name].to_numpy(dtype=float) if len(frame) else np.zeros(0)
        top = float(np.nanmax(np.abs(v))) if len(v) and np.isfinite(v).any() else 0.0
        data[name] = v / top if name in ("front_line", "repression") and top > 0 else v
    return data


def series_figure() -> tuple[figure, ColumnDataSource]:
    src = ColumnDataSource(series_data(pd.DataFrame({k: [] for k in SERIES_COLOURS})))
    p = figure(height=260, width=900, title="The record month by month", toolbar_location=None, x_axis_label="month of the game")
    for name, colour in SERIES_COLOURS.items():
        label = {"front_line": "front line (/ its deepest)", "repression": "repression (/ its peak)"}.get(name, name)
        p.line("x", name, source=src, legend_label=label, color=colour, line_width=2 if name == "front_line" else 1)
    p.legend.location = "top_left"
    p.legend.label_text_font_size = "8pt"
    return p, src


def placement(runs: dict[str, np.ndarray], mine: float, n_months: int, label: str) -> figure:
    """Victory month (months from the start; never: the end) of each doctrine's runs, and the player's."""
    names = list(runs)
    p = figure(
        y_range=FactorRange(factors=names[::-1]),
        height=60 + 40 * len(names),
        width=900,
        toolbar_location=None,
        title=f"{label}: each dot one run of the doctrine on the same seed; the line is your game",
        x_axis_label="months from the start to victory (right edge: no victory)",
    )
    rng = np.random.default_rng(0)  # jitter for the eye only; it touches no model state
    for name in names:
        v = np.where(np.isnan(runs[name]), n_months, runs[name])
        y: Any = [(name, float(j)) for j in rng.uniform(-0.3, 0.3, len(v))]
        p.scatter(v, y, size=4, alpha=0.5)
    p.add_layout(Span(location=mine if np.isfinite(mine) else n_months, dimension="height", line_color="red", line_width=2))
    return p
