"""The `stavka` command: run, compare, sweep, report, chronicle, doctrines."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from .config import MAX_RUNS_IN_MEMORY, MAX_SEED, ConfigError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="Stalin's command system as a simulation."
)
out = Console()
err = Console(stderr=True)

ScenarioOpt = Annotated[str, typer.Option("--scenario", help="built-in scenario name or a .toml file")]
RunsOpt = Annotated[
    int, typer.Option("--runs", min=1, max=MAX_RUNS_IN_MEMORY, help="number of runs (held in memory; more: stavka sweep)")
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="root seed")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON only")]
DbOpt = Annotated[str, typer.Option("--db", help="results store (DuckDB file) to write to")]
NoDbOpt = Annotated[bool, typer.Option("--no-db", help="store nothing")]
KeepEventsOpt = Annotated[
    int, typer.Option("--keep-events", min=0, help="runs (per doctrine) whose true and official ledgers are stored")
]
FollowOpt = Annotated[
    str,
    typer.Option(
        "--follow-record-until",
        metavar="YYYY-MM",
        help="the named officers follow the record before this month; from it on the doctrine decides",
    ),
]
DEFAULT_DB = "stavka.duckdb"


def _scenario(scenario: str, follow: str) -> Any:
    """The scenario asked for, following the record up to `follow` if given (a ConfigError if it cannot)."""
    if not follow:
        return scenario
    from .config import load_scenario

    return load_scenario(scenario, **{"scenario.follow_record_until": follow})


def _progress(total: int, label: str, quiet: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
        transient=True,
    )


def _stats_json(summary: Any, cal: Any) -> dict[str, Any]:
    from .metrics import format_value

    res: dict[str, Any] = {}
    for name, row in summary.iterrows():
        if name == "victory_month":
            res[name] = {
                "mean": format_value(name, row["mean"], cal),
                "ci95": [format_value(name, row["lo"], cal), format_value(name, row["hi"], cal)],
                "n": int(row["n"]),
            }
        else:
            res[name] = {"mean": _num(row["mean"]), "ci95": [_num(row["lo"]), _num(row["hi"])], "n": int(row["n"])}
    return res


def _rows(frame: Any) -> list[Any]:
    """A frame's rows as named tuples (typed Any: pandas types each field as any scalar)."""
    return list(frame.itertuples())


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@app.command()
def run(
    scenario: ScenarioOpt = "default",
    doctrine: Annotated[str, typer.Option(help="doctrine name or file")] = "historical",
    runs: RunsOpt = 100,
    seed: SeedOpt = 0,
    json_out: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
    no_db: NoDbOpt = False,
    keep_events: KeepEventsOpt = 10,
    follow_record_until: FollowOpt = "",
) -> None:
    """Simulate runs of one doctrine, print every metric's mean and 95% interval, and store the runs."""
    from .chunks import simulate_keeping
    from .config import load_scenario
    from .doctrines import get_doctrine
    from .metrics import format_value

    scenario_name = scenario
    scenario = _scenario(scenario, follow_record_until)
    if not no_db:  # user mistakes first, then a store that is not ours: before simulating anything
        load_scenario(scenario)
        get_doctrine(doctrine)
        _check_store(db)
    keep = 0 if no_db else min(keep_events, runs)
    with _progress(runs, doctrine, json_out) as bar:
        task = bar.add_task(f"{doctrine}", total=runs)

        def tick(done: int) -> None:
            _check_stop()
            bar.update(task, completed=done)

        res = simulate_keeping(scenario, doctrine, range(runs), seed, keep, progress=tick)
    spec = {
        "scenario": scenario_name,
        "doctrine": doctrine,
        **({"follow_record_until": follow_record_until} if follow_record_until else {}),
    }
    stored = None if no_db else _save(db, "run", [res], runs, seed, keep, None, spec)
    summary = res.summary()
    cal = res.scenario.calendar
    if json_out:
        victories = res.metrics["victory_month"].notna().mean()
        data: dict[str, Any] = {"metrics": _stats_json(summary, cal), "victory_share": float(victories), "meta": res.meta}
        if stored:
            data["store"] = {"db": db, "experiment": stored}
        print(json.dumps(data))
        return
    table = Table(title=f"{res.meta['doctrine']} on {res.meta['scenario']}: {runs} runs, seed {seed}")
    for col in ("metric", "mean", "95% interval", "runs"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name, row in summary.iterrows():
        table.add_row(
            str(name),
            format_value(str(name), row["mean"], cal),
            f"{format_value(str(name), row['lo'], cal)} .. {format_value(str(name), row['hi'], cal)}",
            str(int(row["n"])),
        )
    out.print(table)
    out.print(
        f"victory in {res.metrics['victory_month'].notna().mean():.0%} of runs; stavka {res.meta['version']}, "
        f"scenario hash {res.meta['scenario_hash']}"
    )
    if stored:
        out.print(f"stored in {db} as experiment {stored}", highlight=False, soft_wrap=True)


def _check_store(db: str) -> None:
    """Refuse a store that is not ours (or not writable) before simulating anything; create nothing, so a
    command that fails later leaves no empty store."""
    from .storage import Store

    Store.check_writable(db)


def _save(
    db: str, kind: str, results: list[Any], runs: int, seed: int, keep: int, ledgers: list[Any] | None, spec: dict[str, Any]
) -> str:
    from .experiments import save_results

    return save_results(db, kind, results, runs, seed, keep, ledgers, spec)


@app.command()
def compare(
    doctrines: Annotated[str, typer.Option(help="comma-separated doctrine names")] = "terror,meritocratic",
    scenario: ScenarioOpt = "default",
    runs: RunsOpt = 100,
    seed: SeedOpt = 0,
    json_out: JsonOpt = False,
    db: DbOpt = DEFAULT_DB,
    no_db: NoDbOpt = False,
    keep_events: KeepEventsOpt = 10,
    follow_record_until: FollowOpt = "",
) -> None:
    """Paired comparison of doctrines on the same seeds (run k meets the same luck under each); stored."""
    from .api import compare as compare_
    from .api import simulate
    from .metrics import format_value

    scenario_name = scenario
    scenario = _scenario(scenario, follow_record_until)
    names = [d.strip() for d in doctrines.split(",") if d.strip()]
    if not names:
        raise ConfigError("--doctrines: expected a comma-separated list of doctrine names")
    if not no_db:
        from .config import load_scenario
        from .doctrines import get_doctrine

        load_scenario(scenario)
        for name in names:
            get_doctrine(name)
        _check_store(db)
    with _progress(runs * len(names), "compare", json_out) as bar:
        task = bar.add_task("compare", total=runs * len(names))
        finished: dict[str, int] = {}

        def tick(name: str, done: int) -> None:
            _check_stop()
            finished[name] = done
            bar.update(task, completed=sum(finished.values()), description=name)

        cmp = compare_(names, runs=runs, seed=seed, scenario=scenario, progress=tick)
    stored = None
    if not no_db:
        keep = min(keep_events, runs)
        # the first runs again, with both ledgers (the same runs: a run depends on its seed and id alone)
        specs = names if len(names) == len(cmp.results) else list(cmp.results)
        ledgers = [simulate(scenario, spec, seed=seed, run_ids=range(keep), events=True) if keep else None for spec in specs]
        spec = {"scenario": scenario_name, "doctrines": names}
        if follow_record_until:
            spec["follow_record_until"] = follow_record_until
        stored = _save(db, "compare", list(cmp.results.values()), runs, seed, keep, ledgers, spec)
    first = next(iter(cmp.results.values()))
    cal = first.scenario.calendar
    tab = cmp.table
    if json_out:
        res: dict[str, Any] = {"doctrines": list(cmp.results), "runs": runs, "seed": seed, "metrics": {}}
        for metric, grp in tab.groupby("metric", sort=False):
            res["metrics"][metric] = {
                row.doctrine: {
                    "mean": _num(row.mean),
                    "ci95": [_num(row.lo), _num(row.hi)],
                    "diff_vs_first": _num(row.diff),
                    "diff_ci95": [_num(row.diff_lo), _num(row.diff_hi)],
                }
                for row in _rows(grp)
            }
        res["meta"] = {k: v for k, v in first.meta.items() if k not in ("doctrine", "doctrine_params")}
        if stored:
            res["store"] = {"db": db, "experiment": stored}
        print(json.dumps(res))
        return
    table = Table(title=f"{', '.join(cmp.results)}: {runs} paired runs, seed {seed} (mean [95% interval])")
    table.add_column("metric")
    for name in cmp.results:
        table.add_column(name, justify="right")
    for metric, grp in ((str(m), g) for m, g in tab.groupby("metric", sort=False)):
        cells = [
            f"{format_value(metric, r.mean, cal)} [{format_value(metric, r.lo, cal)}, {format_value(metric, r.hi, cal)}]"
            for r in _rows(grp)
        ]
        table.add_row(metric, *cells)
    out.print(table)
    out.print(f"Paired differences against {names[0]} (with intervals): stavka compare ... --json")
    if stored:
        out.print(f"stored in {db} as experiment {stored}", highlight=False, soft_wrap=True)


@app.command()
def chronicle(
    doctrine: Annotated[str, typer.Option(help="doctrine name or file")] = "historical",
    seed: SeedOpt = 0,
    run: Annotated[int, typer.Option("--run", min=0, max=MAX_SEED)] = 0,
    scenario: ScenarioOpt = "default",
    true_only: Annotated[bool, typer.Option("--true", help="only the true chronicle")] = False,
    official_only: Annotated[bool, typer.Option("--official", help="only the official history")] = False,
    denunciations: Annotated[bool, typer.Option(help="include denunciations")] = False,
) -> None:
    """One run told in dated sentences: the true chronicle and the official one side by side."""
    from .api import simulate
    from .history import chronicle as tell

    res = simulate(scenario, doctrine, seed=seed, run_ids=[run])
    skip = () if denunciations else ("denunciation",)
    true_lines, official_lines = tell(res.events, skip), tell(res.official, skip)
    if true_only or official_only:
        for line in true_lines if true_only else official_lines:
            out.print(line, highlight=False, markup=False)
        return
    table = Table(title=f"{res.meta['doctrine']}, seed {seed}, run {run}", show_lines=False, expand=True)
    table.add_column("What happened")
    table.add_column("What the official history says")
    by_month_true = _by_month(true_lines)
    by_month_off = _by_month(official_lines)
    for month in sorted(set(by_month_true) | set(by_month_off)):
        table.add_row("\n".join(by_month_true.get(month, [])), "\n".join(by_month_off.get(month, [])))
    out.print(table)


def _by_month(lines: list[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for line in lines:
        grouped.setdefault(line[:7], []).append(line)
    return grouped


@app.command()
def play(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="port (0: a free one)")] = 0,
    host: Annotated[str, typer.Option("--host", help="address to listen on; loopback unless given")] = "127.0.0.1",
    db: Annotated[str, typer.Option("--db", help="games store (DuckDB file)")] = "stavka_play.duckdb",
) -> None:
    """The playable ruler: a web app in which you govern the generals month by month."""
    import importlib.util
    import socket

    from .play.store import GameStore, StoreError

    if importlib.util.find_spec("panel") is None:
        raise ConfigError("stavka play needs the web toolkit Panel: pip install 'stavka[play]'")

    try:
        store = GameStore(db)
    except StoreError as exc:
        raise ConfigError(str(exc)) from None
    if port == 0:  # a free port, chosen here so that the address can be printed before serving
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    from .play.app import serve

    print(f"stavka play: open http://{host}:{port}/ (games in {db}; Ctrl-C stops)", flush=True)
    serve(store, host, port)


@app.command()
def replay(
    file: Annotated[str, typer.Argument(help="a game file (JSON, as the app downloads it)")], json_out: JsonOpt = False
) -> None:
    """Replay a game file exactly and print its metrics."""
    from .metrics import METRICS, format_value
    from .play.game import Game, GameError

    try:
        with open(file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    try:
        game = Game.from_json(data, file)
    except GameError as exc:
        raise ConfigError(str(exc)) from None
    m = game.outcome().metrics.iloc[0]
    cal = game.sim.scenario.calendar
    spec = game.spec
    if json_out:
        row = {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v) for k, v in m.items()}
        info = {"start": spec.start, "seed": spec.seed, "run": spec.run, "fallback": spec.fallback, "months": len(spec.months)}
        print(json.dumps({**info, "reached": game.month, "metrics": {k: _jsonable(row[k]) for k in METRICS}}))
        return
    out.print(
        f"game: {spec.start} start, seed {spec.seed}, run {spec.run}, staff {spec.fallback}, {len(spec.months)} months decided"
    )
    for k in METRICS:
        v = m[k]
        text = str(v) if isinstance(v, str) or v is None else format_value(k, float(v), cal)
        if k == "victory_month" and v is None:
            text = "-"
        out.print(f"{k:>22}  {text}", highlight=False)


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


class RateColumn(ProgressColumn):
    """Runs per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- runs/s" if speed is None else f"{speed:,.1f} runs/s", style="progress.data.speed")


@app.command()
def sweep(
    file: Annotated[str, typer.Argument(help="sweep file (.toml)", show_default=False)],
    db: DbOpt = DEFAULT_DB,
    workers: Annotated[int, typer.Option("--workers", min=1, help="local worker processes")] = 2,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="existing Dask cluster, tcp://host:port")] = None,
    chunk: Annotated[int | None, typer.Option("--chunk", min=1, help="runs per chunk (default: the file's)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress output")] = False,
) -> None:
    """Run (or resume) a sweep on Dask, streaming each chunk into the store as it finishes."""
    from .cluster import scheduler_address, silence_dask
    from .sweep import SweepError, SweepProgress, run_sweep
    from .sweep_file import load_sweep

    spec = load_sweep(file)
    if scheduler is not None:  # a mistaken address is refused before the store is looked at
        scheduler = scheduler_address(scheduler)
    silence_dask()  # a lost scheduler or worker, or the shutdown after a signal, is one line below, not pages
    live = err.is_terminal and not quiet
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err,
        disable=not live,
    )
    task = None

    def tick(state: SweepProgress) -> None:
        _check_stop()
        nonlocal task
        if task is None:
            task = bar.add_task(spec.name, total=state.total, completed=state.done)
            if not quiet:
                err.print(
                    f"sweep {state.experiment}: {state.total} runs"
                    + (f", {state.resumed} already stored (resuming)" if state.resumed else ""),
                    highlight=False,
                    soft_wrap=True,
                )
            return
        bar.update(task, completed=state.done)
        if not live and not quiet:
            err.print(f"stored {state.done}/{state.total} runs", highlight=False)

    try:
        with bar:
            summary = run_sweep(spec, db=db, workers=workers, scheduler=scheduler, chunk=chunk, progress=tick)
    except (KeyboardInterrupt, Interrupted) as exc:
        stop = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
        _say(f"interrupted by {stop.name}: the chunks stored in {db} are kept; run the same command again to resume")
        raise typer.Exit(stop.exit_code) from None
    except SweepError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    rate = f", {summary.runs_per_second:,.1f} runs/s on {summary.workers} workers" if summary.simulated else ""
    out.print(
        f"sweep {summary.experiment}: {summary.total} runs stored in {db} "
        f"({summary.simulated} simulated now, {summary.resumed} resumed{rate})",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def report(
    db: DbOpt = DEFAULT_DB,
    out_path: Annotated[str | None, typer.Option("--out", help="report.html, or a directory for png/pdf")] = None,
    experiment: Annotated[str | None, typer.Option("--experiment", help="experiment id (default: the latest)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, png or pdf")] = "html",
    run: Annotated[int | None, typer.Option("--run", min=0, help="the run told in careers and histories")] = None,
    calibration: Annotated[
        str | None, typer.Option(help="report this calibration, or 'latest' (default when the store's latest work is one)")
    ] = None,
) -> None:
    """A self-contained HTML report of an experiment or a calibration (or an experiment's figures as PNG/PDF files)."""
    from .calibration.report import has_calibrations, write_calibration_report
    from .report import write_report

    if fmt not in ("html", "png", "pdf"):
        raise ConfigError(f"--format: expected html, png or pdf (got {fmt!r})")
    target = out_path or ("report.html" if fmt == "html" else "figures")
    if calibration is not None or (experiment is None and has_calibrations(db)):
        written = write_calibration_report(db, target, None if calibration in (None, "latest") else calibration, fmt)
    else:
        written = write_report(db, target, experiment=experiment, fmt=fmt, run=run)
    for path in written:
        out.print(str(path), highlight=False)


@app.command()
def experiments(db: DbOpt = DEFAULT_DB, json_out: JsonOpt = False) -> None:
    """The experiments in a store: id, kind, doctrines, runs stored."""
    from .storage import Store, frame_of

    with Store(db, read_only=True) as store, store.reading():
        df = frame_of(
            store.sql("""SELECT e.experiment, e.kind, e.created, e.version, e.scenario, e.seed, e.n_cells,
                                 e.total_runs, e.status, (SELECT count(*) FROM runs r WHERE r.experiment = e.experiment)
                                 AS stored, (SELECT string_agg(DISTINCT c.doctrine, ',') FROM cells c
                                 WHERE c.experiment = e.experiment) AS doctrines
                          FROM experiments e ORDER BY e.created""")
        )
    if json_out:
        print(df.assign(created=df["created"].astype(str)).to_json(orient="records"))
        return
    table = Table(title=f"experiments in {db}")
    table.add_column("experiment", overflow="fold", min_width=16)
    for col in ("kind", "doctrines", "cells", "runs stored", "status", "created"):
        table.add_column(col)
    for r in df.to_dict("records"):
        table.add_row(
            str(r["experiment"]),
            str(r["kind"]),
            str(r["doctrines"] or ""),
            str(r["n_cells"]),
            f"{r['stored']}/{r['total_runs']}",
            str(r["status"]),
            str(r["created"])[:19],
        )
    out.print(table)


def _param_line(row: dict[str, Any], prefix: str = "") -> Text:
    prior = row["prior"]
    text = Text(f"  {prefix}{row['name']} = {row['value']}", style="bold")
    text.append(f"  {row['unit']}", style="cyan")
    if prior is not None:
        text.append(f"  prior {prior[0]:g} .. {prior[1]:g}", style="green")
    text.append(f"  {row['meaning']}")
    text.append(f"  [{row['source']}]", style="dim")
    return text


@app.command("params")
def list_params(scenario: ScenarioOpt = "default", json_out: JsonOpt = False) -> None:
    """Every parameter, grouped by submodel: name, value, unit, prior range, meaning and source (the scenario's
    sections, then the shared doctrine policy's parameters, the ruler's choice)."""
    from .config import load_scenario
    from .doctrines.policy import PolicyParams
    from .params import SUBMODELS, json_safe, parameter_rows

    cfg = load_scenario(scenario)
    groups: dict[str, dict[str, Any]] = {}
    for section in type(cfg).model_fields:
        values = getattr(cfg, section)
        groups[section] = {"submodel": SUBMODELS[section], "params": parameter_rows(type(values), values)}
    groups["doctrine"] = {
        "submodel": "§7.11 doctrine policy rules (the ruler's choice; defaults of the shared policy)",
        "params": parameter_rows(PolicyParams),
    }
    if json_out:
        print(json.dumps(json_safe(groups)))
        return
    for section, group in groups.items():
        out.print(f"[bold]\\[{section}][/bold]  {group['submodel']}", highlight=False)
        for row in group["params"]:
            if isinstance(row["value"], list):  # the calendar's dated lists: too long for one line
                row = row | {"value": f"{len(row['value'])} dated entries"}
            out.print(_param_line(row), highlight=False)


@app.command("doctrines")
def list_doctrines(json_out: JsonOpt = False) -> None:
    """The registered doctrines: traits and parameters with their values, meanings and units."""
    from .doctrines import REGISTRY
    from .params import json_safe, parameter_rows

    docs = {}
    for name, cls in REGISTRY.items():
        doctrine = cls()
        info = doctrine.describe() | {"doc": (cls.__doc__ or "").strip().split("\n\n")[0]}
        rows = parameter_rows(type(doctrine.params), doctrine.params)
        info["meanings"] = {
            r["name"]: {"meaning": r["meaning"], "unit": r["unit"], "prior": r["prior"], "source": r["source"]} for r in rows
        }
        docs[name] = info
    if json_out:
        print(json.dumps(json_safe(docs)))
        return
    for name, info in docs.items():
        out.print(f"[bold]{name}[/bold]  traits: {', '.join(info['traits']) or '-'}")
        out.print(f"  {' '.join(info['doc'].split())}", highlight=False)
        if not info["params"]:
            out.print("  [dim]no parameters[/dim]", highlight=False)
        for key, value in info["params"].items():
            m = info["meanings"][key]
            line = Text(f"  {key} = {value}", style="bold")
            line.append(f"  {m['unit']}", style="cyan")
            line.append(f"  {m['meaning']}")
            out.print(line, highlight=False)


ALL_DOCTRINES = "historical,terror,break_and_use,meritocratic,passive"


def _fmt(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


@app.command("evidence")
def evidence_cmd(
    runs: Annotated[int, typer.Option(help="free runs per doctrine for the claims' reproduction (0: none)")] = 0,
    seed: Annotated[int, typer.Option(help="seed of the free runs")] = 0,
    doctrines: Annotated[str, typer.Option(help="comma-separated doctrines")] = ALL_DOCTRINES,
    json_out: JsonOpt = False,
) -> None:
    """The record: stylised facts (value, range, unit, denominator, use, source) and the seeds' claims table; with
    --runs N, the share of N free runs of each doctrine that reproduce each testable claim, and the model's value
    of each measured fact beside the record's range (default: no simulation)."""
    from . import record

    names = [d.strip() for d in doctrines.split(",") if d.strip()]
    shares: dict[str, dict[str, float]] | None = None
    fits: dict[str, list[dict[str, Any]]] | None = None
    if runs > 0:
        results = record.free_runs(runs, seed, names)
        shares = {d: record.reproduction(r.events) for d, r in results.items()}
        fits = {
            d: [{str(k): v for k, v in row.items()} for row in record.compare(r).to_dict("records")] for d, r in results.items()
        }
    data = record.evidence(shares, fits)
    if json_out:
        from .params import json_safe

        print(json.dumps(json_safe(data)))
        return
    facts_table = Table(title="The record: stylised facts (fit = fitting target, check = checking fact)")
    for col in ("id", "value", "range", "unit", "denominator", "use", "source"):
        facts_table.add_column(col, overflow="fold")
    for f in data["facts"]:
        facts_table.add_row(
            f["id"],
            _fmt(f["value"]),
            f"{_fmt(f['lo'])}-{_fmt(f['hi'])}",
            f["unit"],
            f["denominator"],
            f["use"],
            "; ".join(f["sources"]),
        )
    out.print(facts_table)
    claims_table = Table(title="Claims of the seeds" + (f" (share of {runs} free runs, seed {seed})" if shares else ""))
    for col in ("seed", "claim", "verdict", "record", "source", *(names if shares else [])):
        claims_table.add_column(col, overflow="fold")
    for c in data["claims"]:
        rep = c.get("reproduced") or {}
        claims_table.add_row(
            c["seed"],
            c["claim"],
            c["verdict"],
            c["record"],
            c["source"],
            *([f"{rep[d]:.2f}" if d in rep else "-" for d in names] if shares else []),
        )
    out.print(claims_table)
    if fits:
        model_table = Table(title=f"The model against the record ({runs} free runs, seed {seed}; * inside the range)")
        for col in ("fact", "use", "record", "range", *names):
            model_table.add_column(col, overflow="fold")
        for i, row in enumerate(fits[names[0]]):
            cells = [fits[d][i] for d in names]
            model_table.add_row(
                row["fact"],
                row["use"],
                _fmt(row["record"]),
                f"{_fmt(row['lo'])}-{_fmt(row['hi'])}",
                *[f"{_fmt(c['model'])}{' *' if c['inside'] else ''}" for c in cells],
            )
        out.print(model_table)


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(BaseException):
    """The `stavka` command was sent SIGINT, SIGTERM or SIGHUP: it stops where it is, and what is stored
    stays stored (a sweep's chunks; `run` and `compare` store all or nothing, at the end).  A
    BaseException like KeyboardInterrupt, so that no `except Exception` swallows it; not one, which
    click would turn into "Aborted!"."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = int(signum)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process ended by it: 130, 143, 129."""
        return 128 + self.signum


def _say(line: str) -> None:
    """One line on stderr, if stderr is still there (after a hang-up it may not be)."""
    with contextlib.suppress(OSError, ValueError):
        err.print(line, highlight=False, markup=False, soft_wrap=True)


_pending: list[int] = []  # signals received: their Interrupted may have been swallowed (see `_check_stop`)


def _check_stop() -> None:
    """Raise Interrupted for a signal already received.  A signal that lands while Numba compiles, inside a
    ctypes callback into Python, has its exception swallowed there ("Exception ignored on calling ctypes
    callback"); the progress callbacks call this, so the command still stops at the next batch."""
    if _pending:
        raise Interrupted(_pending[0])


def _quiet_stop(unraisable: Any, then: Callable[[Any], None] = sys.__unraisablehook__) -> None:
    """`sys.unraisablehook` while a command runs: the Interrupted that a stop signal raised inside a ctypes
    callback (Numba compiling or writing its cache) is swallowed there, and Python would print it with a traceback;
    it is already pending (`_check_stop` acts on it), so it is dropped.  Anything else goes to `then`."""
    if not isinstance(unraisable.exc_value, Interrupted):
        then(unraisable)


def _stop_on_signals() -> None:
    """SIGINT, SIGTERM and SIGHUP raise Interrupted in the main thread, once: the command then stops and
    closes what it holds (a sweep's cluster), undisturbed; a second signal meanwhile ends the process
    at once (the store is safe: each of its writes is one transaction)."""

    def again(signum: int, frame: object) -> None:
        _say(f"interrupted again by {signal.Signals(signum).name}: stopped at once")
        os._exit(128 + signum)

    def stop(signum: int, frame: object) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, again)
        _pending.append(signum)
        raise Interrupted(signum)

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)


from .calibration.cli import register as _register_calibration  # noqa: E402  (stavka calibrate, confusion, sensitivity)

_register_calibration(app)


def main() -> None:
    """Entry point: a user mistake is one line on stderr and exit code 2 (usage errors from the
    command-line parser exit 2 by themselves); SIGINT, SIGTERM and SIGHUP stop the command with one
    line and exit code 128 + the signal's number."""
    try:  # newer typer carries its own copy of click, whose exceptions these are
        from typer._click import exceptions as click_errors
    except ImportError:  # pragma: no cover - typer that uses click itself
        from click import exceptions as click_errors  # type: ignore[no-redef]

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    previous_hook = sys.unraisablehook
    sys.unraisablehook = functools.partial(_quiet_stop, then=previous_hook)
    _stop_on_signals()
    try:
        code = app(standalone_mode=False, prog_name="stavka")
        if isinstance(code, int) and code:
            sys.exit(code)
    except click_errors.NoArgsIsHelpError as exc:  # `stavka` alone: the help, as a usage error
        typer.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
        sys.exit(2)
    except click_errors.UsageError as exc:  # one line, like every other mistake, instead of click's box
        where = exc.ctx.command_path if exc.ctx else "stavka"
        message = " ".join(exc.format_message().split())
        err.print(f"error: {where}: {message} (see {where} --help)", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    except typer.Abort:
        _say("interrupted: stopped; nothing half-written is stored")
        sys.exit(130)
    except ConfigError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    except Interrupted as exc:
        _say(f"interrupted by {exc.name}: stopped; nothing half-written is stored")
        sys.exit(exc.exit_code)
    finally:  # `main` called in a process that goes on (a test, a notebook) leaves its handlers as they were
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = previous_hook


if __name__ == "__main__":
    main()
