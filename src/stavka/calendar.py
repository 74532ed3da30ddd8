"""Months as integers: month 0 is the scenario's first month; labels are 'YYYY-MM'."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(label: str) -> tuple[int, int]:
    """'1941-06' -> (1941, 6); raises ValueError with the expected form."""
    m = _LABEL.match(label.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{label!r} is not a month; expected YYYY-MM, e.g. 1941-06")
    return int(m.group(1)), int(m.group(2))


class Calendar:
    """Converts between month indices of a scenario and 'YYYY-MM' labels."""

    def __init__(self, start: str, end: str) -> None:
        self.start_year, self.start_month = parse_month(start)
        self.n_months = self.index(end) + 1
        if self.n_months < 1:
            raise ValueError(f"end {end} is before start {start}")

    def index(self, label: str) -> int:
        y, m = parse_month(label)
        return (y - self.start_year) * 12 + (m - self.start_month)

    def label(self, index: int) -> str:
        total = self.start_year * 12 + self.start_month - 1 + int(index)
        return f"{total // 12:04d}-{total % 12 + 1:02d}"

    def labels(self) -> list[str]:
        return [self.label(i) for i in range(self.n_months)]
