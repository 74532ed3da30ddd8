"""The `stavka` command: run, compare, chronicle, doctrines."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from .config import ConfigError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="Stalin's command system as a simulation.")
out = Console()
err = Console(stderr=True)

ScenarioOpt = Annotated[str, typer.Option("--scenario", help="built-in scenario name or a .toml file")]
RunsOpt = Annotated[int, typer.Option("--runs", min=1, help="number of runs")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="root seed")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON only")]


def _progress(total: int, label: str, quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=quiet, transient=True)


def _stats_json(summary: Any, cal: Any) -> dict[str, Any]:
    from .metrics import format_value

    res: dict[str, Any] = {}
    for name, row in summary.iterrows():
        if name == "victory_month":
            res[name] = {"mean": format_value(name, row["mean"], cal), "ci95": [format_value(name, row["lo"], cal),
                         format_value(name, row["hi"], cal)], "n": int(row["n"])}
        else:
            res[name] = {"mean": _num(row["mean"]), "ci95": [_num(row["lo"]), _num(row["hi"])], "n": int(row["n"])}
    return res


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@app.command()
def run(scenario: ScenarioOpt = "default", doctrine: Annotated[str, typer.Option(help="doctrine name or file")] = "historical",
        runs: RunsOpt = 100, seed: SeedOpt = 0, json_out: JsonOpt = False) -> None:
    """Simulate runs of one doctrine and print every metric's mean and 95% interval."""
    from .api import simulate
    from .metrics import format_value

    with _progress(runs, doctrine, json_out) as bar:
        task = bar.add_task(f"{doctrine}", total=runs)
        res = simulate(scenario, doctrine, runs=runs, seed=seed, events=False,
                       progress=lambda done: bar.update(task, completed=done))
    summary = res.summary()
    cal = res.scenario.calendar
    if json_out:
        victories = res.metrics["victory_month"].notna().mean()
        print(json.dumps({"metrics": _stats_json(summary, cal), "victory_share": float(victories), "meta": res.meta}))
        return
    table = Table(title=f"{res.meta['doctrine']} on {res.meta['scenario']}: {runs} runs, seed {seed}")
    for col in ("metric", "mean", "95% interval", "runs"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name, row in summary.iterrows():
        table.add_row(str(name), format_value(str(name), row["mean"], cal),
                      f"{format_value(str(name), row['lo'], cal)} .. {format_value(str(name), row['hi'], cal)}",
                      str(int(row["n"])))
    out.print(table)
    out.print(f"victory in {res.metrics['victory_month'].notna().mean():.0%} of runs; stavka {res.meta['version']}, "
              f"scenario hash {res.meta['scenario_hash']}")


@app.command()
def compare(doctrines: Annotated[str, typer.Option(help="comma-separated doctrine names")] = "terror,meritocratic",
            scenario: ScenarioOpt = "default", runs: RunsOpt = 100, seed: SeedOpt = 0, json_out: JsonOpt = False) -> None:
    """Paired comparison of doctrines on the same seeds (run k meets the same luck under each)."""
    from .api import compare as compare_
    from .metrics import format_value

    names = [d.strip() for d in doctrines.split(",") if d.strip()]
    if not names:
        raise ConfigError("--doctrines: expected a comma-separated list of doctrine names")
    with _progress(runs * len(names), "compare", json_out) as bar:
        task = bar.add_task("compare", total=runs * len(names))
        finished: dict[str, int] = {}

        def tick(name: str, done: int) -> None:
            finished[name] = done
            bar.update(task, completed=sum(finished.values()), description=name)

        cmp = compare_(names, runs=runs, seed=seed, scenario=scenario, progress=tick)
    first = next(iter(cmp.results.values()))
    cal = first.scenario.calendar
    tab = cmp.table
    if json_out:
        res: dict[str, Any] = {"doctrines": list(cmp.results), "runs": runs, "seed": seed, "metrics": {}}
        for metric, grp in tab.groupby("metric", sort=False):
            res["metrics"][metric] = {
                row.doctrine: {"mean": _num(row.mean), "ci95": [_num(row.lo), _num(row.hi)],
                               "diff_vs_first": _num(row.diff), "diff_ci95": [_num(row.diff_lo), _num(row.diff_hi)]}
                for row in grp.itertuples()}
        res["meta"] = {k: v for k, v in first.meta.items() if k not in ("doctrine", "doctrine_params")}
        print(json.dumps(res))
        return
    table = Table(title=f"{', '.join(cmp.results)}: {runs} paired runs, seed {seed} (mean [95% interval])")
    table.add_column("metric")
    for name in cmp.results:
        table.add_column(name, justify="right")
    for metric, grp in tab.groupby("metric", sort=False):
        cells = [f"{format_value(metric, r.mean, cal)} [{format_value(metric, r.lo, cal)}, {format_value(metric, r.hi, cal)}]"
                 for r in grp.itertuples()]
        table.add_row(metric, *cells)
    out.print(table)
    out.print(f"Paired differences against {names[0]} (with intervals): stavka compare ... --json")


@app.command()
def chronicle(doctrine: Annotated[str, typer.Option(help="doctrine name or file")] = "historical",
              seed: SeedOpt = 0, run: Annotated[int, typer.Option("--run", min=0)] = 0,
              scenario: ScenarioOpt = "default",
              true_only: Annotated[bool, typer.Option("--true", help="only the true chronicle")] = False,
              official_only: Annotated[bool, typer.Option("--official", help="only the official history")] = False,
              denunciations: Annotated[bool, typer.Option(help="include denunciations")] = False) -> None:
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


@app.command("doctrines")
def list_doctrines(json_out: JsonOpt = False) -> None:
    """The registered doctrines: traits and parameters with their defaults."""
    from .doctrines import REGISTRY

    docs = {name: cls().describe() | {"doc": (cls.__doc__ or "").strip().split("\n\n")[0]}
            for name, cls in REGISTRY.items()}
    if json_out:
        print(json.dumps(docs))
        return
    for name, info in docs.items():
        out.print(f"[bold]{name}[/bold]  traits: {', '.join(info['traits']) or '-'}")
        out.print(f"  {' '.join(info['doc'].split())}", highlight=False)
        params = ", ".join(f"{k}={v}" for k, v in info["params"].items())
        out.print(f"  [dim]{params or 'no parameters'}[/dim]", highlight=False)


def main() -> None:
    """Entry point: a user mistake is one line on stderr and exit code 2 (usage errors from the
    command-line parser exit 2 by themselves)."""
    try:
        app()
    except ConfigError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
