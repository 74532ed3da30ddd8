"""The page's plots (Bokeh): the line per front, the record's series, and the game among many runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from bokeh.models import ColumnDataSource, Span
from bokeh.plotting import figure

SERIES_SHOWN = {"front_line": "front line, km east of the 1941 border", "repression": "repression", "fear": "fear", "paranoia": "paranoia"}


def front_line(names: dict[int, str], depth: np.ndarray, own: np.ndarray, hold: np.ndarray) -> figure:
    """A schematic of the line: each active front's depth (km east of the 1941 border), with its strength and orders."""
    fronts = list(names)
    labels = [names[f] for f in fronts]
    src = ColumnDataSource(
        {
            "front": labels,
            "depth": [float(depth[f]) for f in fronts],
            "men": [f"{own[f]:,.0f}" for f in fronts],
            "orders": ["hold" if hold[f] else "initiative" for f in fronts],
            "colour": ["#8b0000" if hold[f] else "#2f6f9f" for f in fronts],
        }
    )
    p = figure(
        y_range=labels[::-1],
        height=40 + 22 * max(len(labels), 1),
        width=460,
        title="The line: km east of the 22 June 1941 border (hold: red)",
        tools="hover",
        tooltips=[("front", "@front"), ("km", "@depth{0}"), ("men", "@men"), ("orders", "@orders")],
        toolbar_location=None,
    )
    p.hbar(y="front", right="depth", height=0.7, color="colour", source=src)
    p.add_layout(Span(location=0, dimension="height", line_color="black", line_width=1))
    return p


def series(frame: pd.DataFrame) -> figure:
    """The record over time: front line (left axis, km) and repression, fear, paranoia (scaled 0..1)."""
    x = np.arange(len(frame))
    p = figure(height=260, width=900, title="The record month by month", toolbar_location=None, x_axis_label="month of the game")
    line = frame["front_line"].to_numpy(dtype=float) if len(frame) else np.zeros(0)
    scale = max(float(np.nanmax(np.abs(line))) if len(line) and np.isfinite(line).any() else 1.0, 1.0)
    p.line(x, line / scale, legend_label=f"front line (/ {scale:.0f} km)", color="black", line_width=2)
    for name, colour in (("repression", "#8b0000"), ("fear", "#cc7700"), ("paranoia", "#5a2d82")):
        values = frame[name].to_numpy(dtype=float) if len(frame) else np.zeros(0)
        if name == "repression":
            top = np.nanmax(values) if len(values) and np.isfinite(values).any() and np.nanmax(values) > 0 else 1.0
            p.line(x, values / top, legend_label=f"repression (/ {top:.3g})", color=colour)
        else:
            p.line(x, values, legend_label=name, color=colour)
    p.legend.location = "top_left"
    p.legend.label_text_font_size = "8pt"
    return p


def placement(runs: dict[str, np.ndarray], mine: float, n_months: int, label: str) -> figure:
    """Victory month (months from the start; never: the end) of each doctrine's runs, and the player's."""
    names = list(runs)
    p = figure(y_range=names[::-1], height=60 + 40 * len(names), width=900, toolbar_location=None,
               title=f"{label}: each dot one run of the doctrine on the same seed; the line is your game",
               x_axis_label="months from the start to victory (right edge: no victory)")
    rng = np.random.default_rng(0)  # jitter for the eye only; it touches no model state
    for name in names:
        v = np.where(np.isnan(runs[name]), n_months, runs[name])
        p.scatter(v, [(name, float(j)) for j in rng.uniform(-0.3, 0.3, len(v))], size=4, alpha=0.5)
    p.add_layout(Span(location=mine if np.isfinite(mine) else n_months, dimension="height", line_color="red", line_width=2))
    return p
