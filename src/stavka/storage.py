"""The results store: an embedded DuckDB database that `stavka run`, `compare` and `sweep` write to.

One file (``./stavka.duckdb`` by default) holds every experiment:

``experiments``  one row per experiment: id, kind (run, compare, sweep), the package version, the base
                 scenario and its hash, the root seed, runs per cell, the specification (JSON), status
``cells``        one row per cell (a doctrine at one point of a grid): doctrine, its full parameters,
                 the grid point's overrides, the cell's scenario, hash and configuration (JSON)
``runs``         one row per run: experiment, doctrine, cell, run, seed, scenario and hash, parameters
                 (JSON), package version, created time, the chunk that wrote it
``chunks``       the completed-chunk records: a chunk's rows and its record commit in one transaction
``metrics``      one row per run: experiment, doctrine, cell, run, seed and every metric
``events``       the true ledger (experiment, cell, run, seq and the engine's event columns)
``official``     the official history, laid out like ``events``
``series``       the monthly series per run (experiment, cell, run, month and one column per series)
``calibration*`` the calibrations (`stavka calibrate`, `stavka sensitivity`): see `CALIBRATION_TABLES`
``careers``      the runs' careers (`SimulationResult.careers`: one row per spell of an officer in a post at a rank)
``officers``     the runs' officers (`SimulationResult.officers`: name, birth, traits drawn at the start, fate);
                 both for the runs whose events are kept

Value columns of ``metrics``, ``events``, ``official`` and ``series`` follow the engine: a column the
engine adds later is added to the table on the first write that carries it (older rows read NULL).
``stavka_meta`` records the format and the schema version; a newer package upgrades an older store
through ``MIGRATIONS`` when it opens it, and a store of a newer schema is refused with a clear error.

Safety: a file that is not a stavka store is refused before anything is written (nothing is created
in a foreign database, and a file that is not a DuckDB database is never opened by DuckDB); a new
store is created under a temporary name and linked into place only once complete; every write is
one transaction, so a kill, a full disk or a read-only path leaves whole chunks or nothing.

Sharing: DuckDB lets one process write a file, or several read it, never both at once.  stavka's
writers therefore hold the store only for one transaction (a sweep opens it for each chunk and closes
it again), and readers only while they read; whoever finds the file locked waits politely
(`LOCK_WAIT` seconds by default, retrying with a growing pause) before giving up with one line naming
the process that holds it.  So `stavka experiments`, `report` and `load` work while a sweep runs, on
what it has stored so far, and two `stavka run` writing one store both keep their results.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from . import __version__
from .config import ConfigError

DEFAULT_DB = "stavka.duckdb"
FORMAT = "stavka-results"
SCHEMA_VERSION = 4
LOCK_WAIT = 60.0  # seconds a reader or writer waits for a store another process holds, before giving up
MEMORY_LIMIT = "512MB"  # the writer's DuckDB buffer (its cache of the store's blocks); it spills beyond that
DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file


# Upgrades of older stores: MIGRATIONS[v] takes a store of schema v to schema v + 1 (run inside one
# transaction, in order, when a newer package opens the store for writing or reading).
def _to_v2(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 2: a cell records its doctrine by content (so its runs can be rebuilt from the store alone),
    an experiment the hash of the source that produced it."""
    con.execute("ALTER TABLE cells ADD COLUMN doctrine_record VARCHAR")
    con.execute("ALTER TABLE experiments ADD COLUMN source_hash VARCHAR")


def _to_v3_calibration(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 3: the calibration tables (empty in a store made before them)."""
    con.execute(CALIBRATION_TABLES)


def _to_v4_careers(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 4: the tables of careers and officers (empty for the experiments stored before them); the followed
    month of the record (`follow_record_until`) of each run."""
    con.execute(_CAREER_TABLES)
    con.execute("ALTER TABLE runs ADD COLUMN follow_record_until VARCHAR")


MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {1: _to_v2, 2: _to_v3_calibration, 3: _to_v4_careers}

DATA_TABLES = ("metrics", "events", "official", "series", "careers", "officers")
TABLES = ("experiments", "cells", "runs", "chunks", *DATA_TABLES)

_SCHEMA = """
CREATE TABLE stavka_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE experiments (
    experiment VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, name VARCHAR, created TIMESTAMPTZ NOT NULL,
    version VARCHAR NOT NULL, scenario VARCHAR NOT NULL, scenario_hash VARCHAR NOT NULL, seed BIGINT NOT NULL,
    runs_per_cell BIGINT NOT NULL, n_cells INTEGER NOT NULL, total_runs BIGINT NOT NULL,
    keep_events BIGINT NOT NULL, spec VARCHAR, status VARCHAR NOT NULL, finished TIMESTAMPTZ, source_hash VARCHAR);
CREATE TABLE cells (
    experiment VARCHAR NOT NULL, cell INTEGER NOT NULL, doctrine VARCHAR NOT NULL,
    doctrine_params VARCHAR NOT NULL, overrides VARCHAR NOT NULL, scenario VARCHAR NOT NULL,
    scenario_hash VARCHAR NOT NULL, scenario_config VARCHAR NOT NULL, doctrine_record VARCHAR,
    PRIMARY KEY (experiment, cell));
CREATE TABLE runs (
    experiment VARCHAR NOT NULL, doctrine VARCHAR NOT NULL, cell INTEGER NOT NULL, run BIGINT NOT NULL,
    seed BIGINT NOT NULL, scenario VARCHAR NOT NULL, scenario_hash VARCHAR NOT NULL, parameters VARCHAR NOT NULL,
    version VARCHAR NOT NULL, created TIMESTAMPTZ NOT NULL, chunk BIGINT NOT NULL, follow_record_until VARCHAR,
    PRIMARY KEY (experiment, cell, run));
CREATE TABLE chunks (
    experiment VARCHAR NOT NULL, chunk BIGINT NOT NULL, cell INTEGER NOT NULL, first_run BIGINT NOT NULL,
    n_runs BIGINT NOT NULL, completed TIMESTAMPTZ NOT NULL, seconds DOUBLE, worker VARCHAR,
    PRIMARY KEY (experiment, chunk));
CREATE TABLE metrics (experiment VARCHAR NOT NULL, doctrine VARCHAR NOT NULL, cell INTEGER NOT NULL,
    run BIGINT NOT NULL, seed BIGINT NOT NULL);
CREATE TABLE events (experiment VARCHAR NOT NULL, cell INTEGER NOT NULL, run BIGINT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE official (experiment VARCHAR NOT NULL, cell INTEGER NOT NULL, run BIGINT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE series (experiment VARCHAR NOT NULL, cell INTEGER NOT NULL, run BIGINT NOT NULL);
"""
# The calibrations (stavka.calibration): one row per calibration with its version, scenario, targets and seed;
# its particles (parameters as JSON, the first of their run ids), their summaries, the model probabilities and
# tolerance per generation, the posterior summary, the predictive checks, the confusion matrix of the model
# choice, the Sobol indices and the PRIM boxes.  Written only by `stavka.calibration.store`.
CALIBRATION_TABLES = """
CREATE TABLE calibrations (
    calibration VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, created TIMESTAMPTZ NOT NULL, version VARCHAR NOT NULL,
    source_hash VARCHAR, scenario VARCHAR NOT NULL, scenario_hash VARCHAR NOT NULL, seed BIGINT NOT NULL,
    doctrines VARCHAR NOT NULL, targets VARCHAR NOT NULL, spec VARCHAR NOT NULL, spec_hash VARCHAR NOT NULL,
    history VARCHAR, status VARCHAR NOT NULL, finished TIMESTAMPTZ, seconds DOUBLE);
CREATE TABLE calibration_runs (
    calibration VARCHAR NOT NULL, abc_id INTEGER NOT NULL, label VARCHAR NOT NULL, doctrines VARCHAR NOT NULL,
    PRIMARY KEY (calibration, abc_id));
CREATE TABLE calibration_generations (
    calibration VARCHAR NOT NULL, abc_id INTEGER NOT NULL, generation INTEGER NOT NULL, epsilon DOUBLE,
    particles INTEGER, simulations BIGINT, acceptance DOUBLE, PRIMARY KEY (calibration, abc_id, generation));
CREATE TABLE calibration_models (
    calibration VARCHAR NOT NULL, abc_id INTEGER NOT NULL, generation INTEGER NOT NULL, doctrine VARCHAR NOT NULL,
    probability DOUBLE NOT NULL, PRIMARY KEY (calibration, abc_id, generation, doctrine));
CREATE TABLE calibration_particles (
    calibration VARCHAR NOT NULL, abc_id INTEGER NOT NULL, generation INTEGER NOT NULL, doctrine VARCHAR NOT NULL,
    particle INTEGER NOT NULL, weight DOUBLE NOT NULL, distance DOUBLE, parameters VARCHAR NOT NULL,
    run_base BIGINT NOT NULL, runs INTEGER NOT NULL, PRIMARY KEY (calibration, abc_id, generation, doctrine, particle));
CREATE TABLE calibration_summaries (
    calibration VARCHAR NOT NULL, abc_id INTEGER NOT NULL, generation INTEGER NOT NULL, doctrine VARCHAR NOT NULL,
    particle INTEGER NOT NULL, target VARCHAR NOT NULL, value DOUBLE, observed DOUBLE NOT NULL, scale DOUBLE NOT NULL);
CREATE TABLE calibration_posterior (
    calibration VARCHAR NOT NULL, abc_id INTEGER NOT NULL, doctrine VARCHAR NOT NULL, parameter VARCHAR NOT NULL,
    mean DOUBLE, q05 DOUBLE, q95 DOUBLE, prior_lo DOUBLE, prior_hi DOUBLE,
    PRIMARY KEY (calibration, abc_id, doctrine, parameter));
CREATE TABLE calibration_checks (
    calibration VARCHAR NOT NULL, doctrine VARCHAR NOT NULL, fact VARCHAR NOT NULL, runs INTEGER NOT NULL,
    inside DOUBLE, mean DOUBLE, lo DOUBLE, hi DOUBLE, PRIMARY KEY (calibration, doctrine, fact));
CREATE TABLE calibration_confusion (
    calibration VARCHAR NOT NULL, true_doctrine VARCHAR NOT NULL, chosen_doctrine VARCHAR NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (calibration, true_doctrine, chosen_doctrine));
CREATE TABLE calibration_sobol (
    calibration VARCHAR NOT NULL, outcome VARCHAR NOT NULL, parameter VARCHAR NOT NULL,
    s1 DOUBLE, s1_conf DOUBLE, st DOUBLE, st_conf DOUBLE, PRIMARY KEY (calibration, outcome, parameter));
CREATE TABLE calibration_prim (
    calibration VARCHAR NOT NULL, outcome VARCHAR NOT NULL, box INTEGER NOT NULL, parameter VARCHAR NOT NULL,
    lo DOUBLE, hi DOUBLE, coverage DOUBLE, density DOUBLE, mass DOUBLE, PRIMARY KEY (calibration, outcome, box, parameter));
"""
_SCHEMA += CALIBRATION_TABLES
_CAREER_TABLES = """
CREATE TABLE careers (experiment VARCHAR NOT NULL, cell INTEGER NOT NULL, run BIGINT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE officers (experiment VARCHAR NOT NULL, cell INTEGER NOT NULL, run BIGINT NOT NULL);
"""
_SCHEMA += _CAREER_TABLES

# Columns written by the store itself (the rest of a data table's columns come from the engine).
KEY_COLUMNS = {
    "metrics": ("experiment", "doctrine", "cell", "run", "seed"),
    "events": ("experiment", "cell", "run", "seq"),
    "official": ("experiment", "cell", "run", "seq"),
    "series": ("experiment", "cell", "run"),
    "careers": ("experiment", "cell", "run", "seq"),
    "officers": ("experiment", "cell", "run"),
}
ORDER = {
    "experiments": "created, experiment",
    "cells": "experiment, cell",
    "runs": "experiment, cell, run",
    "chunks": "experiment, chunk",
    "metrics": "experiment, cell, run",
    "events": "experiment, cell, run, seq",
    "official": "experiment, cell, run, seq",
    "series": "experiment, cell, run, month",
    "careers": "experiment, cell, run, seq",
    "officers": "experiment, cell, run, officer_id",
}


class StoreError(ConfigError):
    """The store cannot be used: not ours, newer, in use, or not writable.  One line, for the terminal."""


# --- what is written ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A doctrine at one point of the parameter space, on one scenario."""

    cell: int
    doctrine: str
    doctrine_params: dict[str, Any]
    overrides: dict[str, Any]  # the grid point: {"doctrine.x": v, "scenario.section.key": w}
    scenario: str
    scenario_hash: str
    scenario_config: dict[str, Any]
    doctrine_record: dict[str, Any] = field(default_factory=dict)  # `Doctrine.record()`: rebuilds the doctrine

    @property
    def follow_record_until(self) -> str:
        """The month up to which the cell's runs follow the record ('': free runs)."""
        return str(self.scenario_config.get("scenario", {}).get("follow_record_until", "") or "")

    @property
    def parameters(self) -> str:
        """What a run's `parameters` column records: the doctrine's parameters and the cell's overrides."""
        return _json({"doctrine": self.doctrine_params, "overrides": self.overrides})


@dataclass(frozen=True)
class Experiment:
    """What an experiment is: its cells and runs, and how it was asked for."""

    experiment: str
    kind: str  # "run", "compare" or "sweep"
    name: str
    seed: int
    runs: int  # runs per cell (ids 0 .. runs - 1, the same ids and luck in every cell)
    cells: tuple[Cell, ...]
    keep_events: int  # runs with id below this keep their events and official history
    spec: dict[str, Any] = field(default_factory=dict)
    version: str = __version__
    source_hash: str = ""  # `stavka.cluster.source_hash()` of the process that planned it

    @property
    def total_runs(self) -> int:
        return self.runs * len(self.cells)


@dataclass
class ChunkResult:
    """The results of a contiguous range of runs of one cell, as Arrow tables (engine columns only)."""

    cell: int
    first_run: int
    n_runs: int
    metrics: pa.Table
    events: pa.Table
    official: pa.Table
    series: pa.Table
    seconds: float = 0.0
    worker: str = ""
    careers: pa.Table = field(default_factory=pa.table)  # (no rows: none kept)
    officers: pa.Table = field(default_factory=pa.table)

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in (self.metrics, self.events, self.official, self.series, self.careers, self.officers))


def to_arrow(df: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table.  A column with no value at all (e.g. `victory_month` in a chunk where no
    run won) has no type of its own: it is typed as text, which is what such columns hold, so that a
    table's columns do not depend on which chunk came first."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    for i, f in enumerate(table.schema):
        if pa.types.is_null(f.type):
            table = table.set_column(i, pa.field(f.name, pa.large_string()), table.column(i).cast(pa.large_string()))
    return table


def chunk_from_frames(
    cell: int,
    first_run: int,
    n_runs: int,
    metrics: pd.DataFrame,
    events: pd.DataFrame,
    official: pd.DataFrame,
    series: pd.DataFrame,
    seconds: float = 0.0,
    worker: str = "",
    careers: pd.DataFrame | None = None,
    officers: pd.DataFrame | None = None,
) -> ChunkResult:
    """Package a simulation's frames for the store; `seq` numbers each ledger's events within a run."""
    ledgers = []
    for ev in (events, official):
        ev = ev.reset_index(drop=True)
        ev.insert(1, "seq", ev.groupby("run").cumcount().astype(np.int32) if len(ev) else pd.Series([], dtype=np.int32))
        ledgers.append(to_arrow(ev))
    return ChunkResult(
        cell=cell,
        first_run=first_run,
        n_runs=n_runs,
        metrics=to_arrow(metrics),
        events=ledgers[0],
        official=ledgers[1],
        series=to_arrow(series),
        seconds=seconds,
        worker=worker or socket.gethostname(),
        careers=to_arrow(_numbered(careers)) if careers is not None and len(careers) else pa.table({}),
        officers=to_arrow(officers) if officers is not None and len(officers) else pa.table({}),
    )


def _numbered(careers: pd.DataFrame) -> pd.DataFrame:
    """Careers with `seq`, each row's place among its run's (officer by officer, each officer's in order)."""
    c = careers.reset_index(drop=True)
    c.insert(1, "seq", c.groupby("run").cumcount().astype(np.int32))
    return c


# --- the store ------------------------------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reason(exc: BaseException) -> str:
    """A DuckDB or OS error as one short line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in (
        "IO Error: ",
        "Permission Error: ",
        "Invalid Input Error: ",
        "Serialization Error: ",
        "FATAL Error: ",
        "Catalog Error: ",
        "Error: ",
    ):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def _first(rows: list[Any]) -> Any:
    """The first row of a fully fetched result, or None.  (`fetchone` would leave the result unfinished,
    and DuckDB refuses further statements on a connection with an unfinished result.)"""
    return rows[0] if rows else None


def frame_of(rel: duckdb.DuckDBPyConnection | duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """A query result as a DataFrame (silencing a pandas deprecation raised inside DuckDB's conversion)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")
        return rel.df()


def _now() -> datetime:
    return datetime.now(UTC)


def _looks_like_duckdb(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(16)
    return len(head) >= 12 and head[8:12] == DUCKDB_MAGIC


class Store:
    """An open results store.  `Store(path)` opens (or creates) it for writing, `Store(path,
    read_only=True)` for reading; use it as a context manager or call `close()`."""

    def __init__(
        self, path: str | os.PathLike[str] = DEFAULT_DB, read_only: bool = False, create: bool = True, wait: float = LOCK_WAIT
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.wait = wait
        self._columns: dict[str, list[str]] = {}
        self._inspecting = False
        self.con = self._open(create)

    @staticmethod
    def check_writable(path: str | os.PathLike[str]) -> None:
        """Refuse, before any work, a store that could not be written: a file that is not a stavka store,
        a newer store, a missing or read-only directory.  Creates nothing (a command that then fails
        leaves no empty store behind)."""
        path = Path(path)
        if path.exists() or path.is_symlink():
            Store(path, read_only=True).close()
            try:
                with path.open("ab"):  # opened for appending and closed: nothing is written
                    pass
            except OSError as exc:
                raise StoreError(f"{path}: cannot write the store: {exc.strerror or exc}") from None
            return
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise StoreError(f"{path}: cannot create the store: directory {parent} does not exist")
        probe = parent / f".{path.name}.probe-{os.getpid()}"
        try:
            probe.touch(exist_ok=False)
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the store: {exc.strerror or exc}") from None
        probe.unlink(missing_ok=True)

    # -- opening ---------------------------------------------------------------------------------------

    def _open(self, create: bool) -> duckdb.DuckDBPyConnection:
        path = self.path
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, not a stavka store")
        if not path.exists():
            if self.read_only or not create:
                raise StoreError(f"{path}: no such store (run `stavka run`, `compare` or `sweep` to make one)")
            self._create()
        try:
            if not _looks_like_duckdb(path):
                raise StoreError(f"{path}: not a stavka store (not a DuckDB database); refusing to touch it")
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc.strerror or exc}") from None
        # Inspect read-only first: a foreign DuckDB database is never opened for writing.
        self._inspecting = True
        con = self._connect(read_only=True)
        self._inspecting = False
        try:
            version = self._check(con)
        finally:
            con.close()
        if version < SCHEMA_VERSION:
            self._migrate(version)
        con = self._connect(read_only=self.read_only)
        if not self.read_only:
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        return con

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection, waiting up to `self.wait` seconds (pauses growing from 20 ms to 1 s) while another
        process holds the file."""
        deadline = time.monotonic() + max(0.0, self.wait)
        pause = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as exc:
                reason = _reason(exc)
                if "could not set lock" in reason.lower():
                    if time.monotonic() + pause <= deadline:
                        time.sleep(pause)
                        pause = min(1.0, pause * 1.5)
                        continue
                    pid = reason.rsplit("(PID ", 1)[-1].split(")")[0] if "(PID " in reason else "?"
                    waited = f" (waited {self.wait:g} s)" if self.wait > 0 else ""
                    raise StoreError(
                        f"{self.path}: the store is in use by another process (PID {pid}){waited}; try again when it has finished"
                    ) from None
                if read_only and self._inspecting:
                    raise StoreError(
                        f"{self.path}: not a stavka store or a damaged one (DuckDB cannot read it: "
                        f"{reason}); refusing to touch it"
                    ) from None
                raise StoreError(f"{self.path}: cannot open the store: {reason}") from None

    def _check(self, con: duckdb.DuckDBPyConnection) -> int:
        """The schema version of a stavka store; anything else is refused."""
        try:
            has_meta = _first(
                con.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                    "AND schema_name = 'main' AND table_name = 'stavka_meta'"
                ).fetchall()
            )
            meta = dict(con.execute("SELECT key, value FROM stavka_meta").fetchall()) if has_meta and has_meta[0] else {}
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {_reason(exc)}") from None
        if meta.get("format") != FORMAT:
            raise StoreError(f"{self.path}: a DuckDB database that is not a stavka store; refusing to touch it")
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise StoreError(f"{self.path}: stavka store without a valid schema version") from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: made by a newer stavka (store schema {version}, this stavka "
                f"{__version__} reads up to {SCHEMA_VERSION}); upgrade stavka"
            )
        if any(v not in MIGRATIONS for v in range(version, SCHEMA_VERSION)):
            raise StoreError(f"{self.path}: store schema {version} cannot be upgraded to {SCHEMA_VERSION}")
        return version

    def _create(self) -> None:
        """A new store, built under a temporary name and linked into place only when complete."""
        path = self.path
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise StoreError(f"{path}: cannot create the store: directory {parent} does not exist")
        tmp = parent / f".{path.name}.creating-{os.getpid()}"
        for leftover in (tmp, Path(f"{tmp}.wal")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        try:
            con = duckdb.connect(str(tmp))
            try:
                con.execute("BEGIN")
                con.execute(_SCHEMA)
                stamp = _now().isoformat()
                con.executemany(
                    "INSERT INTO stavka_meta VALUES (?, ?)",
                    [
                        ("format", FORMAT),
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("created", stamp),
                        ("created_by", f"stavka {__version__}"),
                        ("updated_by", f"stavka {__version__}"),
                    ],
                )
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            try:
                os.link(tmp, path)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                pass
            except OSError:
                if not path.exists():
                    os.replace(tmp, path)
        except (duckdb.Error, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else _reason(exc)
            raise StoreError(f"{path}: cannot create the store: {reason}") from None
        finally:
            for leftover in (tmp, Path(f"{tmp}.wal")):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)

    def _migrate(self, version: int) -> None:
        con = self._connect(read_only=False)
        try:
            con.execute("BEGIN")
            for v in range(version, SCHEMA_VERSION):
                MIGRATIONS[v](con)
            con.execute("UPDATE stavka_meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
            con.execute("INSERT OR REPLACE INTO stavka_meta VALUES ('updated_by', ?)", [f"stavka {__version__}"])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot upgrade the store from schema {version}: {_reason(exc)}") from None
        finally:
            con.close()

    # -- basics ------------------------------------------------------------------------------------------

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sql(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        """Any SQL over the store's tables: `.df()`, `.to_arrow_table()`, `.fetchall()` on the result."""
        return self.con.sql(query, params=params)

    def meta(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM stavka_meta").fetchall())

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            rows = self.con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
                [table],
            ).fetchall()
            self._columns[table] = [r[0] for r in rows]
        return self._columns[table]

    @contextlib.contextmanager
    def _transaction(self, what: str) -> Iterator[None]:
        """One transaction; any failure rolls it back and becomes a one-line StoreError."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        try:
            self.con.execute("BEGIN")
            yield
            self.con.execute("COMMIT")
        except (duckdb.Error, OSError) as exc:
            with contextlib.suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            self._columns.clear()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else _reason(exc)
            raise StoreError(f"{self.path}: cannot write {what}: {reason}; nothing of it was kept") from None
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            self._columns.clear()
            raise

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Reads inside become one-line StoreErrors if DuckDB fails (a truncated or damaged file)."""
        try:
            yield
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store (damaged or truncated?): {_reason(exc)}") from None

    # -- experiments -------------------------------------------------------------------------------------

    def experiment_status(self, experiment: str) -> str | None:
        row = _first(self.con.execute("SELECT status FROM experiments WHERE experiment = ?", [experiment]).fetchall())
        return None if row is None else str(row[0])

    def begin_experiment(self, exp: Experiment, replace: bool = False) -> bool:
        """Record an experiment and its cells.  An experiment already stored is kept (its completed
        chunks are what a resumed sweep skips) unless `replace`, which deletes it first, in the same
        transaction as the new records.  Returns True if the experiment was already there."""
        existed = self.experiment_status(exp.experiment) is not None
        with self._transaction(f"experiment {exp.experiment}"):
            if existed and replace:
                self._delete(exp.experiment)
            if not existed or replace:
                self._record(exp)
        return existed and not replace

    def _record(self, exp: Experiment) -> None:
        first = exp.cells[0]
        self.con.execute(
            "INSERT INTO experiments BY NAME SELECT ? AS experiment, ? AS kind, ? AS name, ? AS created, ? AS version, "
            "? AS scenario, ? AS scenario_hash, ? AS seed, ? AS runs_per_cell, ? AS n_cells, ? AS total_runs, "
            "? AS keep_events, ? AS spec, 'running' AS status, ? AS source_hash",
            [
                exp.experiment,
                exp.kind,
                exp.name,
                _now(),
                exp.version,
                first.scenario,
                first.scenario_hash,
                exp.seed,
                exp.runs,
                len(exp.cells),
                exp.total_runs,
                exp.keep_events,
                _json(exp.spec),
                exp.source_hash or None,
            ],
        )
        self.con.executemany(
            "INSERT INTO cells BY NAME SELECT ? AS experiment, ? AS cell, ? AS doctrine, ? AS doctrine_params, "
            "? AS overrides, ? AS scenario, ? AS scenario_hash, ? AS scenario_config, ? AS doctrine_record",
            [
                [
                    exp.experiment,
                    c.cell,
                    c.doctrine,
                    _json(c.doctrine_params),
                    _json(c.overrides),
                    c.scenario,
                    c.scenario_hash,
                    _json(c.scenario_config),
                    _json(c.doctrine_record) if c.doctrine_record else None,
                ]
                for c in exp.cells
            ],
        )

    def _delete(self, experiment: str) -> None:
        for table in ("cells", "runs", "chunks", *DATA_TABLES, "experiments"):
            self.con.execute(f"DELETE FROM {table} WHERE experiment = ?", [experiment])

    def drop_if_empty(self, experiment: str) -> bool:
        """Delete an experiment that stored no run (a sweep that failed before its first chunk); True if so."""
        row = _first(self.con.execute("SELECT count(*) FROM runs WHERE experiment = ?", [experiment]).fetchall())
        if self.experiment_status(experiment) is None or (row is not None and row[0]):
            return False
        with self._transaction(f"experiment {experiment}"):
            self._delete(experiment)
        return True

    def finish_experiment(self, experiment: str) -> None:
        with self._transaction(f"experiment {experiment}"):
            self.con.execute(
                "UPDATE experiments SET status = 'complete', finished = ? WHERE experiment = ?", [_now(), experiment]
            )

    def completed_ranges(self, experiment: str) -> dict[int, list[tuple[int, int]]]:
        """The (first run, n runs) ranges already stored, per cell, from the completed-chunk records (one
        row per chunk, so a resumed sweep of any size reads little)."""
        rows = self.con.execute(
            "SELECT cell, first_run, n_runs FROM chunks WHERE experiment = ? ORDER BY cell, first_run", [experiment]
        ).fetchall()
        done: dict[int, list[tuple[int, int]]] = {}
        for cell, first, n in rows:
            done.setdefault(int(cell), []).append((int(first), int(n)))
        return done

    def next_chunk_id(self, experiment: str) -> int:
        row = _first(
            self.con.execute("SELECT coalesce(max(chunk) + 1, 0) FROM chunks WHERE experiment = ?", [experiment]).fetchall()
        )
        return int(row[0]) if row else 0

    # -- writing results -------------------------------------------------------------------------------

    def write_chunk(self, exp: Experiment, chunk_id: int | None, result: ChunkResult) -> None:
        """A chunk's rows in every table and its completed-chunk record, in one transaction (`chunk_id`
        None: the next free id, taken inside that transaction)."""
        what = f"runs {result.first_run}..{result.first_run + result.n_runs - 1} of cell {result.cell} of {exp.experiment}"
        with self._transaction(what):
            if chunk_id is None:
                chunk_id = self.next_chunk_id(exp.experiment)
            self._insert_chunk(exp, chunk_id, result)

    def write_experiment(self, exp: Experiment, results: Sequence[ChunkResult]) -> None:
        """A whole experiment (run, compare) in one transaction, replacing an earlier one of the same id."""
        with self._transaction(f"experiment {exp.experiment}"):
            if self.experiment_status(exp.experiment) is not None:
                self._delete(exp.experiment)
            self._record(exp)
            for i, result in enumerate(results):
                self._insert_chunk(exp, i, result)
            self.con.execute(
                "UPDATE experiments SET status = 'complete', finished = ? WHERE experiment = ?", [_now(), exp.experiment]
            )

    def _insert_chunk(self, exp: Experiment, chunk_id: int, res: ChunkResult) -> None:
        cell = exp.cells[res.cell]
        now = _now()
        ids = np.arange(res.first_run, res.first_run + res.n_runs, dtype=np.int64)
        runs = pa.table({"run": ids})
        self.con.register("__stavka_runs", runs)
        try:
            self.con.execute(
                "INSERT INTO runs SELECT ?, ?, ?, run, ?, ?, ?, ?, ?, ?, ?, ? FROM __stavka_runs",
                [
                    exp.experiment,
                    cell.doctrine,
                    cell.cell,
                    exp.seed,
                    cell.scenario,
                    cell.scenario_hash,
                    cell.parameters,
                    exp.version,
                    now,
                    chunk_id,
                    cell.follow_record_until or None,
                ],
            )
        finally:
            self.con.unregister("__stavka_runs")
        keys = {"experiment": exp.experiment, "doctrine": cell.doctrine, "cell": cell.cell, "seed": exp.seed}
        for table in DATA_TABLES:
            self._insert(table, getattr(res, table), keys)
        self.con.execute(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [exp.experiment, chunk_id, cell.cell, res.first_run, res.n_runs, now, res.seconds, res.worker],
        )

    _KEY_TYPES = {"experiment": "VARCHAR", "doctrine": "VARCHAR", "cell": "INTEGER", "seed": "BIGINT"}

    def _insert(self, table: str, data: pa.Table, keys: dict[str, Any]) -> None:
        if data.num_rows == 0:
            return
        view = f"__stavka_{table}"
        self.con.register(view, data)
        try:
            described = self.con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()
            existing = set(self.columns(table))
            cols = []
            for name, ctype, *_ in described:
                if name in keys:
                    continue
                if name not in existing:
                    if ctype.strip('"') == "NULL":
                        continue  # an all-null column of unknown type: NULL once the column exists
                    self.con.execute(f"ALTER TABLE {table} ADD COLUMN {_q(name)} {ctype}")
                    self._columns.pop(table, None)
                    existing.add(name)
                cols.append(_q(name))
            wanted = [k for k in KEY_COLUMNS[table] if k in keys]
            consts = [f"?::{self._KEY_TYPES[k]} AS {k}" for k in wanted]
            self.con.execute(
                f"INSERT INTO {table} BY NAME SELECT {', '.join(consts + cols)} FROM {view}", [keys[k] for k in wanted]
            )
        finally:
            self.con.unregister(view)

    # -- reading -------------------------------------------------------------------------------------------

    def experiments(self) -> pd.DataFrame:
        return frame_of(self.con.sql(f"SELECT * FROM experiments ORDER BY {ORDER['experiments']}"))

    def latest_experiment(self) -> str | None:
        """The latest experiment with at least one stored run (an experiment that stored nothing, such as
        a sweep stopped before its first chunk, is never picked by default)."""
        row = _first(
            self.con.execute(
                "SELECT e.experiment FROM experiments e WHERE EXISTS (SELECT 1 FROM runs r "
                "WHERE r.experiment = e.experiment) ORDER BY e.created DESC, e.experiment DESC "
                "LIMIT 1"
            ).fetchall()
        )
        return None if row is None else str(row[0])

    def resolve(self, experiment: str | None) -> str:
        """The experiment id asked for (a unique prefix will do), or the latest one with stored runs."""
        ids = [r[0] for r in self.con.execute("SELECT experiment FROM experiments ORDER BY created").fetchall()]
        if not ids:
            raise StoreError(f"{self.path}: the store holds no experiment yet")
        if experiment is None:
            latest = self.latest_experiment()
            if latest is None:
                raise StoreError(f"{self.path}: no experiment has stored runs yet")
            return latest
        if experiment in ids:
            return experiment
        matches = [i for i in ids if i.startswith(experiment)]
        if len(matches) == 1:
            return str(matches[0])
        listing = ", ".join(ids[-8:])
        raise StoreError(f"{self.path}: no experiment {experiment!r}{' (ambiguous)' if matches else ''}; stored: {listing}")

    def table(self, name: str, experiment: str | None = None, where: str = "", params: Sequence[Any] = ()) -> pd.DataFrame:
        """One table as a DataFrame, in a stable order, optionally for one experiment."""
        if name not in TABLES:
            raise StoreError(f"unknown table {name!r}; expected one of {', '.join(TABLES)}")
        clauses, args = [], list(params)
        if experiment is not None:
            clauses.append("experiment = ?")
            args.insert(0, experiment)
        if where:
            clauses.append(where)
        cond = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        # A table's value columns come with its first write: order by the columns it has (careers of an old store).
        have = set(self.columns(name))
        order = ", ".join(term for term in ORDER[name].split(", ") if term.split()[0] in have)
        return frame_of(self.con.execute(f"SELECT * FROM {name}{cond} ORDER BY {order}", args))


# --- reading for analysis -------------------------------------------------------------------------------


@dataclass
class StoredResults:
    """The store's tables as DataFrames (for one experiment, or all of them)."""

    path: Path
    experiment: str | None
    experiments: pd.DataFrame
    cells: pd.DataFrame
    runs: pd.DataFrame
    chunks: pd.DataFrame
    metrics: pd.DataFrame
    events: pd.DataFrame
    official: pd.DataFrame
    series: pd.DataFrame
    meta: dict[str, str]
    careers: pd.DataFrame = field(default_factory=pd.DataFrame)
    officers: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in TABLES:
            raise KeyError(table)
        return getattr(self, table)  # type: ignore[no-any-return]


def load(
    db: str | os.PathLike[str] = DEFAULT_DB, experiment: str | None = None, tables: Sequence[str] | None = None
) -> StoredResults:
    """The tables of a results store as DataFrames: `stavka.load("stavka.duckdb").metrics`.

    `experiment` keeps one experiment (an id or a unique prefix; all of them by default); `tables`
    names the tables to read (the others come back empty), e.g. ``tables=["runs", "metrics"]``
    to leave the large ledgers on disk.  For queries, open `Store(db, read_only=True)` and use `.sql`."""
    wanted = set(TABLES if tables is None else tables)
    unknown = wanted - set(TABLES)
    if unknown:
        raise StoreError(f"unknown tables {sorted(unknown)}; expected some of {', '.join(TABLES)}")
    with Store(db, read_only=True) as store, store.reading():
        exp = store.resolve(experiment) if experiment is not None else None
        frames = {name: store.table(name, exp) if name in wanted else store.table(name, exp, "false") for name in TABLES}
        return StoredResults(path=store.path, experiment=exp, meta=store.meta(), **frames)
