"""`stavka report` of a calibration: one self-contained HTML page (inline SVG figures drawn with Matplotlib, inline
CSS, no script, no external resource) read from the store's calibration tables (docs/calibration.md).

What it shows, for a calibration of kind 'abc' (the latest by default): its provenance; the model probabilities of
the last generation of the model-choice run, beside every other model-choice calibration in the store (their
settings differ: that table is the probabilities' sensitivity to targets, schedule, population, variant); the
tolerance and acceptance of each generation; each account's posterior (mean and 90 % interval per parameter, the
weighted marginals of the last generation's particles and their pairs); the posterior predictive checks (share of
the posterior's runs inside each checking fact's range); the latest stored sensitivity of each account (Sobol S1
and ST with their 95 % intervals, PRIM boxes) and the latest confusion matrix of the choice.  A calibration of
kind 'sensitivity' or 'confusion' shows its own tables.  Numbers are printed as the store holds them: probabilities
and shares with 3 decimals, everything else with 4 significant digits (`fmt_p`, `fmt_v`)."""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..config import ConfigError
from ..storage import DEFAULT_DB, Store

OUTCOME_LABELS = {
    "victory_month": "victory month",
    "losses": "losses",
    "ruler_survived": "ruler survival",
    "innocent_share": "innocent share",
    "field_competence": "field competence",
    "defections": "defections",
}


def fmt_p(v: Any) -> str:
    """A probability or a share, as the report prints it."""
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{float(v):.3f}"


def fmt_v(v: Any) -> str:
    """Any other number, as the report prints it."""
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{float(v):.4g}"


@dataclass
class Sensitivity:
    calibration: str
    doctrine: str
    spec: dict[str, Any]
    sobol: pd.DataFrame
    prim: pd.DataFrame


@dataclass
class CalibrationData:
    """What the page shows, read from the store."""

    db: Path
    meta: dict[str, Any]
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)
    generations: pd.DataFrame = field(default_factory=pd.DataFrame)
    probabilities: dict[str, float] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # every model-choice calibration (the sensitivity)
    posterior: dict[str, pd.DataFrame] = field(default_factory=dict)  # doctrine -> parameter, mean, q05, q95, prior
    particles: dict[str, pd.DataFrame] = field(default_factory=dict)  # doctrine -> weight and one column per parameter
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivities: list[Sensitivity] = field(default_factory=list)
    confusion: tuple[str, pd.DataFrame] | None = None
    from_choice: bool = False  # no posterior run (--choice-only): the posteriors are those within the model choice


# --- data ------------------------------------------------------------------------------------------------------


def _frame(con: Any, sql: str, args: list[Any]) -> pd.DataFrame:
    return con.execute(sql, args).df()


def has_calibrations(db: str | os.PathLike[str]) -> bool:
    """Whether the store's latest work is a calibration (so a plain `stavka report` reports it): it holds a
    calibration created after its latest experiment, or calibrations and no experiment."""
    if not Path(db).is_file():
        return False
    try:
        with Store(db, read_only=True) as st:
            cal = st.con.execute("SELECT max(created) FROM calibrations").fetchone()
            exp = st.con.execute("SELECT max(created) FROM experiments").fetchone()
    except Exception:  # an old, damaged or foreign store: the experiment report says what is wrong
        return False
    if not cal or cal[0] is None:
        return False
    return not exp or exp[0] is None or cal[0] > exp[0]


def resolve(con: Any, db: Path, calibration: str | None) -> str:
    """The calibration asked for (a unique prefix will do), or the latest of kind 'abc' (else the latest of any)."""
    rows = con.execute("SELECT calibration, kind FROM calibrations ORDER BY created, calibration").fetchall()
    if not rows:
        raise ConfigError(f"{db}: the store holds no calibration (run `stavka calibrate`)")
    ids = [str(r[0]) for r in rows]
    if calibration is None:
        abc = [str(r[0]) for r in rows if r[1] == "abc"]
        return abc[-1] if abc else ids[-1]
    if calibration in ids:
        return calibration
    matches = [i for i in ids if i.startswith(calibration)]
    if len(matches) == 1:
        return matches[0]
    raise ConfigError(f"--calibration: no calibration {calibration!r} in {db}; the latest: {', '.join(ids[-4:])}")


def _params(df: pd.DataFrame) -> pd.DataFrame:
    """A particles frame with its JSON parameters spread into columns (named as the posterior table names them)."""
    pars = pd.DataFrame([json.loads(p) for p in df["parameters"]], index=df.index)
    pars.columns = [c.replace("__", ".") for c in pars.columns]
    return pd.concat([df[["weight", "distance"]], pars], axis=1).reset_index(drop=True)


def read_calibration(db: str | os.PathLike[str] = DEFAULT_DB, calibration: str | None = None) -> CalibrationData:
    path = Path(db)
    with Store(db, read_only=True) as st:
        con = st.con
        cal = resolve(con, path, calibration)
        meta = {str(k): v for k, v in _frame(con, "SELECT * FROM calibrations WHERE calibration = ?", [cal]).iloc[0].items()}
        d = CalibrationData(path, meta)
        q = lambda table: _frame(con, f"SELECT * FROM {table} WHERE calibration = ?", [cal])  # noqa: E731
        if meta["kind"] == "abc":
            d.runs = q("calibration_runs").sort_values("abc_id")
            d.generations = q("calibration_generations").sort_values(["abc_id", "generation"])
            models = q("calibration_models")
            label = dict(zip(d.runs["abc_id"], d.runs["label"], strict=True))
            choice = [a for a, lab in label.items() if lab == "choice"]
            if choice:
                m = models[models["abc_id"] == choice[0]]
                last = m[m["generation"] == m["generation"].max()]
                d.probabilities = {str(r["doctrine"]): float(r["probability"]) for _, r in last.iterrows()}
            post = q("calibration_posterior")
            parts = q("calibration_particles")
            own = {str(lab).split(":", 1)[1]: a for a, lab in label.items() if str(lab).startswith("posterior:")}
            if not own and choice:  # --choice-only: each account's particles within the model choice
                own = {str(doc): choice[0] for doc in post[post["abc_id"] == choice[0]]["doctrine"].unique()}
                d.from_choice = True
            for doc, abc_id in own.items():
                mine = post[(post["abc_id"] == abc_id) & (post["doctrine"] == doc)]
                d.posterior[doc] = mine.sort_values("parameter").reset_index(drop=True)
                p = parts[(parts["abc_id"] == abc_id) & (parts["doctrine"] == doc)]
                if len(p):
                    d.particles[doc] = _params(p[p["generation"] == p["generation"].max()])
            d.checks = q("calibration_checks").sort_values(["doctrine", "fact"])
            for doc in json.loads(meta["doctrines"]):
                row = con.execute(
                    "SELECT calibration FROM calibrations WHERE kind = 'sensitivity' AND doctrines = ? "
                    "ORDER BY created DESC LIMIT 1",
                    [json.dumps([doc])],
                ).fetchone()
                if row:
                    d.sensitivities.append(_sensitivity(con, str(row[0])))
            row = con.execute(
                "SELECT calibration FROM calibrations WHERE kind = 'confusion' ORDER BY created DESC LIMIT 1"
            ).fetchone()
            if row:
                d.confusion = (str(row[0]), _frame(con, "SELECT * FROM calibration_confusion WHERE calibration = ?", [row[0]]))
        elif meta["kind"] == "sensitivity":
            d.sensitivities.append(_sensitivity(con, cal))
        elif meta["kind"] == "confusion":
            d.confusion = (cal, q("calibration_confusion"))
    if meta["kind"] == "abc":
        from .abc import probability_table

        d.table = probability_table(path)
    return d


def _sensitivity(con: Any, cal: str) -> Sensitivity:
    meta = con.execute("SELECT doctrines, spec FROM calibrations WHERE calibration = ?", [cal]).fetchone()
    return Sensitivity(
        cal,
        json.loads(meta[0])[0],
        json.loads(meta[1]),
        _frame(con, "SELECT * FROM calibration_sobol WHERE calibration = ? ORDER BY outcome, parameter", [cal]),
        _frame(con, "SELECT * FROM calibration_prim WHERE calibration = ? ORDER BY outcome, box, parameter", [cal]),
    )


# --- figures ---------------------------------------------------------------------------------------------------


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / np.sum(w)
    return float(x[order][min(int(np.searchsorted(cw, q)), len(x) - 1)])


def _bounds(post: pd.DataFrame, name: str, x: np.ndarray) -> tuple[float, float]:
    """The prior range of a parameter (what the marginal is drawn against), else the particles' own range."""
    row = post[post["parameter"] == name]
    if len(row) and np.isfinite(row["prior_lo"].iloc[0]) and np.isfinite(row["prior_hi"].iloc[0]):
        return float(row["prior_lo"].iloc[0]), float(row["prior_hi"].iloc[0])
    lo, hi = float(np.min(x)), float(np.max(x))
    return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)


def fig_marginals(parts: pd.DataFrame, post: pd.DataFrame) -> Figure:
    """Weighted histograms of the last generation, one panel per parameter over its prior range; the line is the
    weighted mean, the shaded band the 90 % interval."""
    names = [c for c in parts.columns if c not in ("weight", "distance")]
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.3 * rows), layout="constrained")
    w = parts["weight"].to_numpy(dtype=float)
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, i + 1)
        x = parts[name].to_numpy(dtype=float)
        lo, hi = _bounds(post, name, x)
        ax.hist(x, bins=list(np.linspace(lo, hi, 13)), weights=w / w.sum(), color="#7570b3", alpha=0.8)
        ax.axvspan(_wquantile(x, w, 0.05), _wquantile(x, w, 0.95), color="#d95f02", alpha=0.15)
        ax.axvline(float(np.sum(w * x) / np.sum(w)), color="#d95f02")
        ax.set_xlim(lo, hi)
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    return fig


def fig_pairs(parts: pd.DataFrame, post: pd.DataFrame) -> Figure:
    """The pairs of the last generation's particles (lower triangle; point area by weight), marginals on the diagonal."""
    names = [c for c in parts.columns if c not in ("weight", "distance")]
    n = len(names)
    size = max(4.0, min(1.25 * n, 11.0))
    fig = Figure(figsize=(size, size), layout="constrained")
    w = parts["weight"].to_numpy(dtype=float)
    area = 6 + 60 * w / w.max() if w.max() > 0 else np.full(len(w), 10.0)
    for i, a in enumerate(names):
        xa = parts[a].to_numpy(dtype=float)
        for j, b in enumerate(names[: i + 1]):
            ax = fig.add_subplot(n, n, i * n + j + 1)
            xb = parts[b].to_numpy(dtype=float)
            lob, hib = _bounds(post, b, xb)
            if i == j:
                ax.hist(xa, bins=list(np.linspace(lob, hib, 11)), weights=w, color="#7570b3")
                ax.set_yticks([])
            else:
                ax.scatter(xb, xa, s=area, color="#1b9e77", alpha=0.6, linewidths=0)
                ax.set_ylim(*_bounds(post, a, xa))
            ax.set_xlim(lob, hib)
            ax.tick_params(labelsize=5)
            if i == n - 1:
                ax.set_xlabel(b, fontsize=6)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=6)
            elif i != j:
                ax.set_yticklabels([])
    return fig


def fig_models(d: CalibrationData) -> Figure:
    fig = Figure(figsize=(6.5, 0.5 + 0.45 * len(d.probabilities)), layout="constrained")
    ax = fig.add_subplot()
    names = list(d.probabilities)
    ax.barh(names[::-1], [d.probabilities[n] for n in names[::-1]], color="#1b9e77")
    ax.set_xlim(0, 1)
    ax.set_xlabel("posterior model probability (last generation)")
    return fig


def fig_sobol(s: Sensitivity) -> Figure:
    """One panel per outcome: S1 and ST per parameter with their 95 % bootstrap half-widths as error bars."""
    outcomes = [o for o in OUTCOME_LABELS if o in set(s.sobol["outcome"])]
    names = sorted(set(s.sobol["parameter"]))
    cols = 2
    rows = -(-len(outcomes) // cols)
    fig = Figure(figsize=(10, (0.9 + 0.32 * len(names)) * rows), layout="constrained")
    y = np.arange(len(names))
    for i, o in enumerate(outcomes):
        ax = fig.add_subplot(rows, cols, i + 1)
        t = s.sobol[s.sobol["outcome"] == o].set_index("parameter").reindex(names)
        ax.barh(y + 0.2, t["s1"], 0.4, xerr=t["s1_conf"], color="#7570b3", label="S1", error_kw={"lw": 0.8})
        ax.barh(y - 0.2, t["st"], 0.4, xerr=t["st_conf"], color="#d95f02", label="ST", error_kw={"lw": 0.8})
        ax.axvline(0, color="#888", lw=0.6)
        ax.set_yticks(y, names if i % cols == 0 else [""] * len(names), fontsize=7)
        ax.set_title(OUTCOME_LABELS[o], fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        if i == 0:
            ax.legend(fontsize=7)
    return fig


# --- page ------------------------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    attr = f" class={cls}" if cls else ""
    return f"<div class=scroll><table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _figure(key: str, fig: Figure, caption: str) -> str:
    from ..report import svg_inline

    return f"<figure id='fig-{html.escape(key)}'>{svg_inline(fig, key)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _provenance(d: CalibrationData) -> str:
    m = d.meta
    spec = json.loads(m["spec"])
    rows = [
        ("calibration", m["calibration"]),
        ("kind", m["kind"]),
        ("status", m["status"]),
        ("stavka version", m["version"]),
        ("source hash", m.get("source_hash") or "-"),
        ("scenario", f"{m['scenario']} (hash {m['scenario_hash']})"),
        ("root seed", m["seed"]),
        ("doctrines", ", ".join(json.loads(m["doctrines"]))),
        ("specification", json.dumps(spec, sort_keys=True)),
        ("seconds", fmt_v(m.get("seconds"))),
        ("created", str(m["created"])[:19]),
        ("store", str(d.db)),
        ("pyabc history", m.get("history") or "-"),
    ]
    meta = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    out = f"<table class=meta>{meta}</table>"
    if m["kind"] == "abc":
        tg = json.loads(m["targets"])
        out += "<h2>Fitting targets</h2>" + _table(
            ["target", "record's value", "scale (one uncertainty)"], [[t["id"], fmt_v(t["value"]), fmt_v(t["scale"])] for t in tg]
        )
    return out


def _abc_sections(d: CalibrationData) -> list[str]:
    parts: list[str] = []
    parts.append("<h2>Model probabilities</h2>")
    if d.probabilities:
        parts.append(
            _table(["account", "probability"], [[k, fmt_p(v)] for k, v in d.probabilities.items()], "probabilities")
            + _figure("models", fig_models(d), "Posterior model probabilities of the model-choice run, last generation.")
        )
    else:
        parts.append("<p>This calibration has no model-choice run (one account, or posteriors only).</p>")
    if len(d.table):
        docs = [c for c in d.table.columns if c not in _TABLE_SETTINGS]
        rows = [[r[c] for c in _TABLE_SETTINGS] + [fmt_p(r[c]) for c in docs] for _, r in d.table.iterrows()]
        parts.append(
            "<p>Their sensitivity: every model-choice calibration in this store, with the settings that differ between "
            "them (targets, tolerance quantile, population, generations, runs per particle, variant, seed). ABC model "
            "probabilities are probabilities given the summaries, and move with them (docs/calibration.md).</p>"
            + _table(_TABLE_SETTINGS + docs, rows, "sensitivity")
        )
    if len(d.generations):
        label = dict(zip(d.runs["abc_id"], d.runs["label"], strict=True))
        rows = [
            [
                label.get(r["abc_id"], r["abc_id"]),
                r["generation"],
                fmt_v(r["epsilon"]),
                r["particles"],
                r["simulations"],
                fmt_p(r["acceptance"]),
            ]
            for _, r in d.generations.iterrows()
        ]
        parts.append(
            "<h2>Generations</h2>"
            + _table(["pyabc run", "generation", "tolerance (epsilon)", "particles", "simulations", "acceptance"], rows)
        )
    for doc, post in d.posterior.items():
        within = " (within the model choice: no posterior run of its own)" if d.from_choice else ""
        parts.append(f"<h2>Posterior: {html.escape(doc)}{within}</h2>")
        rows = [
            [
                r["parameter"],
                fmt_v(r["mean"]),
                fmt_v(r["q05"]),
                fmt_v(r["q95"]),
                f"{fmt_v(r['prior_lo'])} .. {fmt_v(r['prior_hi'])}",
            ]
            for _, r in post.iterrows()
        ]
        parts.append(_table(["parameter", "mean", "5 %", "95 %", "prior (uniform)"], rows, f"posterior-{doc}"))
        parts_df = d.particles.get(doc)
        if parts_df is not None and len(parts_df):
            parts.append(
                _figure(
                    f"marginals-{doc}",
                    fig_marginals(parts_df, post),
                    f"{doc}: weighted marginals of the last generation's {len(parts_df)} particles over each prior range; "
                    "line: weighted mean; band: 90 % interval.",
                )
            )
            if parts_df.shape[1] > 3:
                parts.append(
                    _figure(
                        f"pairs-{doc}",
                        fig_pairs(parts_df, post),
                        f"{doc}: pairs of parameters in the last generation (point area by weight).",
                    )
                )
    parts.append("<h2>Posterior predictive checks</h2>")
    if len(d.checks):
        rows = [
            [r["doctrine"], r["fact"], f"{fmt_v(r['lo'])} .. {fmt_v(r['hi'])}", r["runs"], fmt_p(r["inside"]), fmt_v(r["mean"])]
            for _, r in d.checks.iterrows()
        ]
        parts.append(
            "<p>Runs simulated from each posterior (particles drawn by weight, at a run id past those they were fitted on) "
            "against the checking facts, which no calibration fits.</p>"
            + _table(["account", "checking fact", "record's range", "runs", "share inside", "mean"], rows, "checks")
        )
    else:
        parts.append("<p>No predictive check is stored for this calibration (<code>stavka calibrate --checks N</code>).</p>")
    return parts


_TABLE_SETTINGS = [
    "calibration",
    "status",
    "variant",
    "targets",
    "quantile",
    "population",
    "generations",
    "runs_per_particle",
    "seed",
]


def _sensitivity_sections(s: Sensitivity) -> list[str]:
    spec = s.spec
    parts = [
        f"<h2>Sensitivity: {html.escape(s.doctrine)}</h2>",
        f"<p>{html.escape(s.calibration)}: Sobol indices (SALib) over the prior ranges, base sample n = {spec.get('n')}, "
        f"{spec.get('runs')} run(s) per point; bars are 95 % bootstrap intervals.</p>",
        _figure(f"sobol-{s.doctrine}", fig_sobol(s), f"{s.doctrine}: first-order (S1) and total (ST) Sobol indices per outcome."),
    ]
    rows = [
        [
            OUTCOME_LABELS.get(r["outcome"], r["outcome"]),
            r["parameter"],
            fmt_v(r["s1"]),
            fmt_v(r["s1_conf"]),
            fmt_v(r["st"]),
            fmt_v(r["st_conf"]),
        ]
        for _, r in s.sobol.iterrows()
    ]
    parts.append(_table(["outcome", "parameter", "S1", "S1 ± (95 %)", "ST", "ST ± (95 %)"], rows, f"sobol-{s.doctrine}"))
    parts.append("<h3>PRIM boxes</h3>")
    if len(s.prim):
        rows = [
            [
                r["outcome"],
                r["box"],
                r["parameter"],
                fmt_v(r["lo"]),
                fmt_v(r["hi"]),
                fmt_p(r["coverage"]),
                fmt_p(r["density"]),
                fmt_p(r["mass"]),
            ]
            for _, r in s.prim.iterrows()
        ]
        parts.append(
            "<p>Which parameter ranges lead to the war not won and to the ruler's fall (ema_workbench's PRIM).</p>"
            + _table(["outcome", "box", "parameter", "from", "to", "coverage", "density", "mass"], rows, f"prim-{s.doctrine}")
        )
    else:
        parts.append("<p>No box: neither outcome happens at some points and not at others.</p>")
    return parts


def _confusion_section(cal: str, df: pd.DataFrame) -> list[str]:
    docs = list(dict.fromkeys([*df["true_doctrine"], *df["chosen_doctrine"]]))
    m = (
        df.pivot_table(index="true_doctrine", columns="chosen_doctrine", values="count", aggfunc="sum")
        .reindex(index=docs, columns=docs)
        .fillna(0)
    )
    total = float(m.to_numpy().sum())
    wrong = total - float(np.trace(m.to_numpy()))
    rows = [[t, *[int(m.loc[t, c]) for c in docs]] for t in docs]
    return [
        "<h2>The choice checked on itself</h2>",
        f"<p>{html.escape(cal)}: pseudo-records simulated from each account's prior, put through the same model choice. "
        f"Error rate {fmt_p(wrong / total if total else float('nan'))} over {int(total)} pseudo-records "
        f"(guessing among {len(docs)}: {fmt_p(1 - 1 / len(docs))}).</p>",
        _table(["true \\ chosen", *docs], rows, "confusion"),
    ]


def render(d: CalibrationData) -> str:
    from ..report import CSS, GENERATOR_TAG

    cal = d.meta["calibration"]
    parts = [
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8>{GENERATOR_TAG}"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>stavka calibration: {html.escape(cal)}</title><style>{CSS}</style></head><body>",
        f"<h1>stavka calibration: {html.escape(cal)}</h1>",
        _provenance(d),
    ]
    if d.meta["kind"] == "abc":
        parts += _abc_sections(d)
    for s in d.sensitivities:
        parts += _sensitivity_sections(s)
    if d.confusion is not None:
        parts += _confusion_section(*d.confusion)
    parts.append(
        "<p class=ci>Made by stavka from the results store's calibration tables; figures are inline SVG, and the file "
        "needs nothing else to open. docs/calibration.md says what the figures can and cannot show.</p></body></html>"
    )
    return "\n".join(parts)


def write_calibration_report(
    db: str | os.PathLike[str] = DEFAULT_DB,
    out: str | os.PathLike[str] = "report.html",
    calibration: str | None = None,
    fmt: str = "html",
) -> list[Path]:
    """Write the report of a calibration (the latest by default) as one self-contained HTML file."""
    from ..report import _refuse_foreign

    if fmt != "html":
        raise ConfigError(f"--format: a calibration report is html only (got {fmt!r})")
    target = Path(out)
    _refuse_foreign(target, fmt, Path(db))
    text = render(read_calibration(db, calibration))
    try:
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write the report: {exc.strerror or exc}") from None
    return [target]
