"""The bias guard: every account with the same freedom over dates.

`historical` has the record's dates written into its phases (the purge of May 1937 - Nov 1938, the scapegoating of
summer 1941, the turn after Stalingrad...), `terror` and `break_and_use` only the purge's window, `meritocratic` and
`passive` none.  Fitted as written, `historical` is handed the record's chronology for free.  Under the variant
"free_dates" each account gets one more free parameter, `phase_shift` (months, uniform on [-SHIFT, SHIFT]), that
moves every dated rule it has by the same number of months: the account must find the dates itself.  An account
with no dated rule gets the parameter too (inert), so the prior predictive of the dates is no advantage to anyone.
The doctrines' own rules are untouched: the shift is applied here, to the dates they are given.
"""

from __future__ import annotations

from typing import Any

from ..calendar import parse_month
from ..doctrines import get_doctrine
from ..doctrines.base import Doctrine
from ..doctrines.historical import ORDERS, PHASES, Historical
from ..doctrines.policy import PolicyParams

VARIANTS = ("as_written", "free_dates")
SHIFT = 12  # months either way: the prior of phase_shift
SHIFT_KEY = "phase_shift"


def shift_month(label: str, months: int) -> str:
    year, month = parse_month(label)
    i = year * 12 + month - 1 + months
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def _shift_window(w: tuple[str, str] | None, months: int) -> tuple[str, str] | None:
    return None if w is None else (shift_month(w[0], months), shift_month(w[1], months))


class ShiftedHistorical(Historical):
    """`historical` with its phases and orders moved by `shift` months."""

    def __init__(self, shift: int = 0, **params: Any) -> None:
        super().__init__(**params)
        self.shift = int(shift)
        self.orders = {shift_month(m, self.shift): o for m, o in ORDERS.items()}

    def phase_windows(self) -> tuple[tuple[str, str] | None, ...]:
        """The phases' months moved (their values, the doctrine's parameters, are read as `historical` reads them)."""
        return tuple(_shift_window(phase.window, self.shift) for phase in PHASES)

    def directive(self, label: str) -> int:
        return self.orders.get(label, 0)


def make_doctrine(name: str, params: dict[str, Any], shift: int | None = None) -> Doctrine:
    """The doctrine `name` with `params`; with `shift` (the free_dates variant) every dated rule moved."""
    if shift is None:
        return get_doctrine(name, **params)
    if name == "historical":
        return ShiftedHistorical(shift, **params)
    doc = get_doctrine(name)
    if isinstance(doc.params, PolicyParams):
        for key in ("purge_window", "release_window"):
            w = getattr(doc.params, key)
            if w is not None and key not in params:
                params = {**params, key: _shift_window(w, shift)}
    return get_doctrine(name, **params)
