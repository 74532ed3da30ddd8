"""Step 9 of the month (docs/model.md §7.10): fear, grievance and loyalty."""

from __future__ import annotations

import numba

from .codes import Status
from .common import clip01, count_active


@numba.njit(cache=True)
def morale_step(r, off, run, P):  # type: ignore[no-untyped-def]
    """Step 9 (M13): fear spreads with the repression of peers and patrons; grievance erodes loyalty."""
    R = run[r]
    rate = R.repressed_month / max(count_active(off, r), 1)
    for i in range(off.shape[1]):
        o = off[r, i]
        if o.status != Status.ACTIVE and o.status != Status.CAPTURED and o.status != Status.ARRESTED:
            continue
        assoc = 0.0
        if o.patron >= 0:
            ps = off[r, o.patron].status
            if ps == Status.ARRESTED or ps == Status.EXECUTED:
                assoc = P.politics_association_exposure
        o.fear = clip01(
            o.fear
            + P.politics_fear_repression * rate
            + P.politics_fear_association * assoc
            + P.politics_fear_recovery * (P.politics_fear_baseline - o.fear)
        )
        o.griev *= P.politics_grievance_decay
        o.loyal = clip01(o.loyal - P.politics_loyalty_erosion * o.griev * o.loyal)
    R.repressed_month = 0
