"""What passes between the engine and a doctrine: the ruler's view in, decisions out.

The view holds only what the ruler can see (rank, record, popularity, reports and his own beliefs);
hidden traits and fear never reach a doctrine.  Decisions are plain arrays over the batch, so one
doctrine call decides a month for every run at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from ..rng import stream_keys, uniforms
from .codes import Action, PostKind
from .common import MONTHS_PER_YEAR, ROUTINE_EXPER_CAP, ROUTINE_RANK_WEIGHT
from .series import FLOAT_FIELDS, INT_FIELDS, gather_officers
from .state import PostTable, World

F64 = NDArray[np.float64]
I8 = NDArray[np.int8]

VISIBLE_OFFICER_FIELDS = FLOAT_FIELDS + INT_FIELDS
VISIBLE_FRONT_FIELDS = ("active", "depth", "reported", "collapsed", "encircled", "hold", "own")
VISIBLE_RUN_FIELDS = ("war", "war_end", "ruler_alive", "paranoia", "listening", "lessons", "credit", "crisis", "last_example")


def _readonly(a: NDArray) -> NDArray:  # type: ignore[type-arg]
    """A read-only view (no copy: the view is rebuilt every month and must stay cheap)."""
    a = a.view()
    a.flags.writeable = False
    return a


@dataclass
class RulerView:
    """The ruler's window on a batch of runs in month `month` (arrays: runs x officers / fronts).

    `records` is the officer table restricted to the visible fields (a read-only view, no copy: a
    compiled doctrine reads it directly, and a hidden field is a compile-time error there).  The
    column dict `officer` and the per-officer post lookups are built on first use, so a doctrine
    that does not use them does not pay for them.
    """

    month: int
    label: str
    war_start: int
    seed: int
    run_ids: NDArray[np.int64]
    posts: PostTable
    records: NDArray  # type: ignore[type-arg]  # (runs, officers) visible fields only
    front: dict[str, NDArray]  # type: ignore[type-arg]
    run: dict[str, NDArray]  # type: ignore[type-arg]

    @classmethod
    def of(cls, world: World, posts: PostTable, label: str, war_start: int, seed: int, run_ids: NDArray[np.int64]) -> RulerView:
        return cls(
            month=world.month,
            label=label,
            war_start=war_start,
            seed=seed,
            run_ids=run_ids,
            posts=posts,
            records=_readonly(world.off[list(VISIBLE_OFFICER_FIELDS)]),
            front={k: _readonly(world.fronts[k]) for k in VISIBLE_FRONT_FIELDS},
            run={k: _readonly(world.run[k]) for k in VISIBLE_RUN_FIELDS},
        )

    @cached_property
    def officer(self) -> dict[str, NDArray]:  # type: ignore[type-arg]
        """Contiguous read-only (runs, officers) columns of the visible officer fields."""
        return gather_officers(self.records)

    @cached_property
    def post_kind(self) -> NDArray[np.int8]:
        """Per officer: the kind of his post, -1 none."""
        post = self.officer["post"]
        return _readonly(np.where(post >= 0, self.posts.kind[np.maximum(post, 0)], -1).astype(np.int8))

    @cached_property
    def front_of(self) -> NDArray[np.int16]:
        """Per officer: the front of his post, -1 none."""
        post = self.officer["post"]
        return _readonly(np.where(post >= 0, self.posts.front[np.maximum(post, 0)], -1).astype(np.int16))

    @property
    def shape(self) -> tuple[int, int]:
        return self.records.shape  # type: ignore[return-value]

    def holds(self, *kinds: PostKind) -> NDArray[np.bool_]:
        return np.isin(self.post_kind, [int(k) for k in kinds])

    def uniforms(self, draw: int = 0, purpose: int = 9) -> F64:
        """(runs, officers) uniforms from the doctrine's own stream for this month."""
        keys = stream_keys(self.seed, self.run_ids, self.month, purpose)
        return uniforms(keys, self.shape[1], draw)

    def routine_score(self) -> F64:
        """The bureaucracy's own order of succession: seniority, then record as the ruler reads it."""
        o = self.officer
        return o["rank"] * ROUTINE_RANK_WEIGHT + np.minimum(o["exper"], ROUTINE_EXPER_CAP) / MONTHS_PER_YEAR + o["bc_mu"]


@dataclass
class Decisions:
    """A month of the ruler's decisions for every run of a batch."""

    action: I8  # (runs, officers) Action codes
    priority: F64  # (runs, officers) order under the attention budget, highest first
    cause: I8  # (runs, officers) Cause code recorded with the action
    appoint_score: F64  # (runs, officers) preference for filling vacancies; -inf: never
    hold: I8  # (runs, fronts) 1 hold position, 0 initiative
    credit: F64  # (runs,) share of victory credit taken by the centre (M9, M4)
    collate: I8  # (runs,) collate the lessons of combat (M11)
    listening: F64  # (runs,) how far the ruler listens to his commanders (M11)
    purge_quota: F64  # (runs,) organ's monthly arrest quota as a share of the corps (M10)
    execute_share: F64  # (runs,) share of the arrested shot at trial
    hostage: I8  # (runs,) family-hostage clause for the captured (Order 270)
    punish_returnees: F64  # (runs,) chance a returning prisoner is arrested
    organ_trust: F64  # (runs,) weight the ruler gives the organ's reports
    directive: NDArray[np.int64]  # (runs,) named order issued this month (270, 227) or 0
    # (runs, officers) the post an APPOINT order names, -1 none; None: no appointment this month (the
    # built-in doctrines never appoint by name: their vacancies are filled by `appoint_score`)
    target_post: NDArray[np.int16] | None = None
    # The deputy's rule this month (`engine/deputy.py`, `RunSettings`), per run or one for all: off by default
    # (a Python doctrine names no deputy unless it says so).
    deputy_on: NDArray[np.int64] | int = 0
    deputy_rank: NDArray[np.int64] | int = 0
    deputy_w_popularity: NDArray[np.float64] | float = 0.0
    deputy_w_loyalty: NDArray[np.float64] | float = 0.0

    @classmethod
    def routine(cls, view: RulerView) -> Decisions:
        """No personnel action: the default every doctrine starts from (and `passive` keeps)."""
        n_runs, n = view.shape
        return cls(
            action=np.zeros((n_runs, n), dtype=np.int8),
            priority=np.zeros((n_runs, n)),
            cause=np.zeros((n_runs, n), dtype=np.int8),
            appoint_score=view.routine_score(),
            hold=np.array(view.front["hold"], dtype=np.int8),
            credit=np.zeros(n_runs),
            collate=np.zeros(n_runs, dtype=np.int8),
            listening=np.full(n_runs, 0.5),
            purge_quota=np.zeros(n_runs),
            execute_share=np.zeros(n_runs),
            hostage=np.zeros(n_runs, dtype=np.int8),
            punish_returnees=np.zeros(n_runs),
            organ_trust=np.full(n_runs, 0.5),
            directive=np.zeros(n_runs, dtype=np.int64),
        )

    def appoint(self, run: int, officer: int, post: int, priority: float, cause: int = 0) -> None:
        """Order officer slot `officer` of batch run `run` into `post` (an APPOINT)."""
        if self.target_post is None:
            self.target_post = np.full(self.action.shape, -1, dtype=np.int16)
        self.action[run, officer] = Action.APPOINT
        self.priority[run, officer] = priority
        self.cause[run, officer] = cause
        self.target_post[run, officer] = post

    def order(self, mask: NDArray[np.bool_], action: Action, priority: float | F64, cause: int = 0) -> None:
        """Give `action` to the officers in `mask` where it outranks what they already have."""
        pr = np.broadcast_to(np.asarray(priority, dtype=np.float64), mask.shape)
        better = mask & ((self.action == Action.NONE) | (pr > self.priority))
        self.action[better] = action
        self.priority[better] = pr[better]
        self.cause[better] = cause
