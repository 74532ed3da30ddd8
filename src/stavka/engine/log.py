"""The batch's event log: the runs' ledgers gathered into one columnar record array."""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np
from numpy.typing import NDArray

from .state import EVENT


@numba.njit(cache=True, parallel=True)
def gather_runs(ledgers, totals, item, buf, start):  # type: ignore[no-untyped-def]
    """Copy, run after run, the first `totals[r]` records of `ledgers[r]` into the ledger `buf` from record
    `start`; returns the new end.  `ledgers` (runs, capacity) and `buf` are viewed as bytes, and `item` is
    the size of one record.  Each run's place is known in advance, so the runs are copied in parallel."""
    first = np.empty(ledgers.shape[0] + 1, np.int64)
    first[0] = start
    for r in range(ledgers.shape[0]):
        first[r + 1] = first[r] + totals[r]
    for r in numba.prange(ledgers.shape[0]):
        buf[first[r] * item : first[r + 1] * item] = ledgers[r, : totals[r] * item]
    return first[-1]


def _empty_records() -> NDArray[np.void]:
    return np.zeros(0, dtype=EVENT)


def _empty_counts() -> NDArray[np.int64]:
    return np.zeros((0, 0), dtype=np.int64)


@dataclass
class BatchLog:
    """What a batch produced: events (true ledger), monthly series, and the final world.

    The true ledger is one flat buffer of EVENT records in the order they were written: block by block,
    where a block is the months appended together (one month on the Python path, a stretch of months on
    the compiled one); within a block run by run (batch row), and within a run in month and emission
    order.  `records[:n_events]` are the events and `counts[t, r]` how many run r wrote in month t, which
    with the blocks places every record: `starts()` gives where each run's month begins, `rows_months()`
    each record's batch row and month, and `events` the ledger month by month."""

    series: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    meritocracy: NDArray[np.float64] | None = None  # rank correlation of competence and rank at war's end
    continuity: NDArray[np.float64] | None = None  # share of last front commanders senior when war began
    records: NDArray[np.void] = field(default_factory=_empty_records)  # EVENT; capacity >= n_events
    counts: NDArray[np.int64] = field(default_factory=_empty_counts)  # (months, runs)
    n_events: int = 0
    next_month: int = 0  # months are appended in order, each once
    blocks: list[int] = field(default_factory=list)  # the first month of each block

    def reserve(self, n_runs: int, n_months: int, per_run_month: int) -> None:
        """Make room for about `per_run_month` events per run and month.  The buffer is not written until
        used (np.empty), so a generous reservation costs address space, not memory; if the batch writes
        more, `append` grows it."""
        have = self.counts
        if have.shape[1] != n_runs:
            if have.any():
                raise ValueError(f"the ledger holds a batch of {have.shape[1]} runs, not {n_runs}")
            have = np.zeros((0, n_runs), dtype=np.int64)
        if n_months > len(have):
            self.counts = np.zeros((n_months, n_runs), dtype=np.int64)
            self.counts[: len(have)] = have
        self._grow(n_runs * n_months * per_run_month)

    def _grow(self, capacity: int) -> None:
        if capacity > len(self.records):
            new = np.empty(capacity, dtype=self.records.dtype)
            new[: self.n_events] = self.records[: self.n_events]
            self.records = new

    def append(self, t: int, ev: NDArray[np.void], ev_n: NDArray[np.int64]) -> None:
        """Add month t's events: run r's are `ev[r, :ev_n[r]]`."""
        self.append_months(t, ev_n[None, :], ev)

    def append_months(self, t: int, counts: NDArray[np.int64], ledgers: NDArray[np.void]) -> None:
        """Add the events of months t, t+1, ... as one block: run r's are the first records of `ledgers[r]`,
        in month order, `counts[j, r]` of them in month t + j."""
        n_months, n_runs = counts.shape
        if t < self.next_month:
            raise ValueError(f"month {t} is already in the ledger")
        if self.counts.shape[1] != n_runs or t + n_months > len(self.counts):
            self.reserve(n_runs, max(t + n_months, 2 * len(self.counts)), 0)
        need = self.n_events + int(counts.sum())
        if need > len(self.records):
            self._grow(max(need, 2 * len(self.records), 4096))
        item = self.records.dtype.itemsize
        self.n_events = int(
            gather_runs(ledgers.view(np.uint8), counts.sum(axis=0), item, self.records.view(np.uint8), self.n_events)
        )
        self.counts[t : t + n_months] = counts
        self.blocks.append(t)
        self.next_month = t + n_months

    def _block_spans(self) -> list[tuple[int, int]]:
        if not self.blocks:  # no month played yet
            return []
        ends = [*self.blocks[1:], self.next_month]
        return list(zip(self.blocks, ends, strict=True))

    def starts(self) -> NDArray[np.int64]:
        """(months, runs): the record where run r's events of month t begin."""
        out = np.zeros(self.counts.shape, dtype=np.int64)
        base = 0
        for t0, t1 in self._block_spans():
            c = self.counts[t0:t1]
            totals = c.sum(axis=0)
            out[t0:t1] = base + (np.cumsum(totals) - totals)[None, :] + np.cumsum(c, axis=0) - c
            base += int(totals.sum())
        return out

    def rows_months(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Batch row and month index of each record of `records[:n_events]`."""
        n_runs = self.counts.shape[1]
        rows, months = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for t0, t1 in self._block_spans():
            per = self.counts[t0:t1].T.reshape(-1)  # run-major within the block
            rows.append(np.repeat(np.repeat(np.arange(n_runs), t1 - t0), per))
            months.append(np.repeat(np.tile(np.arange(t0, t1), n_runs), per))
        return np.concatenate(rows), np.concatenate(months)

    @property
    def events(self) -> list[tuple[int, NDArray[np.int64], NDArray]]:  # type: ignore[type-arg]
        """The ledger month by month: (month, batch rows, records) for each month that has events, each
        month's records run by run, each run's in emission order."""
        rows, months = self.rows_months()
        order = np.argsort(months, kind="stable")
        months, rows, records = months[order], rows[order], self.records[: self.n_events][order]
        bounds = np.flatnonzero(np.diff(months)) + 1
        return [
            (int(m[0]), r, rec)
            for m, r, rec in zip(np.split(months, bounds), np.split(rows, bounds), np.split(records, bounds), strict=True)
            if len(m)
        ]
