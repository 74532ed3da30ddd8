"""`stavka calibrate`, `stavka confusion` and `stavka sensitivity` (registered on the main app by stavka.cli)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ..config import ConfigError

err = Console(stderr=True)


def _list(value: str | None, name: str) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise ConfigError(f"{name}: expected a comma-separated list")
    return items


def _priors(values: list[str] | None) -> dict[str, list[float]] | None:
    """--prior NAME=LO:HI (repeatable)."""
    if not values:
        return None
    out = {}
    for v in values:
        name, sep, rng = v.partition("=")
        lo, sep2, hi = rng.partition(":")
        try:
            if not (sep and sep2):
                raise ValueError
            out[name.strip()] = [float(lo), float(hi)]
        except ValueError:
            raise ConfigError(f"--prior: expected NAME=LO:HI (got {v!r})") from None
    return out


def _positive_text(value: str, name: str) -> int:
    """A count given on the command line: a positive integer, else one line (exit code 2)."""
    try:
        n = int(value)
    except ValueError:
        raise ConfigError(f"{name}: expected a positive integer (got {value!r})") from None
    if n < 1:
        raise ConfigError(f"{name}: expected a positive integer (got {value!r})")
    return n


def _progress(console: Console, quiet: bool) -> tuple[Progress, Callable[[dict[str, Any]], None]]:
    """The calibration's live display: one bar per pyabc run (its generations), with the last generation's
    acceptance rate and tolerance; on a console that is not a terminal, one line per generation instead; under
    --json nothing (the result alone is printed)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("generations  {task.fields[status]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def show(p: dict[str, Any]) -> None:
        if quiet:
            return
        run = str(p["run"])
        if run not in tasks:
            tasks[run] = bar.add_task(run, total=p.get("generations"), completed=p.get("done", 0), status="sampling")
        if p.get("started"):
            return
        status = f"acceptance {p['acceptance']:.2f}  epsilon {p['epsilon']:.3g}"
        bar.update(tasks[run], completed=p["generation"] + 1, status=status)
        if not console.is_terminal:
            console.print(f"{run}: generation {p['generation']}  {status}", highlight=False)

    return bar, show


def register(app: typer.Typer) -> None:
    @app.command("calibrate")
    def calibrate_cmd(
        doctrines: Annotated[
            str, typer.Option(help="comma-separated accounts")
        ] = "historical,terror,break_and_use,meritocratic,passive",
        population: Annotated[str, typer.Option(help="particles per generation")] = "50",
        generations: Annotated[str, typer.Option(help="ABC-SMC generations")] = "4",
        runs_per_particle: Annotated[str, typer.Option(help="runs averaged per particle")] = "4",
        db: Annotated[
            str, typer.Option(help="results store; pyabc's history beside it in <stem>.calibration/")
        ] = "stavka.duckdb",
        scheduler: Annotated[
            str | None, typer.Option(help="existing Dask cluster, tcp://host:port (default: a local one)")
        ] = None,
        workers: Annotated[int, typer.Option(min=1, help="local Dask workers")] = 2,
        seed: Annotated[int, typer.Option(min=0, help="root seed")] = 0,
        targets: Annotated[str | None, typer.Option(help="comma-separated fitting targets (default: all with a measure)")] = None,
        params: Annotated[str | None, typer.Option(help="comma-separated free parameters (default: all of space.py)")] = None,
        prior: Annotated[list[str] | None, typer.Option(help="narrow a prior: NAME=LO:HI (repeatable)")] = None,
        variant: Annotated[str, typer.Option(help="as_written, or free_dates (the bias guard)")] = "as_written",
        quantile: Annotated[float, typer.Option(help="tolerance schedule: epsilon = this quantile of the last distances")] = 0.5,
        choice_only: Annotated[bool, typer.Option("--choice-only", help="only the model-choice run")] = False,
        checks: Annotated[int, typer.Option(min=0, help="posterior predictive runs per account (0: none)")] = 20,
        resume: Annotated[str | None, typer.Option(help="continue the calibration of this id")] = None,
        sampler: Annotated[str, typer.Option(help="dask or single")] = "dask",
        json_out: Annotated[
            bool, typer.Option("--json", help="print the model probabilities and posteriors as JSON only")
        ] = False,
    ) -> None:
        """Bayesian calibration of the accounts against the record (pyabc ABC-SMC) and model choice among them."""
        from ..cluster import scheduler_address, silence_dask
        from .abc import calibrate
        from .checks import predictive_checks

        if scheduler is not None:
            scheduler = scheduler_address(scheduler)
        pop = _positive_text(population, "--population")
        gens = _positive_text(generations, "--generations")
        k = _positive_text(runs_per_particle, "--runs-per-particle")
        silence_dask()
        started = time.perf_counter()

        bar, show = _progress(err, json_out)
        with bar:
            res = calibrate(
                _list(doctrines, "--doctrines") or [],
                pop,
                gens,
                k,
                db,
                scheduler,
                seed,
                _list(targets, "--targets"),
                _list(params, "--params"),
                _priors(prior),
                variant,
                quantile,
                not choice_only,
                True,
                resume,
                sampler,
                workers,
                show,
            )
        if checks and not choice_only:
            table = predictive_checks(db, res["calibration"], checks)
            if not json_out:
                shown = table[["doctrine", "fact", "runs", "inside", "mean", "lo", "hi"]]
                print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}"), file=sys.stderr)
        if json_out:
            print(json.dumps({"model_probabilities": res["model_probabilities"], "posteriors": res["posteriors"]}))
            return
        err.print(f"calibration {res['calibration']} in {db} ({time.perf_counter() - started:.0f} s)", highlight=False)
        for d, p in res["model_probabilities"].items():
            print(f"P({d}) = {p:.3f}")
        for d, post in res["posteriors"].items():
            for name, s in post.items():
                print(f"{d}  {name}: mean {s['mean']:.4g}  90% [{s['q05']:.4g}, {s['q95']:.4g}]")

    @app.command("calibrations")
    def calibrations_cmd(
        db: Annotated[str, typer.Option()] = "stavka.duckdb", json_out: Annotated[bool, typer.Option("--json")] = False
    ) -> None:
        """The model-probability table: every model-choice calibration in the store with its settings."""
        from .abc import probability_table

        table = probability_table(db)
        if json_out:
            print(table.to_json(orient="records"))
            return
        print(table.to_string(index=False) if len(table) else "no model-choice calibration in the store")

    @app.command("confusion")
    def confusion_cmd(
        doctrines: Annotated[
            str, typer.Option(help="comma-separated accounts")
        ] = "historical,terror,break_and_use,meritocratic,passive",
        pseudo: Annotated[str, typer.Option(help="pseudo-records per account")] = "2",
        population: Annotated[str, typer.Option()] = "20",
        generations: Annotated[str, typer.Option()] = "2",
        runs_per_particle: Annotated[str, typer.Option()] = "2",
        db: Annotated[str, typer.Option()] = "stavka.duckdb",
        seed: Annotated[int, typer.Option(min=0)] = 0,
        params: Annotated[str | None, typer.Option()] = None,
        variant: Annotated[str, typer.Option()] = "as_written",
        sampler: Annotated[str, typer.Option(help="dask or single")] = "dask",
        json_out: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """The model choice checked on itself: pseudo-records from each account's prior, confusion matrix, error rate."""
        from .choice import confusion, confusion_table

        res = confusion(
            _list(doctrines, "--doctrines") or [],
            _positive_text(pseudo, "--pseudo"),
            _positive_text(population, "--population"),
            _positive_text(generations, "--generations"),
            _positive_text(runs_per_particle, "--runs-per-particle"),
            db,
            seed,
            _list(params, "--params"),
            variant,
            sampler,
        )
        if json_out:
            print(json.dumps({"confusion": res["confusion"], "error_rate": res["error_rate"]}))
            return
        print(confusion_table(res).to_string())
        print(f"error rate {res['error_rate']:.2f}")

    @app.command("sensitivity")
    def sensitivity_cmd(
        doctrine: Annotated[str, typer.Option()] = "historical",
        n: Annotated[str, typer.Option(help="Sobol base sample (a power of two)")] = "16",
        runs: Annotated[str, typer.Option(help="runs per point")] = "2",
        seed: Annotated[int, typer.Option(min=0)] = 0,
        params: Annotated[str | None, typer.Option()] = None,
        db: Annotated[str, typer.Option()] = "stavka.duckdb",
        json_out: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Sobol indices (SALib) of the main outcomes with 95% intervals, and PRIM boxes (ema_workbench)."""
        from .sensitivity import sensitivity

        res = sensitivity(doctrine, _positive_text(n, "--n"), _positive_text(runs, "--runs"), seed, _list(params, "--params"), db)
        if json_out:
            print(json.dumps({"sobol": res["sobol"].to_dict("records"), "prim": res["prim"].to_dict("records")}))
            return
        print(res["sobol"].to_string(index=False))
        print(res["prim"].to_string(index=False))
