"""The war's targets of issue 11, measured from `stavka.simulate` against the record.

    python benchmarks/war_fit.py                      # 1000 historical runs, 300 of each other doctrine
    python benchmarks/war_fit.py --runs 1000 --others 300 --seed 0 --json

For each doctrine: front commanders shot per year of the war (an execution whose arrest took the man from a front
command), the share of captured commanders who defect, the share of runs in which the ruler is overthrown, the share
of wars lost, the mean depth of the line by month against the record's series (record/front_line.csv), the victory
month's distribution, and who is sidelined after victory (Zhukov's share, and the most frequent names).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

import stavka
from stavka.record import front_line

DOCTRINES = ("historical", "terror", "meritocratic", "break_and_use", "passive")
YEARS = ("1941", "1942", "1943", "1944", "1945")
DEPTH_MONTHS = ("1941-12", "1942-08", "1943-02", "1943-09", "1944-01", "1944-06", "1944-08", "1944-10", "1945-01")
ZHUKOV = "G. K. Zhukov"


def front_commanders_shot(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per execution (run, month, officer) of a man arrested from a front command during the war."""
    arrests = ev[(ev["kind"] == "arrest") & ev["post"].astype(str).str.endswith(" Front") & (ev["month"] >= "1941-06")]
    shot = ev[(ev["kind"] == "execution") & (ev["month"] >= "1941-06")]
    keys = arrests[["run", "officer_id"]].drop_duplicates()
    return shot.merge(keys, on=["run", "officer_id"])[["run", "month", "officer", "cause"]]


def quantile(months: pd.Series, q: float) -> str | None:
    """The q-quantile of a series of YYYY-MM labels (the lower one), None if empty."""
    ordered = months.sort_values()
    return str(ordered.iloc[int(q * (len(ordered) - 1))]) if len(ordered) else None


def zhukov_at_war(ev: pd.DataFrame) -> set[int]:
    """Runs in which Zhukov commands a front during the war (appointed to one, or holding one when arrested)."""
    z = ev[(ev["officer"] == ZHUKOV) & (ev["month"] >= "1941-06") & (ev["month"] <= "1945-05")]
    held = z[z["post"].astype(str).str.endswith(" Front")]
    return set(held["run"].tolist())


def measure(doctrine: str, runs: int, seed: int) -> dict[str, Any]:
    res = stavka.simulate(doctrine=doctrine, runs=runs, seed=seed)
    ev, m, s = res.events, res.metrics, res.series
    shot = front_commanders_shot(ev)
    by_year = {y: len(shot[shot["month"].astype(str).str.startswith(y)]) / runs for y in YEARS}
    scapegoat_1941 = shot[(shot["cause"] == "scapegoat") & shot["month"].astype(str).str.startswith("1941")]
    captured = ev[ev["kind"] == "captured"][["run", "officer_id"]].drop_duplicates()
    defected = ev[ev["kind"] == "defection"][["run", "officer_id"]].drop_duplicates()
    won = ev[(ev["kind"] == "war") & (ev["cause"] == "war won")]
    lost = ev[(ev["kind"] == "war") & (ev["cause"] == "war lost")]
    overthrown = ev[(ev["kind"] == "challenge") & (ev["cause"] == "successful challenge")]
    depth = s.groupby("month")["front_line"].mean()
    sidelined = ev[(ev["kind"] == "transfer") & (ev["cause"] == "sideline")]
    names = Counter(sidelined["officer"].astype(str))
    vm = won["month"].astype(str)
    zhukov_runs = zhukov_at_war(ev)
    war_posts = ev[(ev["month"] >= "1941-06") & (ev["month"] <= "1945-05") & ev["post"].astype(str).str.endswith(" Front")]
    fc_ids = war_posts[["run", "officer_id"]].drop_duplicates()
    return {
        "doctrine": doctrine,
        "runs": runs,
        "front_commanders_shot_per_run": by_year,
        "front_commanders_shot_war": len(shot) / runs,
        "scapegoat_shot_1941_per_run": len(scapegoat_1941) / runs,
        "pavlov_shot_1941_share": float(
            shot[(shot["officer"] == "D. G. Pavlov") & shot["month"].astype(str).str.startswith("1941")]["run"].nunique() / runs
        ),
        "captured_per_run": len(captured) / runs,
        "defected_share_of_captured": len(defected) / max(len(captured), 1),
        "ruler_overthrown_share": overthrown["run"].nunique() / runs,
        "failed_challenges_per_run": int((ev["cause"] == "failed challenge").sum() / 2) / runs,
        "war_lost_share": lost["run"].nunique() / runs,
        "war_won_share": won["run"].nunique() / runs,
        "victory_month_quantiles": {q: quantile(vm, q) for q in (0.1, 0.5, 0.9)},
        "victory_month_share_1945_03_07": float(vm.between("1945-03", "1945-07").mean()) if len(vm) else 0.0,
        "depth_km": {k: round(float(depth.get(k, np.nan)), 1) for k in DEPTH_MONTHS},
        "first_month_mean_depth_under_100": next((str(k) for k, v in depth.items() if k >= "1943-01" and v < 100), None),
        "sideline_share": sidelined["run"].nunique() / runs,
        "zhukov_sidelined_share": float((sidelined["officer"] == ZHUKOV).sum() / runs),
        "sidelined_top": names.most_common(5),
        "zhukov_front_commander_share": len(zhukov_runs) / runs,
        "zhukov_sidelined_share_when_front_commander": float(
            sidelined[(sidelined["officer"] == ZHUKOV) & sidelined["run"].isin(zhukov_runs)]["run"].nunique()
            / max(len(zhukov_runs), 1)
        ),
        "sidelined_were_front_commanders_share": float(
            sidelined.merge(fc_ids, on=["run", "officer_id"])["run"].nunique() / max(sidelined["run"].nunique(), 1)
        ),
        "max_depth_km_mean": float(m["max_depth_km"].mean()),
    }


def record_depth() -> dict[str, float]:
    line = {r["month"]: float(r["mean_km"]) for r in front_line()}
    return {k: line[k] for k in DEPTH_MONTHS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000, help="runs of historical")
    ap.add_argument("--others", type=int, default=300, help="runs of each other doctrine")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--doctrines", default=",".join(DOCTRINES))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = [measure(d, args.runs if d == "historical" else args.others, args.seed) for d in args.doctrines.split(",")]
    if args.json:
        print(json.dumps({"record_depth_km": record_depth(), "doctrines": out}, indent=1))
        return
    print("record depth km:", record_depth())
    for row in out:
        print(f"\n== {row['doctrine']} ({row['runs']} runs)")
        for k, v in row.items():
            if k not in ("doctrine", "runs"):
                print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
