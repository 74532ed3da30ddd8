"""The world as arrays: officers, posts, fronts and runs, for a batch of runs at once.

Each table is a NumPy structured array whose first axis is the run in the batch; compiled kernels
read and write records (`off[r, i].fear`) and doctrines read whole columns (`off["rank"]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import DTypeLike, NDArray

# Fields most loops read come first, so that a pass over the corps reads one cache line per officer
# where it can: records are three whole cache lines (192 bytes) and `officer_table` aligns them to lines.
OFFICER = np.dtype(
    {
        "names": [
            "status",
            "rank",
            "post",
            "patron",
            "tenure",
            "custody",
            "captive",
            "requests",
            "withdrew",
            "watched",
            "repressed",  # 16 bytes of small ints, then the first line's six floats
            "fear",
            "susp",
            "comp",
            "bc_mu",
            "pop",
            "bl_mu",
            "loyal",
            "ambition",
            "bc_var",
            "bl_var",
            "griev",
            "trauma",
            "exper",
            "age",  # the second line
            "ident",
            "wins",
            "defeats",
            "roster",
            "senior_at_war",  # the third
        ],
        "formats": [
            np.int8,
            np.int8,
            np.int16,
            np.int16,
            np.int16,
            np.int16,
            np.int16,
            np.int8,
            np.int8,
            np.int8,
            np.int8,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.float64,
            np.int32,
            np.int16,
            np.int16,
            np.int16,
            np.int8,
        ],
        "itemsize": 192,
    }
)
# Meaning of the fields: status (Status), rank 0 colonel/kombrig .. 5 marshal, post (-1: none), patron (slot,
# -1 none: cliques, guilt by association), tenure (months in the present post), custody and captive (months),
# requests (asked for autonomy this month), withdrew (against orders this month), watched (appointed in a
# crisis, M6), repressed (ever arrested or executed); fear (M13), susp (the organ's suspicion, M14); hidden
# traits comp, loyal, ambition (M1); the ruler's beliefs bc_* about competence and bl_* about loyalty (mean,
# variance); pop (popularity, M4), griev (grievance), trauma (M5), exper (months of war command), age;
# ident (slot + n_slots * generation: unique within a run), wins, defeats, roster (row of the historical
# roster, -1 generated), senior_at_war (held a senior post when the war began, M11 continuity).


class Workspace:
    """Memory for a batch's large arrays, kept for the next batch of the same or a smaller size.

    Memory a process touches for the first time costs a page fault a page: on the two-core development
    VM, 3.5 ms per MB, more than the engine's whole month over that memory (`docs/performance.md`).  A
    loop over batches (`stavka.simulate`, sweep workers) hands one workspace to each batch's `Engine` in
    turn, so only the first batch pays.  A workspace serves one engine at a time: the arrays of an engine
    built on it are overwritten by the next one's, so copy out what is kept (the API's tables do)."""

    def __init__(self) -> None:
        self._buffers: dict[str, NDArray[np.uint8]] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: DTypeLike) -> NDArray:  # type: ignore[type-arg]
        """An uninitialised array `name` of this shape, its start aligned to a 64-byte cache line: the
        memory of the last array of that name when it is large enough."""
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape)) * dtype.itemsize
        buf = self._buffers.get(name)
        if buf is None or len(buf) < nbytes + 64:
            buf = self._buffers[name] = np.empty(nbytes + 64, dtype=np.uint8)
        start = -buf.ctypes.data % 64
        return buf[start : start + nbytes].view(dtype).reshape(shape)


def officer_table(n_runs: int, n: int, workspace: Workspace | None = None) -> NDArray[np.void]:
    """An uninitialised (runs, officers) OFFICER table whose records start on cache-line boundaries."""
    return (workspace or Workspace()).array("officers", (n_runs, n), OFFICER)


FRONT = np.dtype(
    [
        ("active", np.int8),
        ("depth", np.float64),  # km east of the 22 June 1941 border (negative: beyond it)
        ("own", np.float64),
        ("enemy", np.float64),
        ("hold", np.int8),  # directive: 1 hold, 0 initiative (M7)
        ("adv", np.float64),  # last month's true advance, km
        ("reported", np.float64),  # last month's advance as reported (distorted by fear)
        ("odds", np.float64),
        ("quality", np.float64),
        ("collapsed", np.int8),
        ("encircled", np.int8),
    ]
)

RUN = np.dtype(
    [
        ("war", np.int8),
        ("war_end", np.int16),
        ("ruler_alive", np.int8),
        ("paranoia", np.float64),
        ("listening", np.float64),
        ("lessons", np.float64),
        ("credit", np.float64),
        ("organ_trust", np.float64),
        ("collate", np.int8),
        ("purge_quota", np.float64),
        ("execute_share", np.float64),
        ("hostage", np.int8),
        ("punish_returnees", np.float64),
        ("scapegoat_index", np.float64),
        ("crisis", np.int8),
        ("enemy_pool", np.float64),
        ("repressed_month", np.int32),
        ("challenges_month", np.int32),
        # accumulators for the per-run metrics that are not event counts (those are counted off the log,
        # `metrics.COUNTS`) and, arrests and executions, for the monthly repression series
        ("losses", np.float64),
        ("arrests", np.int32),
        ("executions", np.int32),
        ("repressed_n", np.int32),
        ("repressed_innocent", np.int32),
        ("field_comp_sum", np.float64),
        ("field_comp_n", np.int32),
        ("max_depth", np.float64),
        # M3: the ruler's exemplary trials (scapegoatings) and the month + 1 of the last (0: none yet)
        ("examples", np.int32),
        ("last_example", np.int16),
        # M7: our railhead, km east of the 1941 border: at the line in a retreat, rebuilt behind an advance
        ("railhead", np.float64),
        # the ruler's deputy, the Stavka's representative (`engine/deputy.py`): his ident, -1 none
        ("deputy", np.int32),
    ]
)

EVENT = np.dtype(
    [
        ("kind", np.int8),
        ("officer", np.int32),  # ident, -1 none
        ("other", np.int32),  # ident of a second officer (accuser, predecessor), -1 none
        ("post", np.int16),
        ("front", np.int16),
        ("cause", np.int8),
        ("value", np.float32),  # kind-specific (km, men, rank, credit taken ...)
    ]
)


@dataclass
class PostTable:
    """Static description of the posts of a scenario (the same for every run)."""

    kind: NDArray[np.int8]
    front: NDArray[np.int16]  # front slot of a front or army post, -1 otherwise
    min_rank: NDArray[np.int8]
    fill_order: NDArray[np.int16]  # posts in the order vacancies are filled
    names: list[str]
    # Derived once here, read by the kernels every month:
    fill_position: NDArray[np.int64] = field(init=False)  # place of each post in fill_order
    front_posts: NDArray[np.int64] = field(init=False)  # the posts of each front, front by front, in post order
    front_first: NDArray[np.int64] = field(init=False)  # front f's are front_posts[front_first[f]:front_first[f + 1]]

    def __post_init__(self) -> None:
        self.fill_position = np.full(len(self.kind), len(self.fill_order), dtype=np.int64)
        self.fill_position[self.fill_order] = np.arange(len(self.fill_order))
        by_front = np.argsort(self.front, kind="stable")
        self.front_posts = by_front[self.front[by_front] >= 0].astype(np.int64)
        n_fronts = int(self.front.max(initial=-1)) + 1
        self.front_first = np.searchsorted(self.front[self.front_posts], np.arange(n_fronts + 1)).astype(np.int64)

    @property
    def n(self) -> int:
        return len(self.kind)


@dataclass
class World:
    """State of a batch of runs at the start of a month."""

    off: NDArray[np.void]  # (runs, officers) OFFICER
    holder: NDArray[np.int16]  # (runs, posts) slot holding each post, -1 vacant
    fronts: NDArray[np.void]  # (runs, fronts) FRONT
    run: NDArray[np.void]  # (runs,) RUN
    generation: NDArray[np.int32]  # (runs, officers) times a slot was refilled
    month: int = 0

    @property
    def n_runs(self) -> int:
        return self.off.shape[0]

    @property
    def n_slots(self) -> int:
        return self.off.shape[1]
