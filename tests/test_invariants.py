"""Property 2: invariants that hold in EVERY month of every run.

* a post has at most one holder, and the holder and post arrays agree both ways;
* an officer holds at most one post; only active officers hold posts;
* an officer who is executed, killed, defected or dead never holds a post again, never changes
  status again, and appears in no event of a later month, neither as the officer acted upon or
  acting (`officer`) nor as the accuser of a denunciation (`other`);
* ranks stay within the ladder 0..5.

These are exact properties: a single violation in a single month fails.  Hypothesis draws the seed
and the first run id for every registered doctrine (RUNS_PER_EXAMPLE runs per example, checked after
both halves of every month); a second test reads the same invariants off the true ledgers of the
200-run batches that the property tests share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import RUNS, sim
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from stavka.doctrines import REGISTRY, get_doctrine
from stavka.engine.codes import Kind, Status
from stavka.engine.driver import Engine
from stavka.scenario import Scenario

GONE = (Status.EXECUTED, Status.KILLED, Status.DEFECTED, Status.DEAD)
FATAL = {"execution": Status.EXECUTED, "killed": Status.KILLED, "defection": Status.DEFECTED, "death": Status.DEAD}
RUNS_PER_EXAMPLE = 8
NEVER = np.iinfo(np.int64).max


class Checker:
    """Accumulates violations of the invariants over the months of one batch."""

    def __init__(self, eng: Engine) -> None:
        self.eng = eng
        self.n_slots = eng.world.off.shape[1]
        years = eng.scenario.calendar.n_months // 12 + 2
        self.gone_month = np.full((len(eng.run_ids), self.n_slots * years), NEVER, dtype=np.int64)
        self.gone_status = np.full(self.gone_month.shape, -1, dtype=np.int64)
        self.violations: dict[str, list[str]] = {}
        self.t = 0

    def grow(self, ident_max: int) -> None:
        """Idents are slot + n_slots * generation: make room if a slot has been refilled often."""
        if ident_max >= self.gone_month.shape[1]:
            extra = ident_max + 1 - self.gone_month.shape[1] + self.n_slots
            self.gone_month = np.pad(self.gone_month, ((0, 0), (0, extra)), constant_values=NEVER)
            self.gone_status = np.pad(self.gone_status, ((0, 0), (0, extra)), constant_values=-1)

    def fail(self, name: str, where: np.ndarray, what: str) -> None:
        if where.size:
            self.violations.setdefault(name, []).append(f"month {self.t}: {what} (runs {where[:3]})")

    def state(self, t: int) -> None:
        self.t = t
        w = self.eng.world
        off, holder = w.off, w.holder
        runs, n = off.shape
        post, status, ident = off["post"].astype(np.int64), off["status"], off["ident"].astype(np.int64)
        rank = off["rank"]
        self.grow(int(ident.max()))
        r_idx = np.arange(runs)[:, None]
        # holder -> post: the holder of post p has p as his post
        h = holder.astype(np.int64)
        has = h >= 0
        back = np.where(has, post[r_idx, np.maximum(h, 0)], -1)
        bad = has & (back != np.arange(holder.shape[1])[None, :])
        self.fail(
            "holder array and post array disagree (post side)",
            np.flatnonzero(bad.any(axis=1)),
            f"{int(bad.sum())} posts whose holder does not hold them",
        )
        # post -> holder: an officer's post has him as holder
        hp = post >= 0
        fwd = np.where(hp, h[r_idx, np.maximum(post, 0)], -1)
        bad = hp & (fwd != np.arange(n)[None, :])
        self.fail(
            "holder array and post array disagree (officer side)",
            np.flatnonzero(bad.any(axis=1)),
            f"{int(bad.sum())} officers whose post has another holder",
        )
        # a post has at most one holder; an officer at most one post
        for r in range(runs):
            per_post = np.bincount(post[r][hp[r]], minlength=holder.shape[1])
            if per_post.max(initial=0) > 1:
                self.fail("a post has more than one holder", np.array([r]), f"{int((per_post > 1).sum())} posts")
            per_officer = np.bincount(h[r][has[r]], minlength=n)
            if per_officer.max(initial=0) > 1:
                self.fail("an officer holds more than one post", np.array([r]), f"{int((per_officer > 1).sum())} officers")
        bad = hp & (status != Status.ACTIVE)
        self.fail(
            "an officer who is not active holds a post",
            np.flatnonzero(bad.any(axis=1)),
            f"{int(bad.sum())} officers, statuses {sorted(set(status[bad].tolist()))}",
        )
        bad = hp & np.isin(status, GONE)
        self.fail(
            "an executed/killed/defected/dead officer holds a post", np.flatnonzero(bad.any(axis=1)), f"{int(bad.sum())} officers"
        )
        bad = (rank < 0) | (rank > 5)
        self.fail("rank outside 0..5", np.flatnonzero(bad.any(axis=1)), f"ranks {sorted(set(rank[bad].tolist()))}")
        # the gone never change status again (while the slot still holds the same officer)
        known = self.gone_month[r_idx, ident] < NEVER
        bad = known & (status != self.gone_status[r_idx, ident])
        self.fail(
            "an executed/killed/defected/dead officer changed status",
            np.flatnonzero(bad.any(axis=1)),
            f"{int(bad.sum())} officers",
        )
        # record the newly gone (the events below catch those whose slot was refilled the same month)
        new = np.isin(status, GONE) & ~known
        rr, ii = np.nonzero(new)
        self.gone_month[rr, ident[rr, ii]] = t
        self.gone_status[rr, ident[rr, ii]] = status[rr, ii]

    def events(self, t: int) -> None:
        self.t = t
        eng = self.eng
        mask = np.arange(eng.capacity)[None, :] < eng.ev_n[:, None]
        rec = eng.ev[mask]
        rows = np.repeat(np.arange(len(eng.run_ids)), eng.ev_n)
        officer = rec["officer"].astype(np.int64)
        other = rec["other"].astype(np.int64)
        self.grow(int(max(officer.max(initial=0), other.max(initial=0))))
        has = officer >= 0
        earlier = has & (self.gone_month[rows, np.maximum(officer, 0)] < t)
        self.fail(
            "a gone officer appears in a later event as the officer",
            np.unique(rows[earlier]),
            f"{int(earlier.sum())} events, kinds {sorted({Kind(k).name for k in rec['kind'][earlier]})}",
        )
        accuser = (rec["kind"] == Kind.DENUNCIATION) & (other >= 0)
        dead = accuser & (self.gone_month[rows, np.maximum(other, 0)] < t)
        self.fail("a gone officer denounces someone in a later month", np.unique(rows[dead]), f"{int(dead.sum())} denunciations")
        fatal = np.isin(rec["kind"], [Kind.EXECUTION, Kind.KILLED, Kind.DEFECTION, Kind.DEATH]) & has
        kind = rec["kind"]
        status = np.select(
            [kind == Kind.EXECUTION, kind == Kind.KILLED, kind == Kind.DEFECTION],
            [Status.EXECUTED, Status.KILLED, Status.DEFECTED],
            Status.DEAD,
        )
        for r, i, s in zip(rows[fatal], officer[fatal], status[fatal], strict=True):
            if self.gone_month[r, i] == NEVER:
                self.gone_month[r, i] = t
                self.gone_status[r, i] = s


def run_checked(doctrine: str, seed: int, first_run: int) -> Checker:
    eng = Engine(Scenario.load("default"), seed, np.arange(first_run, first_run + RUNS_PER_EXAMPLE))
    doc = get_doctrine(doctrine)
    check = Checker(eng)
    check.state(0)
    while not eng.done:
        t = eng.month
        eng.begin_month()
        check.state(t)
        eng.end_month(doc.decide(eng.view()))
        check.events(t)
        check.state(t)
    return check


ACCUSER = "a gone officer denounces someone in a later month"


@pytest.mark.parametrize("doctrine", sorted(REGISTRY))
@settings(
    max_examples=2,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(seed=st.integers(0, 2**32 - 1), first_run=st.integers(0, 10**6))
def test_invariants_every_month(doctrine: str, seed: int, first_run: int) -> None:
    """Exact invariants after both halves of every month, 2 hypothesis examples x 8 runs per
    doctrine.  (The accuser invariant is asserted on its own, on 200 runs, below.)"""
    check = run_checked(doctrine, seed, first_run)
    found = {k: (len(v), v[:2]) for k, v in check.violations.items() if k != ACCUSER}
    assert not found, f"{doctrine}, seed {seed}, runs {first_run}+: invariants violated: {found}"


def _gone(ev: pd.DataFrame) -> pd.DataFrame:
    """(run, officer_id, gone): the month each officer was executed, killed, defected or died."""
    fatal = ev[ev["kind"].isin(list(FATAL)) & (ev["officer_id"] >= 0)]
    return fatal.groupby(["run", "officer_id"])["month"].min().rename("gone").reset_index()


@pytest.mark.parametrize("doctrine", sorted(REGISTRY))
def test_gone_officers_never_act_again_in_the_true_ledger(doctrine: str) -> None:
    """On the true ledgers of 200 runs: after the month an officer is executed, killed, defects or
    dies, no event names him as its officer."""
    ev = sim(doctrine).events
    assert ev["run"].nunique() == RUNS
    named = ev.merge(_gone(ev), on=["run", "officer_id"])
    late = named[named["month"] > named["gone"]]
    assert late.empty, (
        f"{doctrine}: {len(late)} events in later months name a gone officer "
        f"(kinds {late['kind'].value_counts().to_dict()}, "
        f"{late['run'].nunique()} of {RUNS} runs)"
    )


@pytest.mark.parametrize("doctrine", sorted(REGISTRY))
def test_gone_officers_never_denounce(doctrine: str) -> None:
    """On the true ledgers of 200 runs: after the month an officer is executed, killed, defects or
    dies, he is never the accuser (`other_id`) of a denunciation: the dead do not act."""
    ev = sim(doctrine).events
    den = ev[ev["kind"] == "denunciation"].merge(_gone(ev).rename(columns={"officer_id": "other_id"}), on=["run", "other_id"])
    late = den[den["month"] > den["gone"]]
    n_den = int((ev["kind"] == "denunciation").sum())
    fates = ev[ev["kind"].isin(list(FATAL))][["run", "officer_id", "kind"]]
    fates = fates.rename(columns={"officer_id": "other_id", "kind": "fate"})
    by_fate = late[["run", "other_id"]].merge(fates, on=["run", "other_id"])["fate"].value_counts().to_dict()
    assert late.empty, (
        f"{doctrine}: {len(late)} of {n_den} denunciations ({len(late) / n_den:.2%}) come "
        f"from an accuser already executed/killed/defected/dead, in "
        f"{late['run'].nunique()} of {RUNS} runs "
        f"(accusers' fates: {by_fate})"
    )


def test_ranks_in_the_ledger_stay_on_the_ladder() -> None:
    """Promotions and demotions in the true ledgers of 200 runs per doctrine name ranks in 0..5."""
    for doctrine in sorted(REGISTRY):
        ev = sim(doctrine).events
        ranks = ev.loc[ev["kind"].isin(["promotion", "demotion"]), "value"]
        assert ranks.between(0, 5).all(), f"{doctrine}: ranks {sorted(pd.unique(ranks))} outside 0..5"
