"""The calibration tables of the stavka store (storage.CALIBRATION_TABLES): written in one transaction each, read
back as DataFrames.  The store is opened only for the write (as every stavka writer does), never during sampling."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from ..storage import Store, _now


def write(db: str | os.PathLike[str], rows: dict[str, Sequence[tuple[Any, ...]]], delete: dict[str, str] | None = None) -> None:
    """Insert `rows` ({table: tuples in the table's column order}) in one transaction, after deleting the rows of
    `delete` ({table: calibration id}) so that a rewrite (a resumed calibration) replaces what it recomputes."""
    with Store(db) as st:
        con = st.con
        con.execute("BEGIN")
        try:
            for table, cal in (delete or {}).items():
                con.execute(f"DELETE FROM {table} WHERE calibration = ?", [cal])
            for table, tuples in rows.items():
                if tuples:
                    marks = ", ".join("?" * len(tuples[0]))
                    con.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", [list(t) for t in tuples])
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise


def begin(db: str | os.PathLike[str], cal: str, kind: str, meta: dict[str, Any]) -> None:
    """The calibration's row, status 'running' (kept as is when it already exists: a resumed calibration)."""
    with Store(db) as st:
        have = st.con.execute("SELECT count(*) FROM calibrations WHERE calibration = ?", [cal]).fetchone()
        if have and have[0]:
            st.con.execute("UPDATE calibrations SET status = 'running' WHERE calibration = ?", [cal])
            return
    write(
        db,
        {
            "calibrations": [
                (
                    cal,
                    kind,
                    _now(),
                    meta["version"],
                    meta.get("source_hash"),
                    meta["scenario"],
                    meta["scenario_hash"],
                    int(meta["seed"]),
                    json.dumps(meta["doctrines"]),
                    json.dumps(meta["targets"]),
                    json.dumps(meta["spec"]),
                    meta["spec_hash"],
                    meta.get("history"),
                    "running",
                    None,
                    None,
                )
            ]
        },
    )


def finish(db: str | os.PathLike[str], cal: str, seconds: float) -> None:
    with Store(db) as st:
        st.con.execute(
            "UPDATE calibrations SET status = 'finished', finished = ?, seconds = coalesce(seconds, 0) + ? WHERE calibration = ?",
            [_now(), seconds, cal],
        )


def add_seconds(db: str | os.PathLike[str], cal: str, seconds: float) -> None:
    with Store(db) as st:
        st.con.execute("UPDATE calibrations SET seconds = coalesce(seconds, 0) + ? WHERE calibration = ?", [seconds, cal])


def read(db: str | os.PathLike[str], table: str, cal: str | None = None) -> pd.DataFrame:
    with Store(db, read_only=True) as st:
        if cal is None:
            return st.con.execute(f"SELECT * FROM {table}").df()
        return st.con.execute(f"SELECT * FROM {table} WHERE calibration = ?", [cal]).df()


def find(db: str | os.PathLike[str], spec_hash: str) -> tuple[str, str] | None:
    """(id, status) of the latest calibration with this specification, if any."""
    if not os.path.exists(db):
        return None
    with Store(db, read_only=True) as st:
        row = st.con.execute(
            "SELECT calibration, status FROM calibrations WHERE spec_hash = ? ORDER BY created DESC LIMIT 1", [spec_hash]
        ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))
