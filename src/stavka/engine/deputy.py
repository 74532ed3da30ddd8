"""The Deputy Supreme Commander, the Stavka's representative (docs/model.md §11.9; issue 11).

After the Moscow counter-offensive the record's ruler made the commander of his first great victory his deputy
(Zhukov, 26 August 1942); as the Stavka's representative he coordinated the decisive operations (Stalingrad,
Kursk, Bagration, Berlin), and the communiques named him with the fronts he coordinated, which made him the
most famous soldier of 1945 and the man sidelined in 1946.  Two pieces, each read by later steps:

- `name_deputy` (step 4, the ruler's act, in a month his rule is on): if he has no deputy in active service,
  he names the active officer of rank >= `deputy_rank` he rates highest by what the war has shown him, his
  belief in the man's competence plus `deputy_w_popularity` times the man's popularity (the fame of his
  victories) plus `deputy_w_loyalty` times believed loyalty.  The run's `deputy` (an ident, so a slot refilled
  by another man is no deputy) is read by the next step and by later months.
- `deputy_credit` (step 8, `politics.decisive_front`): in a month of a decisive victory he did not command
  himself, he gains `politics.deputy_popularity` times (1 - credit): he coordinated it.

The rule is a run-level setting of the doctrine (`RunSettings.deputy_*`), not a per-officer order of
`rules.py`: naming a deputy makes no personnel move, costs no attention, and reads only what the ruler sees
(status, rank, post, popularity, his beliefs).
"""

from __future__ import annotations

import numba
import numpy as np

from .codes import Cause, Kind, Status, War
from .common import emit


@numba.njit(cache=True)
def deputy_slot(r, off, run):  # type: ignore[no-untyped-def]
    """Run r's deputy's slot if he is in active service, else -1 (a slot refilled by turnover has a new ident)."""
    d = run[r].deputy
    if d < 0:
        return -1
    i = d % off.shape[1]
    if off[r, i].ident != d or off[r, i].status != Status.ACTIVE:
        return -1
    return i


@numba.njit(cache=True)
def name_deputy(r, off, run, s, ev, ev_n):  # type: ignore[no-untyped-def]
    """Step 4 of run r (its ruler alive), `s` the month's settings (`RunSettings`): in war, with the rule on and
    no deputy in active service, name the active officer of rank >= `s.deputy_rank` of highest
    `bc_mu + deputy_w_popularity * pop + deputy_w_loyalty * bl_mu` (ties: the lower slot).  Event *directive*,
    cause *deputy*, his post, the value his score."""
    R = run[r]
    if s.deputy_on == 0 or R.war != War.WAR or deputy_slot(r, off, run) >= 0:
        return
    best, best_v = -1, -np.inf
    for i in range(off.shape[1]):
        o = off[r, i]
        if o.status == Status.ACTIVE and o.rank >= s.deputy_rank:
            v = o.bc_mu + s.deputy_w_popularity * o.pop + s.deputy_w_loyalty * o.bl_mu
            if v > best_v:
                best, best_v = i, v
    if best < 0:
        return
    o = off[r, best]
    R.deputy = o.ident
    emit(ev, ev_n, r, Kind.DIRECTIVE, o.ident, -1, o.post, -1, Cause.DEPUTY, best_v)


@numba.njit(cache=True)
def deputy_credit(r, commander, off, run, P):  # type: ignore[no-untyped-def]
    """Step 8: the month's decisive victory, commanded by slot `commander` (-1 none), credited to the deputy
    who coordinated it as the Stavka's representative, unless he commanded it himself."""
    j = deputy_slot(r, off, run)
    if j >= 0 and j != commander:
        off[r, j].pop += P.politics_deputy_popularity * (1.0 - run[r].credit)
