"""The compiled month's inputs and outputs as records (issue 10): what the kernels of `month.py` take.

Each record is a named tuple of arrays (and a few numbers), which Numba compiles as a struct and hands on to
the inner functions whole, so a kernel takes a handful of records instead of dozens of arrays:

- `World`: the state of a batch of runs (officers, posts held, fronts, runs, generations), written by the month;
- `Statics`: what the month reads and never writes: the posts, the calendar (month-indexed arrays), the record's
  distinctions, and the streams' keys (seed, run ids);
- the parameters `P` (`config.KernelParams`, every numeric parameter by name);
- `MonthPlan`: what a doctrine decides in a month for every run of the batch (personnel orders, vacancy scores,
  front directives and the run-level settings), filled by the doctrine in Python on the stepping path and by the
  compiled policy on the run-major path: the rest of the month is the same code on both;
- `PolicyView`: what the compiled policy reads of the world (the ruler's view);
- `DoctrinePlans`: a policy doctrine's knobs and settings month by month (the run-major path);
- `Log` (the events written) and `Output` (series, the war-end snapshot, events per month).

The classes are defined at module level because compiled kernels are cached by argument type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, get_type_hints

import numpy as np
from numpy.typing import DTypeLike, NDArray


class RunSettings(NamedTuple):
    """The run-level settings a policy doctrine gives in a month (`Decisions` has one per run)."""

    credit: float
    collate: int
    purge_quota: float
    execute_share: float
    hostage: int
    punish_returnees: float
    organ_trust: float
    directive: int  # named order issued this month (270, 227) or 0
    # The deputy (`engine/deputy.py`): in war, name one this month if there is none (1) or not (0), and the choice
    # rule: the active officer of rank >= deputy_rank of highest bc_mu + w_popularity * pop + w_loyalty * bl_mu.
    deputy_on: int
    deputy_rank: int
    deputy_w_popularity: float
    deputy_w_loyalty: float


# A month's settings as a record: a month-indexed array of them (`DoctrinePlans`), a run-indexed one (`MonthPlan`).
SETTINGS = np.dtype([(name, np.float64 if kind is float else np.int64) for name, kind in get_type_hints(RunSettings).items()])

# The run-level settings that become the run's own (`RUN` fields) in a month its ruler lives: those of
# `RunSettings` but the directive (an order of the month, not a standing setting), and the listening, which
# the policy computes run by run.
STANDING_SETTINGS = (
    "credit",
    "collate",
    "listening",
    "purge_quota",
    "execute_share",
    "hostage",
    "punish_returnees",
    "organ_trust",
)


class World(NamedTuple):
    """The state of a batch of runs (`state.World` without the month): written by the month."""

    off: NDArray[np.void]  # (runs, officers) OFFICER
    visible: NDArray[np.void]  # the same records restricted to the fields the ruler sees (`interface.VISIBLE_OFFICER_FIELDS`)
    holder: NDArray[np.int16]  # (runs, posts) slot holding each post, -1 vacant
    fronts: NDArray[np.void]  # (runs, fronts) FRONT
    run: NDArray[np.void]  # (runs,) RUN
    generation: NDArray[np.int32]  # (runs, officers) times a slot was refilled


class Statics(NamedTuple):
    """What the month reads and never writes: the same in every month of a batch (month-indexed arrays are
    indexed by the month itself)."""

    seed: int
    run_ids: NDArray[np.int64]  # (runs,) the run id of each batch row: with the seed, the keys of its streams
    post_kind: NDArray[np.int8]  # (posts,) `state.PostTable`
    post_front: NDArray[np.int16]
    post_min_rank: NDArray[np.int8]
    fill_order: NDArray[np.int16]
    fill_position: NDArray[np.int64]
    front_first: NDArray[np.int64]
    front_posts: NDArray[np.int64]
    calendar_month: NDArray[np.int64]  # (months,) 1-12
    target: NDArray[np.int64]  # (months,) fronts open
    pressure: NDArray[np.float64]  # (months,) the calendar's enemy pressure, quality and our mobilisation
    enemy_q: NDArray[np.float64]
    mobil: NDArray[np.float64]
    war_start: int  # month index the war begins
    distinction: NDArray[np.int64]  # (officers,) month of each slot's recorded distinction, -1 none
    distinction_staff: NDArray[np.int8]  # (officers,) 1: that distinction was earned on a staff, not commanding
    month_capacity: int  # the most events a run writes in a month (the size of a month's buffer)


class MonthPlan(NamedTuple):
    """What a doctrine decides in a month for every run of the batch (`interface.Decisions` as arrays the
    kernels read), and the attention budget it is carried out under."""

    action: NDArray[np.int8]  # (runs, officers) Action codes
    priority: NDArray[np.float64]  # (runs, officers) order under the attention budget, highest first
    cause: NDArray[np.int8]  # (runs, officers) Cause code recorded with the action
    score: NDArray[np.float64]  # (runs, officers) preference for filling vacancies; -inf: never
    hold: NDArray[np.int8]  # (runs, fronts) 1 hold position, 0 initiative
    listening: NDArray[np.float64]  # (runs,) how far the ruler listens to his commanders
    settings: NDArray[np.void]  # (runs,) SETTINGS: the other run-level settings and the month's directive
    budget: NDArray[np.int64]  # (runs,) personnel actions left this month (`month.take_plan`)


class PolicyView(NamedTuple):
    """What the compiled policy reads in month `month` (`rules.decide_run`): the ruler's view
    (`interface.RulerView`) as arrays, the visible officer fields only."""

    seed: int
    run_ids: NDArray[np.int64]  # (runs,) with the seed and the month, the keys of the doctrine's streams
    month: int
    officers: NDArray[np.void]  # (runs, officers) the visible fields (`interface.VISIBLE_OFFICER_FIELDS`)
    war: NDArray[np.int8]  # (runs,) the `RUN` fields the policy reads
    war_end: NDArray[np.int16]
    paranoia: NDArray[np.float64]
    crisis: NDArray[np.int8]
    last_example: NDArray[np.int16]
    collapsed: NDArray[np.int8]  # (runs, fronts) the `FRONT` fields the policy reads
    reported: NDArray[np.float64]
    post_kind: NDArray[np.int8]  # (posts,) `state.PostTable`
    post_front: NDArray[np.int16]


class DoctrinePlans(NamedTuple):
    """A policy doctrine's plan month by month (indexed by the month itself): the knobs of its rules
    (`policy.KNOBS`) and its run settings (SETTINGS)."""

    knobs: NDArray[np.void]
    settings: NDArray[np.void]


class Log(NamedTuple):
    """Events written: run r's are `ev[r, :ev_n[r]]` (`common.emit`)."""

    ev: NDArray[np.void]  # (runs, capacity) EVENT
    ev_n: NDArray[np.int64]  # (runs,)


class Output(NamedTuple):
    """What the month reads off the world for the results: the monthly series, the war-end snapshot and, on
    the run-major path, how many events each run wrote in each month."""

    series: NDArray[np.float64]  # (series, runs, months) `views.SERIES`
    so_far: NDArray[np.int64]  # (runs,) the repression count carried from month to month
    merit: NDArray[np.float64]  # (runs, 2, officers) the war-end ranks (`month.war_end_snapshot`)
    merit_n: NDArray[np.int64]  # (runs,) 0: none pending
    continuity: NDArray[np.float64]  # (runs,)
    counts: NDArray[np.int64]  # (months, runs)


Allocate = Callable[[str, tuple[int, ...], DTypeLike], NDArray]  # type: ignore[type-arg]


def new_plan(n_runs: int, n_officers: int, n_fronts: int, array: Allocate | None = None) -> MonthPlan:
    """An uninitialised plan for a batch; `array(name, shape, dtype)` allocates (a `Workspace`'s, by default
    `np.empty`)."""
    new: Allocate = array or (lambda name, shape, dtype: np.empty(shape, dtype=dtype))
    shape = (n_runs, n_officers)
    return MonthPlan(
        action=new("action", shape, np.int8),
        priority=new("priority", shape, np.float64),
        cause=new("cause", shape, np.int8),
        score=new("score", shape, np.float64),
        hold=np.empty((n_runs, n_fronts), dtype=np.int8),
        listening=np.empty(n_runs),
        settings=np.zeros(n_runs, dtype=SETTINGS),
        budget=np.zeros(n_runs, dtype=np.int64),
    )
