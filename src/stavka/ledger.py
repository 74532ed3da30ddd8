"""The two ledgers as columns, and the official history's one implementation.

The true ledger is the engine's `BatchLog`; as a table it is read run by run (batch order), then month, then
emission order (`table_order`).  The official history is derived from it by a doctrine's censorship (M9) in
one compiled pass, `censor`, which marks each event of the table kept, altered (relabelled, its other party
blanked, its victory reattributed) or left out (erased or secret), and lists the erased names.  Both the two
history metrics (`history_distortion`, `erased_names`) and the official table are read off those marks:
`simulate(..., events=False)` stops at the metrics, and `official_ledger` lays out the table.

Tables are columnar (`Ledger`): numbers as NumPy columns and text as integer codes into dictionaries (kind,
cause, post, front, officer names, month labels, details), each dictionary entry formatted once.  `frame()`
only formats: Arrow decodes each text column from its dictionary into the pandas `str` column the tables
have always had.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from .engine.codes import Cause, Kind, PostKind
from .engine.log import BatchLog
from .engine.state import EVENT
from .names import generated_names_arrow
from .rng import Purpose, stream_keys, uniform
from .roster import OLD_RANK_NAMES, RANK_NAMES

if TYPE_CHECKING:
    from .scenario import Scenario

SECRET = {"denunciation", "arrest", "interrogation", "release", "charm", "discharge", "reinstatement"}
ERASE_STREAM = 100_001  # "month" of the CENSOR stream of the erasure draws, indexed by officer id
CREDIT_STREAM = 100_002  # ... and of the reattribution draws, indexed by the event's position in its run

CAUSE_TEXT = {c: c.name.lower().replace("_", " ") for c in Cause}
CAUSE_TEXT[Cause.NONE] = ""
CAUSE_TEXT[Cause.ORDER_270] = "Order No. 270"
CAUSE_TEXT[Cause.ORDER_227] = "Order No. 227"
KIND_TEXT = {k: k.name.lower() for k in Kind}

# The marks of `censor`, one byte per event (bits; 0: kept as it is).
LEFT_OUT = 1  # erased (names an erased officer) or secret: not in the official record
RELABELLED = 2  # a transfer shown as a reorganisation, an execution as discipline
REATTRIBUTED = 4  # a victory credited to the collective leadership
BLANKED = 8  # names an erased man as the other party, who is blanked

# The official history's own kinds, after the engine's codes.
RELABELLING = max(Kind) + 1
REATTRIBUTION = max(Kind) + 2
ERASURE = max(Kind) + 3
REORGANISATION_TEXT = "reorganisation"
DISCIPLINE_TEXT = "discipline"
COLLECTIVE_TEXT = "victory credited to the collective leadership of the Stavka"
REMOVED_TEXT = "name removed from the record"
COLLECTIVE_NAME = "collective leadership"

_DEFECTION = int(Kind.DEFECTION)
_EXECUTION = int(Kind.EXECUTION)
_VICTORY = int(Kind.VICTORY)
_TRANSFER = int(Kind.TRANSFER)


# --- the compiled passes --------------------------------------------------------------------------------


@numba.njit(cache=True)
def _table_order(counts, start):  # type: ignore[no-untyped-def]
    """The ledger table's order over `BatchLog` records: (record of each table row, its month index, and
    where each batch row's events begin, `first[r]:first[r + 1]`); run by run, month, emission order."""
    n_months, n_runs = counts.shape
    first = np.zeros(n_runs + 1, np.int64)
    for r in range(n_runs):
        s = 0
        for t in range(n_months):
            s += counts[t, r]
        first[r + 1] = first[r] + s
    order = np.empty(first[n_runs], np.int64)
    month = np.empty(first[n_runs], np.int16)
    for r in range(n_runs):
        p = first[r]
        for t in range(n_months):
            for j in range(start[t, r], start[t, r] + counts[t, r]):
                order[p] = j
                month[p] = t
                p += 1
    return order, month, first


@numba.njit(cache=True)
def _censor(records, order, month, first, key_erase, key_credit, erase_p, hide, relabel, credit, secret, relabelled):  # type: ignore[no-untyped-def]
    """The official history's rules over the ledger table (`records[order[p]]` is row p, of month `month[p]`,
    run r's rows `first[r]:first[r + 1]`).  Returns the marks of each row; the erased names (batch row, the
    row of his first fatal event, the month of his earliest), run by run in order of discovery; and per run
    (rows altered or left out / rows, names erased)."""
    n = order.shape[0]
    n_runs = first.shape[0] - 1
    top = -1
    for p in range(n):
        top = max(top, records[order[p]].officer, records[order[p]].other)
    erased = np.zeros(top + 2, np.bool_)  # by officer id + 1 (slot 0: id -1, "no officer"); one run at a time
    fell_at = np.empty(top + 2, np.int64)
    fell_in = np.empty(top + 2, np.int64)
    fallen = np.empty(top + 2, np.int64)  # the slots set, to clear them for the next run
    marks = np.zeros(n, np.int8)
    # Each erased name has an event of his own, so there are at most n (np.empty: untouched pages are free).
    fall_row = np.empty(n, np.int64)
    fall_pos = np.empty(n, np.int64)
    fall_month = np.empty(n, np.int64)
    n_fall = 0
    distortion = np.zeros(n_runs)
    names = np.zeros(n_runs, np.int64)
    for r in range(n_runs):
        # Who is erased: every defector, and an executed officer with the month's erase probability, the
        # draw keyed by his id (so it is the same for all his fatal events).
        n_fallen = 0
        for p in range(first[r], first[r + 1]):
            e = records[order[p]]
            t = month[p]
            if e.kind == _DEFECTION or (e.kind == _EXECUTION and uniform(key_erase[r], np.int64(e.officer), 0) < erase_p[t]):
                o = e.officer + 1
                if not erased[o]:
                    erased[o] = True
                    fell_at[o] = p
                    fell_in[o] = t
                    fallen[n_fallen] = o
                    n_fallen += 1
                elif t < fell_in[o]:
                    fell_in[o] = t  # the record dates the erasure by his earliest fatal event
        names[r] = n_fallen
        altered = 0
        for p in range(first[r], first[r + 1]):
            e = records[order[p]]
            kd = e.kind
            o = e.officer
            ot = e.other
            t = month[p]
            if (o >= 0 and erased[o + 1]) or (hide[t] and secret[kd]):
                m = LEFT_OUT
            else:
                m = 0
                if ot >= -1 and erased[ot + 1]:
                    m |= BLANKED
                if relabel[t] and relabelled[kd]:
                    m |= RELABELLED
                # The draw of the reattribution is indexed by the row's position in its run.
                if kd == _VICTORY and uniform(key_credit[r], p - first[r], 0) < credit[r, t]:
                    m |= REATTRIBUTED
            marks[p] = m
            if m:
                altered += 1
        if first[r + 1] > first[r]:
            distortion[r] = altered / (first[r + 1] - first[r])
        for i in range(n_fallen):
            o = fallen[i]
            fall_row[n_fall] = r
            fall_pos[n_fall] = fell_at[o]
            fall_month[n_fall] = fell_in[o]
            n_fall += 1
            erased[o] = False
    return marks, fall_row[:n_fall].copy(), fall_pos[:n_fall].copy(), fall_month[:n_fall].copy(), distortion, names


@numba.njit(cache=True)
def _official_order(marks, month, first, row_order, fall_first, fall_month, n_months):  # type: ignore[no-untyped-def]
    """The official table's rows: runs in `row_order`, each run's by month, within a month its kept rows in
    table order, then its erasure entries (run r's are `fall_first[r]:fall_first[r + 1]`, in the order
    given).  Values p < len(marks) are rows of the true table, len(marks) + i erasure entry i; and the number of
    rows of each run, in `row_order`."""
    n = marks.shape[0]
    size = fall_first[-1]
    for p in range(n):
        if not marks[p] & LEFT_OUT:
            size += 1
    out = np.empty(size, np.int64)
    sizes = np.zeros(row_order.shape[0], np.int64)  # rows of each run, in `row_order`
    at = np.empty(n_months + 1, np.int64)
    q = 0
    for j, r in enumerate(row_order):
        at[:] = 0
        for p in range(first[r], first[r + 1]):
            if not marks[p] & LEFT_OUT:
                at[month[p] + 1] += 1
        for i in range(fall_first[r], fall_first[r + 1]):
            at[fall_month[i] + 1] += 1
        at[0] = q
        for t in range(n_months):
            at[t + 1] += at[t]
        for p in range(first[r], first[r + 1]):
            if not marks[p] & LEFT_OUT:
                out[at[month[p]]] = p
                at[month[p]] += 1
        for i in range(fall_first[r], fall_first[r + 1]):
            out[at[fall_month[i]]] = n + i
            at[fall_month[i]] += 1
        sizes[j] = at[n_months - 1] - q
        q = at[n_months - 1]
    return out, sizes


@numba.njit(cache=True)
def _true_columns(records, order, first, month, post_named, n_fronts, old_ranks, valued_kind, ranked_kind):  # type: ignore[no-untyped-def]
    """The true table's columns in one pass over its rows: kind, officer, other, post and front codes (-1 as
    the last entry of their dictionaries), cause, value; each row's (run, officer) pair, numbered in order of
    first appearance, and the pairs; and what of each row the detail shows, as the key of everything but the
    value (kind, place, cause, rank names, advance) and the value shown (rank, or km rounded half to even)."""
    n = order.shape[0]
    n_post = post_named.shape[0] - 1  # the last post code: no post
    n_place = n_post + 1 + n_fronts + 1
    top = -1
    for p in range(n):
        top = max(top, records[order[p]].officer)
    pair_of = np.full(top + 2, -1, np.int64)  # by officer id + 1, in the current run
    kind = np.empty(n, np.int8)
    officer = np.empty(n, np.int64)
    other = np.empty(n, np.int64)
    post = np.empty(n, np.int16)
    front = np.empty(n, np.int16)
    cause = np.empty(n, np.int8)
    value = np.empty(n, np.float64)
    pair = np.empty(n, np.int32)
    key = np.empty(n, np.int64)
    shown = np.empty(n, np.float64)  # the rows that show a value, in order (np.empty: the rest stays unwritten)
    n_shown = 0
    pair_row = np.empty(n, np.int64)
    pair_officer = np.empty(n, np.int64)
    n_pairs = 0
    for r in range(first.shape[0] - 1):
        run_first = n_pairs
        for p in range(first[r], first[r + 1]):
            e = records[order[p]]
            k = np.int64(e.kind)
            o = np.int64(e.officer)
            v = np.float64(e.value)
            ps = np.int64(e.post) if e.post >= 0 else n_post
            fr = np.int64(e.front) if 0 <= e.front < n_fronts else n_fronts
            c = np.int64(e.cause)
            kind[p], officer[p], other[p], post[p], front[p], cause[p], value[p] = k, o, np.int64(e.other), ps, fr, c, v
            if pair_of[o + 1] < 0:
                pair_of[o + 1] = n_pairs
                pair_row[n_pairs] = r
                pair_officer[n_pairs] = o
                n_pairs += 1
            pair[p] = pair_of[o + 1]
            place = ps if post_named[ps] else n_post + 1 + fr  # `post or front`
            era = 0
            sign = 0
            if ranked_kind[k]:
                shown[n_shown] = np.trunc(v)
                n_shown += 1
                era = 1 if old_ranks[month[p]] else 0
            elif valued_kind[k]:
                shown[n_shown] = np.rint(np.abs(v))
                n_shown += 1
                sign = 1 if v > 0 else 0
            key[p] = (((sign * 2 + era) * 128 + c) * n_place + place) * 128 + k
        for i in range(run_first, n_pairs):
            pair_of[pair_officer[i] + 1] = -1
    return (
        kind,
        officer,
        other,
        post,
        front,
        cause,
        value,
        pair,
        pair_row[:n_pairs].copy(),
        pair_officer[:n_pairs].copy(),
        key,
        shown[:n_shown].copy(),
    )


@numba.njit(cache=True)
def _factorize(keys):  # type: ignore[no-untyped-def]
    """`pd.factorize(keys)` of int64 keys, compiled (one open-addressing hash): the code of each key and the
    distinct keys in order of first appearance (the same codes pandas gives)."""
    n = keys.shape[0]
    size = 1024  # (a ledger has a few thousand distinct details: a small table stays in cache; it grows if need be)
    slots = np.full(size, -1, np.int64)
    uniques = np.empty(n, np.int64)
    codes = np.empty(n, np.int32)
    n_unique = 0
    for i in range(n):
        k = keys[i]
        h = (k * np.int64(-7046029254386353131)) & (size - 1)
        while slots[h] >= 0 and uniques[slots[h]] != k:
            h = (h + 1) & (size - 1)
        if slots[h] < 0:
            if 2 * (n_unique + 1) > size:  # full: rehash into a table twice the size
                size *= 2
                slots = np.full(size, -1, np.int64)
                for j in range(n_unique):
                    g = (uniques[j] * np.int64(-7046029254386353131)) & (size - 1)
                    while slots[g] >= 0:
                        g = (g + 1) & (size - 1)
                    slots[g] = j
                h = (k * np.int64(-7046029254386353131)) & (size - 1)
                while slots[h] >= 0:
                    h = (h + 1) & (size - 1)
            slots[h] = n_unique
            uniques[n_unique] = k
            n_unique += 1
        codes[i] = slots[h]
    return codes, uniques[:n_unique].copy()


def factorize_floats(values: NDArray[np.float64]) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
    """`pd.factorize(values, use_na_sentinel=False)`, compiled: every NaN one value, -0.0 the same as 0.0."""
    canon = np.where(np.isnan(values), np.nan, values + 0.0)  # one NaN's bits; -0.0 + 0.0 is 0.0
    codes, uniques = _factorize(canon.view(np.int64))
    return codes, uniques.view(np.float64)


@numba.njit(cache=True)
def _gather(values, src, n, fill):  # type: ignore[no-untyped-def]
    """`values[src[i]]` where src[i] < n (an event of the true table), else `fill[src[i] - n]` (an erasure
    entry), in one pass."""
    out = np.empty(src.shape[0], values.dtype)
    for i in range(src.shape[0]):
        j = src[i]
        out[i] = values[j] if j < n else fill[j - n]
    return out


# --- censorship -------------------------------------------------------------------------------------------


def censorship_arrays(
    censorship: Callable[[str], object], labels: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_]]:
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


@dataclass
class TableOrder:
    """The ledger table over raw records: row p is `records[order[p]]`, in month `month[p]`; batch row r's
    rows are `first[r]:first[r + 1]`."""

    records: NDArray[np.void]
    order: NDArray[np.int64]
    month: NDArray[np.int16]
    first: NDArray[np.int64]

    @classmethod
    def of_log(cls, log: BatchLog, n_months: int) -> TableOrder:
        counts = log.counts[:n_months]
        if counts.sum() != log.n_events:
            raise ValueError("the ledger does not match these months")
        order, month, first = _table_order(counts, log.starts()[:n_months])
        return cls(log.records[: log.n_events], order, month, first)

    @property
    def n_runs(self) -> int:
        return len(self.first) - 1


@dataclass
class Censored:
    """What `censor` decided for a ledger table: the marks of each row, the erased names (batch row, the table
    row of his first fatal event, the month of his erasure), sorted by run, month and officer id as the record
    lists them, and per run the two history metrics."""

    marks: NDArray[np.int8]
    fall_row: NDArray[np.int64]
    fall_pos: NDArray[np.int64]
    fall_month: NDArray[np.int64]
    distortion: NDArray[np.float64]
    erased_names: NDArray[np.int64]


def censor(
    table: TableOrder,
    run_ids: NDArray[np.int64],
    seed: int,
    censorship: Callable[[str], object],
    labels: Sequence[str],
    credit: NDArray[np.float64],
) -> Censored:
    """The official history's rules, compiled, over a ledger table of distinct runs: every defector is erased
    (all events naming him leave the record, and one 'erasure' entry stands for them); a repressed officer is
    erased with the doctrine's probability; secret events are left out; transfers are relabelled
    'reorganisation' and executions 'discipline'; a victory is reattributed to collective leadership with
    the share of credit the centre took that month (`credit[r, t]`).  The draws: `ERASE_STREAM` by officer id,
    `CREDIT_STREAM` by the event's position in its run, both `Purpose.CENSOR` of (seed, run id)."""
    ids = np.asarray(run_ids, dtype=np.int64)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("the official history needs distinct run ids")
    if len(ids) != table.n_runs or credit.shape != (len(ids), len(labels)):
        raise ValueError("the ledger does not match these runs and months")
    erase_p, hide, relabel = censorship_arrays(censorship, labels)
    marks, fall_row, fall_pos, fall_month, distortion, names = _censor(
        table.records,
        table.order,
        table.month,
        table.first,
        stream_keys(seed, ids, ERASE_STREAM, Purpose.CENSOR),
        stream_keys(seed, ids, CREDIT_STREAM, Purpose.CENSOR),
        erase_p,
        hide,
        relabel,
        np.ascontiguousarray(credit, dtype=np.float64),
        kinds_lookup(SECRET),
        kinds_lookup(("transfer", "execution")),
    )  # relabelled: transfers and executions
    officer = table.records["officer"][table.order[fall_pos]].astype(np.int64)
    by = np.lexsort((officer, fall_month, fall_row))
    return Censored(marks, fall_row[by], fall_pos[by], fall_month[by], distortion, names)


def history_stats(
    log: BatchLog, run_ids: NDArray[np.int64], seed: int, censorship: Callable[[str], object], labels: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """`history_distortion` and `erased_names` of each run of the batch (in batch order), those of the official
    history `simulate` builds from the same ledger (it is the same pass).  The run ids must be distinct."""
    ids = np.asarray(run_ids, dtype=np.int64)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("history_stats needs distinct run ids")
    n_months = len(labels)
    if log.counts[:n_months].shape != (n_months, len(ids)):
        raise ValueError("the ledger does not match these runs and months")
    c = censor(TableOrder.of_log(log, n_months), ids, seed, censorship, labels, log.series["credit"])
    return c.distortion, c.erased_names


# --- columnar tables --------------------------------------------------------------------------------------

TEXT_COLUMNS = ("month", "kind", "officer", "post", "front", "cause", "detail")
COLUMNS = ["run", "month", "kind", "officer", "officer_id", "other_id", "post", "front", "cause", "detail", "value"]
STR = pd.StringDtype("pyarrow", na_value=np.nan)  # the `str` of pandas 3, as the tables have always had


def _dictionary(values: Sequence[str | None]) -> pa.Array:
    return pa.array(list(values), type=pa.large_string())


@dataclass
class Ledger:
    """A ledger table as columns: the runs (`sizes[i]` rows of run `runs[i]`, in order), `officer_id`,
    `other_id` and `value` as they are, each text column (`TEXT_COLUMNS`) as codes into its dictionary
    `text[name]` (codes as narrow as they fit: the bytes of a column are most of its cost)."""

    runs: NDArray[np.int64]
    sizes: NDArray[np.int64]
    officer_id: NDArray[np.int64]
    other_id: NDArray[np.int64] | NDArray[np.float64]
    value: NDArray[np.float64]
    codes: dict[str, NDArray[np.integer]]  # type: ignore[type-arg]  # into `text[name]`
    text: dict[str, pa.Array] = field(repr=False)

    def __len__(self) -> int:
        return len(self.officer_id)

    def frame(self) -> pd.DataFrame:
        return frame_of([self])


def frame_of(parts: Sequence[Ledger]) -> pd.DataFrame:
    """Ledgers (batches of one simulation, in order) as one pandas table: each text column decoded from its
    dictionaries by Arrow (a take by 32-bit codes, several times faster than decoding a DictionaryArray),
    one chunk per part, in the `str` dtype; each number column written once and handed to the frame as it is
    (no block of the frame is copied or consolidated)."""
    other_int = all(p.other_id.dtype == np.int64 for p in parts)
    numbers = {
        "run": np.concatenate([np.repeat(p.runs, p.sizes) for p in parts]) if parts else np.zeros(0, np.int64),
        "officer_id": _joined([p.officer_id for p in parts], np.int64),
        "other_id": _joined([p.other_id for p in parts], np.int64 if other_int else np.float64),
        "value": _joined([p.value for p in parts], np.float64),
    }
    # The takes write every row's text afresh, and fresh memory is most of their cost (page faults), which
    # the engine's threads share out: Arrow releases the GIL.
    n = sum(len(p) for p in parts)
    jobs = [(name, p) for name in TEXT_COLUMNS for p in parts]

    def take(job: tuple[str, Ledger]) -> pa.Array:
        return pc.take(job[1].text[job[0]], pa.array(job[1].codes[job[0]]))

    threads = numba.get_num_threads() if n > 100_000 else 1
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            taken = list(pool.map(take, jobs))
    else:
        taken = [take(job) for job in jobs]
    columns: dict[str, object] = {}
    for name in COLUMNS:
        if name in numbers:
            columns[name] = numbers[name]
        else:
            i = TEXT_COLUMNS.index(name)
            chunks = taken[i * len(parts) : (i + 1) * len(parts)]
            columns[name] = pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.large_string()), dtype=STR)  # type: ignore[call-arg]
    return pd.DataFrame(columns, copy=False)


def _joined(arrays: Sequence[NDArray], dtype: type) -> NDArray:  # type: ignore[type-arg]
    """One column of several parts, a copy of its own (the frame may be written to; the parts are read again)."""
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


def empty_ledger(official: bool = False) -> pd.DataFrame:
    """A ledger with no rows, with the columns and dtypes of the true table (or of the official one, whose
    other_id is float: its erasure entries have no other party)."""
    dtypes: dict[str, object] = {c: STR for c in COLUMNS}
    dtypes.update(run="int64", officer_id="int64", other_id="float64" if official else "int64", value="float64")
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})  # type: ignore[call-overload]


def _by_code(text: dict[Kind, str] | dict[Cause, str], extra: Sequence[str] = ()) -> list[str | None]:
    """The text of each code at the code's index (None where no code is), then `extra`."""
    out: list[str | None] = [None] * (max(text) + 1)
    for code, name in text.items():
        out[int(code)] = name
    return out + list(extra)


_KINDS = _by_code(KIND_TEXT)
_CAUSES = _by_code(CAUSE_TEXT)
_OFFICIAL_KINDS = _dictionary(_by_code(KIND_TEXT, ["relabelling", "reattribution", "erasure"]))
assert _OFFICIAL_KINDS[ERASURE].as_py() == "erasure"
_VALUE_KINDS = np.isin(np.arange(len(_KINDS)), [Kind.PROMOTION, Kind.DEMOTION, Kind.VICTORY, Kind.DEFEAT])
_RANKED = np.isin(np.arange(len(_KINDS)), [Kind.PROMOTION, Kind.DEMOTION])
_AT = {"victory", "defeat", "encirclement", "killed", "captured"}  # kinds whose place reads "at ..."


def _detail(kind: str | None, place: str, cause: str | None, shown: float, advanced: bool, old_ranks: bool) -> str:
    """The detail of an event: rank, km, place, cause.  `shown`: the rank of a promotion or demotion, the km
    of a victory or defeat (its absolute value, rounded to a whole number as '.0f' rounds)."""
    parts = []
    if kind in ("promotion", "demotion"):
        parts.append(f"to {(OLD_RANK_NAMES if old_ranks else RANK_NAMES)[int(shown)]}")
    if kind in ("victory", "defeat"):
        parts.append(f"{shown:.0f} km {'advanced' if advanced else 'lost'}")
    if place:
        parts.append(("at " if kind in _AT else "") + place)
    if cause and kind != "war":
        parts.append(cause)
    return ", ".join(parts)


@dataclass(frozen=True)
class _Statics:
    """What names a scenario's events, the same for every batch: dictionaries of months, kinds, causes,
    posts and fronts (a front is named by its front post)."""

    labels: pa.Array
    old_ranks: NDArray[np.bool_]  # by month: before the general ranks of June 1940
    kinds: pa.Array
    causes: pa.Array
    posts: pa.Array  # post names, then "" (no post)
    post_named: NDArray[np.bool_]
    fronts: pa.Array  # by front slot, then "" (no front, or a slot without a front post)
    place: list[str]  # the place a detail names, `post or front`: posts (with ""), then fronts (with "")


def _statics(scen: Scenario, n_fronts: int) -> _Statics:
    labels = scen.calendar.labels()
    posts = scen.posts
    front_posts = {int(posts.front[p]): posts.names[p] for p in range(posts.n) if posts.kind[p] == PostKind.FRONT}
    fronts = [front_posts.get(f, "") for f in range(n_fronts)] + [""]
    post_names = [*posts.names, ""]
    return _Statics(
        _dictionary(labels),
        np.array([m < "1940-06" for m in labels]),
        _dictionary(_KINDS),
        _dictionary(_CAUSES),
        _dictionary(post_names),
        np.array([bool(p) for p in post_names]),
        _dictionary(fronts),
        post_names + fronts,
    )


def true_ledger(table: TableOrder, run_ids: NDArray[np.int64], seed: int, scen: Scenario) -> Ledger:
    """The true ledger table of a batch (`table` over its `BatchLog`), officers named."""
    ids = np.asarray(run_ids, dtype=np.int64)
    n_fronts = max(int(scen.posts.front.max()) + 1, int(table.records["front"].max()) + 1 if len(table.records) else 0, 0)
    st = _statics(scen, n_fronts)
    (kind, officer, other, post, front, cause, value, pair, pair_row, pair_officer, key, shown) = _true_columns(
        table.records, table.order, table.first, table.month, st.post_named, n_fronts, st.old_ranks, _VALUE_KINDS, _RANKED
    )
    # Details: each distinct (key, value shown) is formatted once.  The value shown is factorised first, so
    # that NaN and infinities keep codes of their own.
    valued = _VALUE_KINDS[kind]
    vcode = np.zeros(len(kind), np.int64)
    vcode[valued], shown_values = factorize_floats(shown)
    span = int(key.max()) + 1 if len(key) else 1
    detail, keys = _factorize(vcode * span + key)
    vc, rest = keys // span, keys % span
    k, rest = rest % 128, rest // 128
    n_place = len(st.place)
    pl, rest = rest % n_place, rest // n_place
    c, rest = rest % 128, rest // 128
    old, adv = rest % 2, rest // 2
    kinds, causes = st.kinds.to_pylist(), st.causes.to_pylist()
    details = [
        _detail(
            kinds[k[i]],
            st.place[pl[i]],
            causes[c[i]],
            float(shown_values[vc[i]]) if _VALUE_KINDS[k[i]] else 0.0,
            bool(adv[i]),
            bool(old[i]),
        )
        for i in range(len(keys))
    ]
    # Names: each (run, officer) pair once; the roster's by slot, generated ones joined by Arrow.
    roster = scen.roster
    pair_name = np.full(len(pair_row), len(roster), np.int64)  # "" (no officer), after the roster's names
    named = (pair_officer >= 0) & (pair_officer < len(roster))
    pair_name[named] = pair_officer[named]
    gen = pair_officer >= len(roster)
    pair_name[gen] = len(roster) + 1 + np.arange(int(gen.sum()))
    names = pa.concat_arrays(
        [_dictionary([*(e.short_name for e in roster), ""]), generated_names_arrow(seed, ids[pair_row[gen]], pair_officer[gen])]
    )
    # The officer column's dictionary has an entry per pair (a few hundred a run), so its codes are the pairs.
    codes = {
        "month": table.month,
        "kind": kind,
        "officer": pair,
        "post": post,
        "front": front,
        "cause": cause,
        "detail": detail.astype(np.int16 if len(details) < 32000 else np.int32),
    }  # (the official history adds 4)
    text = {
        "month": st.labels,
        "kind": st.kinds,
        "officer": pc.take(names, pair_name),
        "post": st.posts,
        "front": st.fronts,
        "cause": st.causes,
        "detail": _dictionary(details),
    }
    return Ledger(ids, np.diff(table.first), officer, other, value, codes, text)


def _extend(d: pa.Array, extra: Sequence[str]) -> tuple[pa.Array, list[int]]:
    """`d` with `extra` after it, and the codes of the extra entries."""
    return pa.concat_arrays([d, _dictionary(extra)]), list(range(len(d), len(d) + len(extra)))


def official_ledger(true: Ledger, run_ids: NDArray[np.int64], first: NDArray[np.int64], c: Censored, n_months: int) -> Ledger:
    """The official history's table from the true one (batch row r, of id `run_ids[r]`, has its rows
    `first[r]:first[r + 1]`) and what `censor` decided: kept rows as they are, altered rows altered, one
    erasure entry for each erased name; runs in order of id, each by month (a month's erasures after its
    events, by officer id)."""
    n = len(true)
    ids = np.asarray(run_ids, dtype=np.int64)
    rows_of_run = np.argsort(ids, kind="stable")
    fall_first = np.searchsorted(c.fall_row, np.arange(len(first)), side="left").astype(np.int64)
    src, sizes = _official_order(c.marks, true.codes["month"], first, rows_of_run, fall_first, c.fall_month, n_months)
    n_fall = len(c.fall_pos)

    def column(values: NDArray, erasure: NDArray | float | int) -> NDArray:  # type: ignore[type-arg]
        """The column over the official rows: an event's value from the true table, an erasure entry's
        `erasure` (one value for all, or one by entry)."""
        if isinstance(erasure, float):
            values = values.astype(np.float64, copy=False)
        fill = np.broadcast_to(np.asarray(erasure, dtype=values.dtype), (n_fall,))
        return _gather(values, src, n, np.ascontiguousarray(fill))  # type: ignore[no-any-return]

    m = column(c.marks, 0)
    pos = c.fall_pos
    text = dict(true.text)
    text["kind"] = _OFFICIAL_KINDS
    text["detail"], (reorg, discipline, collective, removed) = _extend(
        true.text["detail"], [REORGANISATION_TEXT, DISCIPLINE_TEXT, COLLECTIVE_TEXT, REMOVED_TEXT]
    )
    text["officer"], (leadership,) = _extend(true.text["officer"], [COLLECTIVE_NAME])
    blank = {}
    for name in ("post", "front", "cause"):
        text[name], (blank[name],) = _extend(true.text[name], [""])
    codes = {
        "month": column(true.codes["month"], c.fall_month),
        "kind": column(true.codes["kind"], ERASURE),
        "officer": column(true.codes["officer"], true.codes["officer"][pos]),
        "post": column(true.codes["post"], blank["post"]),
        "front": column(true.codes["front"], blank["front"]),
        "cause": column(true.codes["cause"], blank["cause"]),
        "detail": column(true.codes["detail"], removed),
    }
    relabelled = (m & RELABELLED) != 0
    credited = (m & REATTRIBUTED) != 0
    kind = codes["kind"]
    codes["detail"][relabelled & (kind == _TRANSFER)] = reorg
    codes["detail"][relabelled & (kind == _EXECUTION)] = discipline
    codes["detail"][credited] = collective
    codes["officer"][credited] = leadership
    kind[relabelled] = RELABELLING
    kind[credited] = REATTRIBUTION
    other = column(true.other_id, np.nan)
    other[(m & BLANKED) != 0] = -1  # an erased man accuses no one in the record
    return Ledger(
        ids[rows_of_run], sizes, column(true.officer_id, true.officer_id[pos]), other, column(true.value, np.nan), codes, text
    )


class BatchLedgers:
    """One batch's two ledgers, laid out as columns when first asked for: what they are made of (the batch's
    records, copied out of the workspace the next batch overwrites, their table order and what `censor`
    decided) is kept until then, so a result whose tables are never read pays only for that copy."""

    def __init__(self, table: TableOrder, run_ids: NDArray[np.int64], seed: int, scen: Scenario, censored: Censored) -> None:
        self._table: TableOrder | None = TableOrder(table.records.copy(), table.order, table.month, table.first)
        self._ids, self._seed, self._scen, self._censored = run_ids, seed, scen, censored
        self._true: Ledger | None = None
        self._official: Ledger | None = None

    def true(self) -> Ledger:
        if self._true is None:
            assert self._table is not None
            self._true = true_ledger(self._table, self._ids, self._seed, self._scen)
        return self._true

    def official(self) -> Ledger:
        if self._official is None:
            assert self._table is not None
            first, n_months = self._table.first, len(self._scen.calendar.labels())
            self._official = official_ledger(self.true(), self._ids, first, self._censored, n_months)
            self._table = None  # (both built: the records are no longer needed)
        return self._official


# --- a ledger given as a table -----------------------------------------------------------------------------


def official_history(
    events: pd.DataFrame, seed: int, censorship: Callable[[str], object], credit: Callable[[int, str], float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(official events, per-run stats with history_distortion and erased_names, indexed by run) of a true
    ledger given as a table with the columns of `stavka.simulate(...).events` (any order of runs; each run's
    events in the order of the record), by `censor`'s rules; `credit(run, month)` is the share of credit the
    centre took.  `stavka.simulate` applies the same pass to the engine's ledger directly."""
    if not len(events):
        stats = pd.DataFrame(
            {"history_distortion": pd.Series(dtype="float64"), "erased_names": pd.Series(dtype="int64")},
            index=pd.Index([], dtype="int64", name="run"),
        )
        return empty_ledger(official=True), stats
    by_run = np.argsort(events["run"].to_numpy(np.int64), kind="stable")
    ev = events.iloc[by_run].reset_index(drop=True)
    run = ev["run"].to_numpy(np.int64)
    ids, first = np.unique(run, return_index=True)
    first = np.append(first, len(run)).astype(np.int64)
    labels = sorted(set(ev["month"]))
    month = np.searchsorted(np.array(labels, dtype=object), ev["month"].to_numpy(object)).astype(np.int16)
    code_of = {text: int(k) for k, text in KIND_TEXT.items()}
    unknown = set(ev["kind"]) - set(code_of)
    if unknown:
        raise ValueError(f"not kinds of the true ledger: {sorted(unknown)}")
    rec = np.zeros(len(ev), dtype=EVENT)
    rec["kind"] = [code_of[k] for k in ev["kind"]]
    rec["officer"] = ev["officer_id"].to_numpy(np.int64)
    rec["other"] = ev["other_id"].to_numpy(np.int64)
    rows = np.repeat(np.arange(len(ids)), np.diff(first))
    credits = np.zeros((len(ids), len(labels)))
    for cell in np.unique(rows * len(labels) + month):
        r, t = divmod(int(cell), len(labels))
        credits[r, t] = credit(int(ids[r]), labels[t])
    table = TableOrder(rec, np.arange(len(ev), dtype=np.int64), month, first)
    c = censor(table, ids, seed, censorship, labels, credits)
    codes: dict[str, NDArray[np.integer]] = {}  # type: ignore[type-arg]
    text: dict[str, pa.Array] = {}
    for name in TEXT_COLUMNS:
        if name == "month":
            codes[name], text[name] = month, _dictionary(labels)
        elif name == "kind":
            codes[name], text[name] = rec["kind"].copy(), _dictionary(_KINDS)
        else:
            k, uniq = pd.factorize(ev[name], use_na_sentinel=False)
            codes[name], text[name] = k.astype(np.int32), pa.array(np.asarray(uniq, dtype=object), type=pa.large_string())
    true = Ledger(
        ids,
        np.diff(first),
        ev["officer_id"].to_numpy(np.int64),
        ev["other_id"].to_numpy(np.int64),
        ev["value"].to_numpy(np.float64),
        codes,
        text,
    )
    official = official_ledger(true, ids, first, c, len(labels)).frame()
    stats = pd.DataFrame({"history_distortion": c.distortion, "erased_names": c.erased_names}, index=pd.Index(ids, name="run"))
    return official, stats
