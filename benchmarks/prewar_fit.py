"""The pre-war record against free runs: purge toll by rank and year, the 1935 marshals, the 1937 trial, the
careers of the men of 1941 and the border fronts of 22 June 1941 (issue 11, part 2, the pre-war half).

    python benchmarks/prewar_fit.py --runs 1000 --seed 0 --doctrine historical   # figures and their record
    python benchmarks/prewar_fit.py --json ...                                    # the same as JSON

Each run is stepped by the engine month by month (exactly the history `stavka.simulate` gives for the same
seed and run ids: the same kernels, the same plans) and the corps is read at the end of every month:
status, rank, post and slot generation of every officer.  A named officer is followed by his slot while its
generation is 0 (a slot is refilled only after its officer is gone).  Every figure says its denominator.
`measure` returns the figures as a dict (reused by tests and the lead's calibration script).

Definitions:
- removal: an officer's first change from active to arrested, discharged or executed in a month; his rank is
  the rank at the end of the month before; the year is the month's.
- "not reinstated": removed in 1937-38 and not active again by 1940-12 (Cherushev's table excludes the later
  reinstated, facts A3).  The arrested share of rank r = arrested (ever by 1940-12) / removed, not reinstated.
- reinstated share: removed in 1937-38 and active again by 1941-01 (facts A2: 13,000 of ~37,000 by 1 Jan 1941).
- the border fronts: front slots 0-4 (the border districts before the war) at the end of 1941-06.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from typing import Any

import numpy as np

from stavka.doctrines import get_doctrine
from stavka.engine.codes import Kind, PostKind, Status
from stavka.engine.driver import Engine
from stavka.overrides import split as split_overrides
from stavka.roster import load_roster
from stavka.scenario import Scenario

BORDER_COMMANDERS = {  # careers.csv: the commanders of 22 June 1941 and their front slots (scenario.FRONT_NAMES)
    "kuznetsov_fi": 0,  # Baltic Special MD -> Northwestern Front
    "pavlov_dg": 1,  # Western Special MD -> Western Front
    "kirponos": 2,  # Kiev Special MD -> Southwestern Front
    "popov_mm": 3,  # Leningrad MD -> Northern Front
    "tyulenev": 4,  # Moscow MD HQ -> Southern Front (Odessa MD's troops)
}
MARSHALS_1935 = ("tukhachevsky", "yegorov", "blyukher", "voroshilov", "budyonny")
TRIAL_1937 = ("tukhachevsky", "yakir", "uborevich", "kork", "eideman", "feldman", "primakov", "putna")
DISCHARGED = getattr(Status, "DISCHARGED", None)


def _label_index(labels: list[str], label: str) -> int:
    return labels.index(label)


def history(doctrine: str, runs: int, seed: int, last: str = "1941-06", batch: int = 500, **overrides: Any) -> dict[str, Any]:
    """Status, rank, post and generation of every slot at the end of each month up to `last`, (months, runs, slots).
    `overrides` as in `stavka.simulate` (dotted or double-underscore names: the scenario; plain: the doctrine)."""
    scen_over, doc_over = split_overrides(overrides)
    scen = Scenario.load("default", **scen_over)
    doc = get_doctrine(doctrine, **doc_over)
    labels = scen.calendar.labels()
    t_end = _label_index(labels, last) + 1
    n = scen.config.corps.n_officers
    shape = (t_end, runs, n)
    status, rank, post, gen = (
        np.empty(shape, np.int8),
        np.empty(shape, np.int8),
        np.empty(shape, np.int16),
        np.empty(shape, np.int32),
    )
    initial_rank = np.empty((runs, n), np.int8)
    # Arrests and executions of each slot's first officer (ident = slot) from the event log: an officer shot in a
    # January is gone from his slot by the month's end (the intake refills it), so the state alone misses him.
    arrested_ev, shot_ev = np.zeros(shape, bool), np.zeros(shape, bool)
    for start in range(0, runs, batch):
        ids = np.arange(start, min(start + batch, runs), dtype=np.int64)
        eng = Engine(scen, seed, ids)
        rows = slice(start, start + len(ids))
        initial_rank[rows] = eng.world.off["rank"]
        for t in range(t_end):
            plan = doc.month_plan(labels[t])
            if plan is not None:
                eng.run_months_fused([plan])
            else:
                eng.begin_month()
                eng.end_month(doc.decide(eng.view()))
            w = eng.world
            status[t, rows], rank[t, rows], post[t, rows], gen[t, rows] = (
                w.off["status"],
                w.off["rank"],
                w.off["post"],
                w.generation,
            )
        for t, batch_rows, rec in eng.log.events:
            first = rec["officer"] < n
            for flag, kind in ((arrested_ev, Kind.ARREST), (shot_ev, Kind.EXECUTION)):
                hit = first & (rec["kind"] == kind)
                flag[t, start + batch_rows[hit], rec["officer"][hit]] = True
    roster = {e.key: j for j, e in enumerate(scen.roster)}
    slot_of = {key: int(np.flatnonzero(scen._corps_layout.row["roster"] == j)[0]) for key, j in roster.items()}
    return {
        "labels": labels[:t_end],
        "status": status,
        "rank": rank,
        "post": post,
        "gen": gen,
        "initial_rank": initial_rank,
        "arrested_ev": arrested_ev,
        "shot_ev": shot_ev,
        "slot_of": slot_of,
        "post_kind": scen.posts.kind,
        "post_front": scen.posts.front,
        "roster": scen.roster,
    }


def measure(doctrine: str = "historical", runs: int = 1000, seed: int = 0, **overrides: Any) -> dict[str, Any]:
    h = history(doctrine, runs, seed, **overrides)
    labels, status, rank, post, gen = h["labels"], h["status"], h["rank"], h["post"], h["gen"]
    T = len(labels)
    year = np.array([int(m[:4]) for m in labels])
    active = (status == Status.ACTIVE) & (gen == 0)  # the slot's first officer, not a new colonel in it
    removed_states = [Status.ARRESTED, Status.EXECUTED] + ([DISCHARGED] if DISCHARGED is not None else [])
    out_now = np.isin(status, removed_states) & (gen == 0)
    # First removal of each generation-0 slot: month index, or T if never.
    prev_active = np.concatenate([np.ones((1,) + active.shape[1:], bool), active[:-1]], axis=0)
    first = np.where((out_now & prev_active).any(axis=0), (out_now & prev_active).argmax(axis=0), T)
    runs, n = first.shape
    r_idx, s_idx = np.nonzero(first < T)
    m_idx = first[r_idx, s_idx]
    rank_before = np.where(m_idx > 0, rank[np.maximum(m_idx - 1, 0), r_idx, s_idx], h["initial_rank"][r_idx, s_idx])
    y = year[m_idx]
    t40 = labels.index("1940-12")
    t41 = labels.index("1941-01")
    ever_arrested = np.isin(status[: t40 + 1], [Status.ARRESTED, Status.EXECUTED]).any(axis=0)[r_idx, s_idx]
    back_by_40 = (active[: t40 + 1] & (np.arange(t40 + 1)[:, None, None] > first[None])).any(axis=0)[r_idx, s_idx]
    back_by_41 = (active[: t41 + 1] & (np.arange(t41 + 1)[:, None, None] > first[None])).any(axis=0)[r_idx, s_idx]
    purge = (y >= 1937) & (y <= 1938)
    res: dict[str, Any] = {"doctrine": doctrine, "runs": runs, "seed": seed}
    by_rank: dict[str, Any] = {}
    names = ("kombrig (0)", "komdiv (1)", "komkor (2)", "komandarm 2 (3)", "komandarm 1 (4)", "marshal (5)")
    start_counts = np.bincount(h["initial_rank"].reshape(-1), minlength=6) / runs
    for r in range(6):
        sel = purge & (rank_before == r)
        kept = sel & ~back_by_40
        by_rank[names[r]] = {
            "removed_per_run": float(sel.sum() / runs),
            "corps_at_start_per_run": float(start_counts[r]),
            "arrested_share_not_reinstated": float(ever_arrested[kept].mean()) if kept.any() else None,
            "n_not_reinstated": int(kept.sum()),
        }
    top = purge & ~back_by_40
    res["purge_by_rank_1937_38"] = by_rank
    res["arrested_share_all_not_reinstated"] = float(ever_arrested[top].mean()) if top.any() else None
    res["removed_share_of_corps_1937_38"] = float(purge.sum() / (runs * n))
    res["removed_by_year"] = {str(k): float((y == k).sum() / runs) for k in range(1937, 1942)}
    res["arrested_by_year"] = {str(k): float(((y == k) & ever_arrested).sum() / runs) for k in range(1937, 1942)}
    res["reinstated_share_by_1941_01"] = float(back_by_41[purge].mean()) if purge.any() else None

    so = h["slot_of"]

    def named(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """His status by month (-1 once his slot has a new officer; ARRESTED / EXECUTED in a month his event says
        so, though the slot was refilled the same month), rank, post, and whether the slot is still his."""
        s = so[key]
        g0 = gen[:, :, s] == 0
        st = np.where(g0, status[:, :, s], -1)
        st = np.where(h["arrested_ev"][:, :, s] & (st == -1), Status.ARRESTED, st)
        st = np.where(h["shot_ev"][:, :, s], Status.EXECUTED, st)
        return st, rank[:, :, s], post[:, :, s], g0

    def share(x: np.ndarray) -> float:
        return float(np.mean(x))

    last = T - 1
    t37 = [i for i, m in enumerate(labels) if m.startswith("1937")]
    marsh: dict[str, Any] = {}
    destroyed = np.zeros(runs)
    for k in MARSHALS_1935:
        st, _, _, _ = named(k)
        rep = np.isin(st, [Status.ARRESTED, Status.EXECUTED]).any(axis=0)
        shot = (st == Status.EXECUTED).any(axis=0)
        destroyed += shot
        marsh[k] = {"repressed_by_1941_06": share(rep), "shot_by_1941_06": share(shot)}
    marsh["destroyed_mean_of_5"] = float(destroyed.mean())
    res["marshals_1935"] = marsh
    st, _, _, _ = named("tukhachevsky")
    res["tukhachevsky_shot_1937"] = share((st[t37] == Status.EXECUTED).any(axis=0))
    trial = {}
    for k in TRIAL_1937:
        st, _, _, _ = named(k)
        trial[k] = share((st[t37] == Status.EXECUTED).any(axis=0))
    res["trial_1937_shot_in_1937"] = trial

    pk, pf = h["post_kind"], h["post_front"]
    fronts: dict[str, Any] = {}
    held_any = np.zeros(runs)
    for k, f in BORDER_COMMANDERS.items():
        st, rk, ps, g0 = named(k)
        p = ps[last]
        ok = (st[last] == Status.ACTIVE) & (p >= 0)
        is_front = ok & (pk[np.maximum(p, 0)] == PostKind.FRONT)
        own = is_front & (pf[np.maximum(p, 0)] == f)
        held_any += is_front
        fronts[k] = {"holds_a_front": share(is_front), "holds_his_front": share(own), "mean_rank": float(rk[last].mean())}
    fronts["of_five_mean"] = float(held_any.mean())
    fronts["at_least_one"] = share(held_any >= 1)
    # Who holds the border fronts: named men of 1937 who were shot in 1937 in the record (Yakir, Uborevich)?
    dead_named = [so[k] for k in ("yakir", "uborevich")]
    holder_dead = np.zeros(runs, bool)
    for f in range(5):
        for s in dead_named:
            holder_dead |= (post[last, :, s] >= 0) & (pf[np.maximum(post[last, :, s], 0)] == f) & (gen[last, :, s] == 0)
    fronts["yakir_or_uborevich_hold_one"] = share(holder_dead)
    res["border_fronts_1941_06"] = fronts

    st, rk, _, _ = named("zhukov")
    serving = st[last] == Status.ACTIVE
    res["zhukov"] = {
        "serving_1941_06": share(serving),
        "army_general_or_above_if_serving": float((rk[last][serving] >= 4).mean()) if serving.any() else None,
        "mean_rank_if_serving": float(rk[last][serving].mean()) if serving.any() else None,
    }
    for k in ("voroshilov", "budyonny"):
        res[k] = marsh[k]
    # The men of 1941: named officers serving in both rosters, rank gap on 22 June 1941 against the record.
    r41 = {e.key: e.rank for e in load_roster("1941")}
    gaps, promos = [], []
    for e in h["roster"]:
        if e.key not in r41:
            continue
        st, rk, _, _ = named(e.key)
        sv = st[last] == Status.ACTIVE
        if sv.any():
            gaps.append(float((rk[last][sv] - r41[e.key]).mean()))
        promos.append(float((rk[last] - e.rank).clip(min=0).mean()))
    res["men_of_1941"] = {
        "n": len(gaps),
        "mean_rank_gap_vs_record_if_serving": float(np.mean(gaps)),
        "mean_ranks_gained_per_named_officer": float(np.mean(promos)),
    }
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--doctrine", default="historical")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--set", nargs="*", default=[], help="overrides NAME=VALUE, e.g. command.ladder_rate=0.2")
    a = ap.parse_args()
    overrides = {k: json.loads(v) for k, v in (s.split("=", 1) for s in a.set)}
    warnings.filterwarnings("ignore", message="An input array is constant")
    t0 = time.perf_counter()
    res = measure(a.doctrine, a.runs, a.seed, **overrides)
    res["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(res, indent=1 if not a.json else None))


if __name__ == "__main__":
    main()
