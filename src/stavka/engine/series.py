"""Column views of the record arrays, gathered in one compiled pass.

Doctrines do array arithmetic on a handful of officer fields every month; reading them straight from
the record array strides through memory once per field, so one pass that copies them all into
contiguous columns is several times cheaper.  The monthly series are computed in a compiled pass too.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from .codes import PostKind, Status, War


@numba.njit(cache=True)
def average_ranks(x):  # type: ignore[no-untyped-def]
    """Ranks 1..n, ties sharing their mean rank: `scipy.stats.rankdata(x)` (method 'average'), exactly
    (every rank is an integer or half-integer, computed without rounding)."""
    n = x.shape[0]
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(n)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and x[order[j + 1]] == x[order[i]]:
            j += 1
        mid = (i + j + 2) / 2.0
        for k in range(i, j + 1):
            ranks[order[k]] = mid
        i = j + 1
    return ranks


# Visible officer fields, in the order `gather_officers` writes them.
FLOAT_FIELDS = ("exper", "pop", "age", "susp", "bc_mu", "bc_var", "bl_mu", "bl_var")
INT_FIELDS = (
    "ident",
    "status",
    "rank",
    "post",
    "wins",
    "defeats",
    "custody",
    "captive",
    "requests",
    "withdrew",
    "watched",
    "roster",
)


@numba.njit(cache=True, parallel=True)
def _gather(off, floats, ints):  # type: ignore[no-untyped-def]
    for r in numba.prange(off.shape[0]):
        for i in range(off.shape[1]):
            o = off[r, i]
            floats[0, r, i] = o.exper
            floats[1, r, i] = o.pop
            floats[2, r, i] = o.age
            floats[3, r, i] = o.susp
            floats[4, r, i] = o.bc_mu
            floats[5, r, i] = o.bc_var
            floats[6, r, i] = o.bl_mu
            floats[7, r, i] = o.bl_var
            ints[0, r, i] = o.ident
            ints[1, r, i] = o.status
            ints[2, r, i] = o.rank
            ints[3, r, i] = o.post
            ints[4, r, i] = o.wins
            ints[5, r, i] = o.defeats
            ints[6, r, i] = o.custody
            ints[7, r, i] = o.captive
            ints[8, r, i] = o.requests
            ints[9, r, i] = o.withdrew
            ints[10, r, i] = o.watched
            ints[11, r, i] = o.roster


def gather_officers(off: NDArray) -> dict[str, NDArray]:  # type: ignore[type-arg]
    """Contiguous read-only (runs, officers) columns of the visible officer fields."""
    n_runs, n = off.shape
    floats = np.empty((len(FLOAT_FIELDS), n_runs, n))
    ints = np.empty((len(INT_FIELDS), n_runs, n), dtype=np.int32)
    _gather(off, floats, ints)
    floats.flags.writeable = False
    ints.flags.writeable = False
    cols = {k: floats[j] for j, k in enumerate(FLOAT_FIELDS)}
    cols.update({k: ints[j] for j, k in enumerate(INT_FIELDS)})
    return cols


# The monthly series, in the order of the rows of the block that `series_run` writes.
SERIES = (
    "front_line",
    "corps_quality",
    "fear",
    "paranoia",
    "own_strength",
    "enemy_strength",
    "fronts",
    "repression",
    "lessons",
    "listening",
    "credit",
)


@numba.njit(cache=True)
def series_run(r, t, off, fronts, run, post_kind, out, so_far):  # type: ignore[no-untyped-def]
    """Column t of run r's monthly series in `out` (series, runs, months), read at the end of the month;
    `so_far[r]` carries the run's repression count from month to month."""
    R = run[r]
    at_war = R.war == War.WAR or R.war_end == t
    depth = 0.0
    own = 0.0
    enemy = 0.0
    active = 0
    for f in range(fronts.shape[1]):
        F = fronts[r, f]
        if F.active:
            active += 1
            depth += F.depth
            own += F.own
            enemy += F.enemy
    fear = 0.0
    live = 0
    comp = 0.0
    command = 0
    for i in range(off.shape[1]):
        o = off[r, i]
        if o.status != Status.ACTIVE:
            continue
        live += 1
        fear += o.fear
        if o.post >= 0 and post_kind[o.post] != PostKind.CORPS:
            command += 1
            comp += o.comp
    repression = R.arrests + R.executions
    out[0, r, t] = depth / active if (at_war and active > 0) else np.nan
    out[1, r, t] = comp / max(command, 1)
    out[2, r, t] = fear / max(live, 1)
    out[3, r, t] = R.paranoia
    out[4, r, t] = own
    out[5, r, t] = enemy
    out[6, r, t] = active if R.war == War.WAR else 0
    out[7, r, t] = repression - so_far[r]
    out[8, r, t] = R.lessons
    out[9, r, t] = R.listening
    out[10, r, t] = R.credit
    so_far[r] = repression


@numba.njit(cache=True, parallel=True)
def monthly_series(off, fronts, run, post_kind, t, out, so_far):  # type: ignore[no-untyped-def]
    """Column t of every run's monthly series (see `series_run`)."""
    for r in numba.prange(off.shape[0]):
        series_run(np.int64(r), t, off, fronts, run, post_kind, out, so_far)  # int64: see `month.runs_fused`
