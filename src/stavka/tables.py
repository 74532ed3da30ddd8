"""Tables a researcher can analyse: careers (who held which post, at which rank, from when to when) and officers
(who they were: name, birth, the hidden traits drawn at the start, fate), read off the true event log and the
initial world.

Both are built from what a result keeps anyway (the true ledger's columns and the scenario, seed and run ids), on
first read: a simulation whose tables are never read pays nothing for them.

A career row is one spell of one officer in one post at one rank.  Every appointment or transfer into a post opens
a row; every transfer out of it, removal, discharge, arrest, capture, death, retirement or defection closes it; a promotion or
demotion closes it and opens the next at the new rank (a rank change in the month the row opened changes that row's
rank instead: an appointment above one's rank promotes in the same step).  `from_month` is the month of the event
that opened the row (the scenario's first month for the posts held at the start), `to_month` the month of the event
that closed it, empty while still held when the scenario ends.  Spells without a post (the reserve, custody,
captivity) are not rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numba
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .engine.codes import Kind, PostKind, Status
from .engine.state import Workspace
from .names import generated_names_arrow
from .roster import OLD_RANK_NAMES, RANK_NAMES

if TYPE_CHECKING:
    from .ledger import Ledger
    from .scenario import Scenario

CAREER_COLUMNS = ["run", "officer_id", "name", "named", "post", "post_kind", "rank", "rank_level", "from_month", "to_month"]
OFFICER_COLUMNS = ["run", "officer_id", "name", "named", "born", "competence", "loyalty", "ambition", "fate", "fate_month"]

# What each kind of event does to a career: 1 moves into (or out of) the event's post, 2 leaves any post, 3 sets
# the rank to the event's value; 4 also leaves the corps for good or for a while (the fate changes).
_ROLE = np.zeros(256, dtype=np.int8)
_ROLE[Kind.APPOINTMENT] = 1
_ROLE[Kind.TRANSFER] = 1
_ROLE[Kind.REMOVAL] = 2
_ROLE[Kind.PROMOTION] = 3
_ROLE[Kind.DEMOTION] = 3
# The fate each kind of event gives (-1: none); a release or return brings an officer back into service.
_FATE = np.full(256, -1, dtype=np.int8)
for _kind, _status in (
    (Kind.ARREST, Status.ARRESTED),
    (Kind.EXECUTION, Status.EXECUTED),
    (Kind.KILLED, Status.KILLED),
    (Kind.CAPTURED, Status.CAPTURED),
    (Kind.DEFECTION, Status.DEFECTED),
    (Kind.RETIREMENT, Status.RETIRED),
    (Kind.DEATH, Status.DEAD),
    (Kind.DISCHARGE, Status.DISCHARGED),  # out of his post and the army, until a review reinstates him
    (Kind.REINSTATEMENT, Status.ACTIVE),
    (Kind.RELEASE, Status.ACTIVE),
    (Kind.RETURN, Status.ACTIVE),
    (Kind.ESCAPE, Status.ACTIVE),
):
    _FATE[_kind] = _status
FATE_TEXT = {
    Status.ACTIVE: "serving",
    Status.ARRESTED: "in custody",
    Status.EXECUTED: "executed",
    Status.KILLED: "killed",
    Status.CAPTURED: "captive",
    Status.DEFECTED: "defected",
    Status.RETIRED: "retired",
    Status.DEAD: "died",
    Status.DISCHARGED: "discharged",
}
POST_KIND_TEXT = {k: k.name.lower() for k in PostKind}


@numba.njit(cache=True)
def _careers(first, officer, kind, post, month, value, role, fate_of, init_post, init_rank, init_status):  # type: ignore[no-untyped-def]
    """One pass over a ledger table (run r's rows `first[r]:first[r + 1]`, each run's in month and emission order;
    `post` -1 for none).  Returns the career rows (batch row, officer, post, rank, from, to; to -1: still held) and
    the officers (batch row, officer, fate status, fate month; -1: none), each run's initial slots first, then the
    officers who joined later in order of their first event."""
    n_runs = first.shape[0] - 1
    n = init_post.shape[0]
    top = n - 1
    for p in range(officer.shape[0]):
        top = max(top, officer[p])
    cur_post = np.full(top + 1, -1, np.int64)
    cur_rank = np.zeros(top + 1, np.int64)
    opened = np.full(top + 1, -1, np.int64)  # month the open row began, -1: none
    by_rank = np.zeros(top + 1, np.bool_)  # the open row was opened by a rank change (not a move)
    fate = np.zeros(top + 1, np.int64)
    fate_month = np.full(top + 1, -1, np.int64)
    seen = np.zeros(top + 1, np.bool_)
    size = n_runs * n + officer.shape[0] + 1
    c_row, c_off, c_post = np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int64)
    c_rank, c_from, c_to = np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int64)
    o_row, o_off = np.empty(size, np.int64), np.empty(size, np.int64)
    o_fate, o_month = np.empty(size, np.int64), np.empty(size, np.int64)
    nc = 0
    no = 0
    joined = np.empty(officer.shape[0] + 1, np.int64)
    for r in range(n_runs):
        for i in range(n):
            cur_rank[i] = init_rank[i]
            fate[i] = init_status[i]
            fate_month[i] = 0 if init_status[i] != Status.ACTIVE else -1
            by_rank[i] = False
            if init_post[i] >= 0 and init_status[i] == Status.ACTIVE:
                cur_post[i] = init_post[i]
                opened[i] = 0
            else:
                cur_post[i] = -1
                opened[i] = -1
        n_joined = 0
        for p in range(first[r], first[r + 1]):
            o = officer[p]
            if o < 0:
                continue
            if o >= n and not seen[o]:  # joined after the start (a new colonel of an annual intake)
                seen[o] = True
                cur_post[o], cur_rank[o], opened[o], by_rank[o] = -1, 0, -1, False
                fate[o], fate_month[o] = Status.ACTIVE, -1
                joined[n_joined] = o
                n_joined += 1
            k = kind[p]
            t = month[p]
            new_post = cur_post[o]
            new_rank = cur_rank[o]
            if role[k] == 1:
                new_post = -1 if cur_post[o] == post[p] else post[p]  # a transfer names the post left or entered
            elif role[k] == 3:
                new_rank = np.int64(value[p])
            if fate_of[k] >= 0:
                fate[o] = fate_of[k]
                fate_month[o] = t if fate_of[k] != Status.ACTIVE else -1
                if fate_of[k] != Status.ACTIVE:
                    new_post = -1
            if role[k] == 2:
                new_post = -1
            if new_post == cur_post[o] and new_rank == cur_rank[o]:
                continue
            if opened[o] >= 0:
                if new_post == cur_post[o] and opened[o] == t:
                    cur_rank[o] = new_rank  # promoted in the month the row began: that row's rank
                    continue
                if not (by_rank[o] and opened[o] == t):  # (a rank row that began and ended this month: none)
                    c_row[nc], c_off[nc], c_post[nc], c_rank[nc], c_from[nc], c_to[nc] = (
                        r,
                        o,
                        cur_post[o],
                        cur_rank[o],
                        opened[o],
                        t,
                    )
                    nc += 1
                opened[o] = -1
            by_rank[o] = new_post == cur_post[o]
            cur_post[o] = new_post
            cur_rank[o] = new_rank
            if new_post >= 0:
                opened[o] = t
        for j in range(n + n_joined):
            o = j if j < n else joined[j - n]
            if opened[o] >= 0:
                c_row[nc], c_off[nc], c_post[nc], c_rank[nc], c_from[nc], c_to[nc] = r, o, cur_post[o], cur_rank[o], opened[o], -1
                nc += 1
            o_row[no], o_off[no], o_fate[no], o_month[no] = r, o, fate[o], fate_month[o]
            no += 1
            seen[o] = False
    careers = (c_row[:nc].copy(), c_off[:nc].copy(), c_post[:nc].copy(), c_rank[:nc].copy(), c_from[:nc].copy(), c_to[:nc].copy())
    officers = (o_row[:no].copy(), o_off[:no].copy(), o_fate[:no].copy(), o_month[:no].copy())
    return careers, officers


class EventColumns:
    """The columns of a true ledger that careers are read from: each run's rows in month and emission order."""

    def __init__(
        self,
        runs: NDArray[np.int64],
        sizes: NDArray[np.int64],
        officer: NDArray[np.int64],
        kind: NDArray[np.int64],
        post: NDArray[np.int64],
        month: NDArray[np.int64],
        value: NDArray[np.float64],
    ) -> None:
        self.runs, self.sizes = runs, sizes
        self.officer, self.kind, self.post, self.month, self.value = officer, kind, post, month, value

    @classmethod
    def of_ledgers(cls, parts: Sequence[Ledger], n_posts: int) -> EventColumns:
        """From the engine's columnar ledgers (their codes are the engine's: kind by code, post by index with
        `n_posts` for none, month by index)."""
        post = np.concatenate([np.asarray(p.codes["post"], np.int64) for p in parts]) if parts else np.zeros(0, np.int64)
        post[post >= n_posts] = -1
        return cls(
            np.concatenate([p.runs for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([p.sizes for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([p.officer_id for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([np.asarray(p.codes["kind"], np.int64) for p in parts]) if parts else np.zeros(0, np.int64),
            post,
            np.concatenate([np.asarray(p.codes["month"], np.int64) for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([p.value for p in parts]) if parts else np.zeros(0),
        )

    @classmethod
    def of_frame(cls, events: pd.DataFrame, scen: Scenario) -> EventColumns:
        """From a true ledger as a table (`SimulationResult.events`): each run's rows kept in their order."""
        from .ledger import KIND_TEXT

        if not len(events):
            z = np.zeros(0, np.int64)
            return cls(z, z, z, z, z, z, np.zeros(0))
        run = events["run"].to_numpy(np.int64)
        order = np.argsort(run, kind="stable")
        ev = events.iloc[order]
        runs, sizes = np.unique(run[order], return_counts=True)
        first_seen = pd.unique(run)  # keep the runs in the table's order
        where = {int(r): i for i, r in enumerate(runs)}
        rank = np.array([where[int(r)] for r in first_seen])
        blocks = np.split(np.arange(len(ev)), np.cumsum(sizes)[:-1])
        take = np.concatenate([blocks[i] for i in rank]) if len(rank) else np.zeros(0, np.int64)
        ev = ev.iloc[take]
        code = {text: int(k) for k, text in KIND_TEXT.items()}
        post_index = {name: i for i, name in enumerate(scen.posts.names)}
        month_index = {m: i for i, m in enumerate(scen.calendar.labels())}
        return cls(
            first_seen.astype(np.int64),
            sizes[rank].astype(np.int64),
            ev["officer_id"].to_numpy(np.int64),
            np.array([code.get(k, 0) for k in ev["kind"]], dtype=np.int64),
            np.array([post_index.get(p, -1) if isinstance(p, str) else -1 for p in ev["post"]], dtype=np.int64),
            np.array([month_index[m] for m in ev["month"]], dtype=np.int64),
            ev["value"].to_numpy(np.float64),
        )


def build_tables(cols: EventColumns, scen: Scenario, seed: int, run_ids: NDArray[np.int64]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(careers, officers) of the runs `run_ids` (in that order) from their true ledger; a run without a row in
    the ledger (events not kept) has no rows in either table."""
    ids = np.asarray(run_ids, dtype=np.int64)
    have = {int(r): (i, int(s)) for i, (r, s) in enumerate(zip(cols.runs, cols.sizes, strict=True))}
    starts = np.concatenate([[0], np.cumsum(cols.sizes)]).astype(np.int64)
    kept = np.array([r for r in ids if int(r) in have], dtype=np.int64)
    # Each run's rows, in the order of `kept`.
    pieces = [np.arange(starts[have[int(r)][0]], starts[have[int(r)][0] + 1]) for r in kept]
    take = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
    first = np.concatenate([[0], np.cumsum([len(p) for p in pieces])]).astype(np.int64)
    lay = scen._corps_layout
    n = len(lay.row)
    (c_row, c_off, c_post, c_rank, c_from, c_to), (o_row, o_off, o_fate, o_month) = _careers(
        first,
        cols.officer[take],
        cols.kind[take],
        cols.post[take],
        cols.month[take],
        cols.value[take],
        _ROLE,
        _FATE,
        lay.row["post"].astype(np.int64),
        lay.row["rank"].astype(np.int64),
        lay.row["status"].astype(np.int64),
    )
    by = np.lexsort((c_off, c_row))  # run, officer, then his rows in the order they ended (chronological)
    c_row, c_off, c_post, c_rank, c_from, c_to = (a[by] for a in (c_row, c_off, c_post, c_rank, c_from, c_to))
    by = np.lexsort((o_off, o_row))  # each run's officers by id
    o_row, o_off, o_fate, o_month = (a[by] for a in (o_row, o_off, o_fate, o_month))
    labels = np.array(scen.calendar.labels(), dtype=object)
    roster = scen.roster
    # Names, each (run, officer) once: the roster's for its slots, generated ones as the ledger names them.
    named = o_off < len(roster)
    names = np.empty(len(o_off), dtype=object)
    names[named] = np.array([e.short_name for e in roster], dtype=object)[o_off[named]] if len(roster) else []
    gen = ~named
    if gen.any():
        names[gen] = np.asarray(generated_names_arrow(seed, kept[o_row[gen]], o_off[gen]).to_pylist(), dtype=object)
    # Traits, age and birth as drawn at the start, for the initial slots (later officers: not kept by the engine).
    traits = {k: np.full(len(o_off), np.nan) for k in ("comp", "loyal", "ambition", "age")}
    initial = o_off < n
    if len(kept) and initial.any():
        world = scen.initial_world(seed, kept, Workspace())
        for k in traits:
            traits[k][initial] = world.off[k][o_row[initial], o_off[initial]]
    born = np.where(initial, np.rint(scen.calendar.start_year + (scen.calendar.start_month - 1) / 12 - traits["age"]), np.nan)
    born_year = lay.born
    born[named] = born_year[o_off[named]]
    fate_text = np.array([FATE_TEXT[Status(s)] for s in range(len(FATE_TEXT))], dtype=object)
    officers = pd.DataFrame(
        {
            "run": kept[o_row],
            "officer_id": o_off,
            "name": pd.array(names, dtype="str") if len(names) else pd.array([], dtype="str"),
            "named": named,
            "born": pd.array(np.where(np.isnan(born), 0, born).astype(np.int64), dtype="Int64"),
            "competence": traits["comp"],
            "loyalty": traits["loyal"],
            "ambition": traits["ambition"],
            "fate": pd.array(fate_text[o_fate], dtype="str") if len(o_fate) else pd.array([], dtype="str"),
            "fate_month": pd.array(np.where(o_month >= 0, labels[np.maximum(o_month, 0)], None), dtype="str"),  # type: ignore[call-overload]
        }
    )
    officers.loc[np.isnan(born), "born"] = pd.NA
    # Careers: names by (batch row, officer) from the officers' rows.
    key = o_row * (int(o_off.max(initial=0)) + 1) + o_off
    at = pd.Index(key).get_indexer(c_row * (int(o_off.max(initial=0)) + 1) + c_off)
    post_names = np.array(scen.posts.names, dtype=object)
    post_kinds = np.array([POST_KIND_TEXT[PostKind(k)] for k in scen.posts.kind], dtype=object)
    old = labels[c_from] < "1940-06" if len(c_from) else np.zeros(0, np.bool_)
    rank_text = np.where(old, np.array(OLD_RANK_NAMES, dtype=object)[c_rank], np.array(RANK_NAMES, dtype=object)[c_rank])
    careers = pd.DataFrame(
        {
            "run": kept[c_row],
            "officer_id": c_off,
            "name": pd.array(names[at], dtype="str") if len(at) else pd.array([], dtype="str"),
            "named": c_off < len(roster),
            "post": pd.array(post_names[c_post], dtype="str") if len(c_post) else pd.array([], dtype="str"),
            "post_kind": pd.array(post_kinds[c_post], dtype="str") if len(c_post) else pd.array([], dtype="str"),
            "rank": pd.array(rank_text, dtype="str") if len(c_rank) else pd.array([], dtype="str"),
            "rank_level": c_rank,
            "from_month": pd.array(labels[c_from], dtype="str") if len(c_from) else pd.array([], dtype="str"),
            "to_month": pd.array(np.where(c_to >= 0, labels[np.maximum(c_to, 0)], None), dtype="str"),  # type: ignore[call-overload]
        }
    )
    return careers, officers


def empty_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Careers and officers without rows, with their columns and types."""
    careers = pd.DataFrame({c: pd.Series(dtype="str") for c in CAREER_COLUMNS})
    careers = careers.astype({"run": "int64", "officer_id": "int64", "named": "bool", "rank_level": "int64"})
    officers = pd.DataFrame({c: pd.Series(dtype="str") for c in OFFICER_COLUMNS})
    officers = officers.astype(
        {"run": "int64", "officer_id": "int64", "named": "bool", "born": "Int64", "competence": "float64"}
    ).astype({"loyalty": "float64", "ambition": "float64"})
    return careers, officers
