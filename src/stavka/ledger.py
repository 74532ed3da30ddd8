"""The history metrics of a batch, compiled: `history_distortion` and `erased_names` read straight off the
raw true ledger (`BatchLog`), by the rules of `history.official_history`, without building either ledger
as a table.  `stavka.simulate(..., events=False)` uses this; when the ledgers are kept, the pandas
official history produces the official table and these two metrics (a test checks that both agree exactly).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numba
import numpy as np
from numpy.typing import NDArray

from .engine.codes import Kind
from .engine.core import BatchLog
from .history import CREDIT_STREAM, ERASE_STREAM, KIND_TEXT, SECRET
from .rng import Purpose, stream_keys, uniform

_DEFECTION = int(Kind.DEFECTION)
_EXECUTION = int(Kind.EXECUTION)
_VICTORY = int(Kind.VICTORY)


@numba.njit(cache=True)
def _history_stats(records, counts, start, key_erase, key_credit, erase_p, hide, relabel, credit, secret,
                   relabelled):  # type: ignore[no-untyped-def]
    """Per batch row: (events altered or left out / events, names erased).  `records` is the ledger in
    `BatchLog` order, `counts[t, r]` the events of run r in month t and `start[t, r]` where they begin;
    each run's events are visited in (month, emission) order, the order of the ledger table."""
    n_months, n_runs = counts.shape
    top = -1
    for j in range(records.shape[0]):
        top = max(top, records[j].officer, records[j].other)
    erased = np.zeros(top + 2, np.bool_)  # by officer id + 1 (slot 0: id -1, "no officer"); one run at a time
    fallen = np.empty(top + 2, np.int64)  # the slots set, to clear them for the next run
    distortion = np.zeros(n_runs)
    names = np.zeros(n_runs, np.int64)
    for r in range(n_runs):
        # Who is erased: every defector, and an executed officer with the month's erase probability, the
        # draw keyed by his id (so it is the same for all his fatal events).
        n_fallen = 0
        for t in range(n_months):
            for j in range(start[t, r], start[t, r] + counts[t, r]):
                e = records[j]
                if e.kind == _DEFECTION or (e.kind == _EXECUTION
                                            and uniform(key_erase[r], np.int64(e.officer), 0) < erase_p[t]):
                    o = e.officer + 1
                    if not erased[o]:
                        erased[o] = True
                        fallen[n_fallen] = o
                        n_fallen += 1
        names[r] = n_fallen
        seq = 0  # the event's position in its run: the index of its reattribution draw
        altered = 0
        for t in range(n_months):
            for j in range(start[t, r], start[t, r] + counts[t, r]):
                e = records[j]
                kd = e.kind
                o = e.officer
                ot = e.other
                if (o >= 0 and erased[o + 1]) or (hide[t] and secret[kd]):
                    altered += 1  # left out of the record
                elif ((ot >= -1 and erased[ot + 1])  # names an erased man as the other party
                      or (relabel[t] and relabelled[kd])
                      or (kd == _VICTORY and uniform(key_credit[r], seq, 0) < credit[r, t])):
                    altered += 1
                seq += 1
        if seq:
            distortion[r] = altered / seq
        for i in range(n_fallen):
            erased[fallen[i]] = False
    return distortion, names


def censorship_arrays(censorship: Callable[[str], object],
                      labels: Sequence[str]) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_]]:
    """The doctrine's censorship month by month: erase probability, hide secret events, relabel."""
    rules = [censorship(m) for m in labels]
    erase_p = np.array([float(c.erase_repressed) for c in rules], dtype=np.float64)  # type: ignore[attr-defined]
    hide = np.array([bool(c.hide_secret) for c in rules], dtype=np.bool_)  # type: ignore[attr-defined]
    relabel = np.array([bool(c.relabel) for c in rules], dtype=np.bool_)  # type: ignore[attr-defined]
    return erase_p, hide, relabel


def kinds_lookup(kinds: Iterable[str]) -> NDArray[np.bool_]:
    """Lookup by event-kind code: is the kind one of `kinds` (as named in the ledger table)?"""
    names = set(kinds)
    out = np.zeros(max(Kind) + 1, dtype=np.bool_)
    for k in Kind:
        out[k] = KIND_TEXT[k] in names
    return out


def history_stats(log: BatchLog, run_ids: NDArray[np.int64], seed: int, censorship: Callable[[str], object],
                  labels: Sequence[str]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """`history_distortion` and `erased_names` of each run of the batch (in batch order), equal to those of
    `history.official_history` on the batch's event table with the credit series as `credit`.  The run ids
    must be distinct (the table groups by run id)."""
    ids = np.asarray(run_ids, dtype=np.int64)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("history_stats needs distinct run ids")
    erase_p, hide, relabel = censorship_arrays(censorship, labels)
    n_months = len(erase_p)
    counts = log.counts[:n_months]
    if counts.shape != (n_months, len(ids)) or counts.sum() != log.n_events:
        raise ValueError("the ledger does not match these runs and months")
    credit = np.ascontiguousarray(log.series["credit"], dtype=np.float64)
    return _history_stats(  # type: ignore[no-any-return]
        log.records[: log.n_events], counts, log.starts()[:n_months], stream_keys(seed, ids, ERASE_STREAM, Purpose.CENSOR),
        stream_keys(seed, ids, CREDIT_STREAM, Purpose.CENSOR), erase_p, hide, relabel, credit,
        kinds_lookup(SECRET), kinds_lookup(("transfer", "execution")))  # relabelled: transfers and executions
