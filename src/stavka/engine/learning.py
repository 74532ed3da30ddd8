"""Step 7 of the month (docs/model.md §7.7): the corps learns from battle."""

from __future__ import annotations

import numba

from .codes import PostKind, Status, War


@numba.njit(cache=True)
def learning_step(r, off, fronts, run, post_kind, P):  # type: ignore[no-untyped-def]
    """Step 7 (M11): experience in war commands; corps-wide lessons, collated or not."""
    R = run[r]
    for i in range(off.shape[1]):
        if off[r, i].post >= 0:
            off[r, i].tenure = min(off[r, i].tenure + 1, 1000)
    if R.war != War.WAR:
        return
    for i in range(off.shape[1]):
        o = off[r, i]
        if o.status != Status.ACTIVE or o.post < 0:
            continue
        k = post_kind[o.post]
        if k == PostKind.FRONT or k == PostKind.ARMY:
            o.exper += 1.0
            o.comp += P.learning_competence_gain * (1.0 - o.comp)
        elif k == PostKind.CORPS:
            o.exper += P.learning_corps_experience
    battles = 0
    for f in range(fronts.shape[1]):
        F = fronts[r, f]
        if F.active and (abs(F.adv) >= P.operations_victory_km or F.encircled):
            battles += 1
    if battles > 0:
        rate = P.learning_lessons_rate * (1.0 if R.collate else P.learning_lessons_uncollated)
        R.lessons += rate * (P.learning_lessons_cap - R.lessons)
