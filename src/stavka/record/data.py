"""The record's datasets, shipped with the package: careers, people and the line's depth by month."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

Row = dict[str, str]

CAREER_COLUMNS = (
    "person",
    "key",
    "post",
    "post_kind",
    "unit",
    "from",
    "to",
    "rank",
    "event",
    "end_reason",
    "source",
    "verification",
    "note",
)
PEOPLE_COLUMNS = (
    "person",
    "key",
    "short_name",
    "born",
    "died",
    "rank_1941_06_22",
    "rank_level_1941",
    "post_1941_06_22",
    "post_code_1941",
    "fate",
    "fate_month",
    "arrested_month",
    "released_month",
    "groups",
    "source",
    "verification",
    "note",
)
FRONT_LINE_COLUMNS = ("month", "north_km", "centre_km", "south_km", "mean_km", "interpolated", "source", "verification", "note")
VERIFICATION = ("verified", "unverified", "corrected")
# Fronts of the Far East and Transcaucasia: not part of the war in Europe (they count in "fronts over time" only).
NON_EUROPEAN_FRONTS = (
    "Far Eastern Front",
    "1st Far Eastern Front",
    "2nd Far Eastern Front",
    "Transbaikal Front",
    "Transcaucasian Front",
)


def _read(name: str) -> tuple[Row, ...]:
    text = (resources.files("stavka") / "record" / name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def careers() -> tuple[Row, ...]:
    """One row per (person, post, from, to): months as YYYY-MM, `end_reason` how the post ended."""
    return _read("careers.csv")


@lru_cache(maxsize=1)
def people() -> tuple[Row, ...]:
    """One row per person: rank on 22 Jun 1941, fate and fate month, groups (';'-separated)."""
    return _read("people.csv")


@lru_cache(maxsize=1)
def front_line() -> tuple[Row, ...]:
    """The line's depth inside the 1941 border (km) by month, Jun 1941 - May 1945, by sector and mean."""
    return _read("front_line.csv")


def in_group(row: Row, group: str) -> bool:
    return group in row["groups"].split(";")


def holds(row: Row, month: str) -> bool:
    """Did this career row's post cover `month` (YYYY-MM)?"""
    return row["from"] <= month <= row["to"]


def front_rows(month: str | None = None, european: bool = False) -> list[Row]:
    rows = [r for r in careers() if r["post_kind"] == "front"]
    if month is not None:
        rows = [r for r in rows if holds(r, month)]
    if european:
        rows = [r for r in rows if r["unit"] not in NON_EUROPEAN_FRONTS]
    return rows


def months_between(a: str, b: str) -> int:
    """Whole months from a to b (YYYY-MM)."""
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:7]) - int(a[5:7])
