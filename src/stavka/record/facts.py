"""Stylised facts: computed by code from the record's datasets, or cited from the sources of facts.md, each with its
denominator, its tolerance and where that tolerance comes from, and its use: a fitting target ("fit") or a checking
fact ("check", never used to set a coefficient; MODEL.md property 10, EVIDENCE.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .data import careers, front_line, front_rows, in_group, months_between, people

Use = Literal["fit", "check"]

SHCHADENKO = "Shchadenko report 1937-38 (knigochet.com/read_70619_25), facts.md A1"
BUSHIN = "Shchadenko quoted by Bushin (mreadz.com/mrrd/135842/p36), facts.md A2"
CHERUSHEV = "Cherushev, 'Udar po svoim' (kniga-online.net p75; read.xbook.life), facts.md A3"
VOROSHILOV = "Voroshilov report Sept 1938 (20thcenturywars.com/2024/06/11; en.academic.ru 782259), facts.md A4"
LIQUISEARCH = "liquisearch.com/great_purge/purge_of_the_army, facts.md A5"
FRONTS = "facts.md H22 (contrainformacion.es; Glantz 'Vosstavshie iz pepla' p82; profilpelajar; tracesofwar.nl)"
DATA_PEOPLE = "stavka/record/people.csv"
DATA_CAREERS = "stavka/record/careers.csv"
DATA_LINE = "stavka/record/front_line.csv"


@dataclass(frozen=True)
class Fact:
    id: str
    statement: str
    value: float | str  # a number, or a month YYYY-MM
    lo: float | str  # the range the record allows (equal to value when exact)
    hi: float | str
    unit: str
    denominator: str  # what the value counts over
    sources: tuple[str, ...]
    tolerance: str  # how lo..hi is derived (spread of sources, or a stated band)
    use: Use
    derived: Literal["computed", "cited"]
    comparable: bool = True  # can the simulated corps (colonel to marshal) be compared with it?
    detail: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "statement": self.statement,
            "value": self.value,
            "lo": self.lo,
            "hi": self.hi,
            "unit": self.unit,
            "denominator": self.denominator,
            "sources": list(self.sources),
            "tolerance": self.tolerance,
            "use": self.use,
            "derived": self.derived,
            "comparable": self.comparable,
            "detail": dict(self.detail),
        }


def _spread(values: list[float]) -> tuple[float, float, float]:
    return sum(values) / len(values), min(values), max(values)


def _year(month: str) -> int:
    return int(month[:4])


def purge_facts() -> list[Fact]:
    out: list[Fact] = []
    marshals = [p for p in people() if in_group(p, "marshal_1935")]
    destroyed = [p for p in marshals if p["fate"] in ("executed", "died_in_custody")]
    out.append(
        Fact(
            "marshals_1935_destroyed",
            "Of the five Marshals of 1935, three were destroyed (two shot, Blyukher died in custody)",
            len(destroyed) / len(marshals),
            (len(destroyed) - 1) / len(marshals),
            (len(destroyed) + 1) / len(marshals),
            "share",
            f"the {len(marshals)} Marshals of the Soviet Union of 20 Nov 1935",
            (DATA_PEOPLE, "facts.md A7"),
            "exact in the record; band of one marshal either way for a stochastic model",
            "fit",
            "computed",
            detail={p["key"]: p["fate"] for p in marshals},
        )
    )
    # Cherushev: discharged / arrested by personal rank, 1937-38, excluding the later reinstated.
    senior = {
        "marshal": (3, 3),
        "komandarm_1": (4, 4),
        "komandarm_2": (10, 10),
        "komkor": (74, 71),
        "komdiv": (133, 117),
        "kombrig": (266, 172),
    }
    for rank, (dis, arr) in senior.items():
        out.append(
            Fact(
                f"purge_arrested_share_{rank}",
                f"Share of the {rank}s discharged in 1937-38 who were arrested",
                arr / dis,
                max(arr / dis - 0.05, 0.0),
                min(arr / dis + 0.05, 1.0),
                "share",
                f"officers of personal rank {rank} discharged 1937-38 and not reinstated ({dis})",
                (CHERUSHEV,),
                "one source: a stated band of +/-0.05",
                "fit",
                "cited",
                detail={"discharged": dis, "arrested": arr},
            )
        )
    top = sum(a for a, _ in senior.values())
    top_arr = sum(b for _, b in senior.values())
    out.append(
        Fact(
            "purge_arrested_share_kombrig_up",
            "Share of kombrigs and above discharged in 1937-38 who were arrested (the simulated corps' ranks)",
            top_arr / top,
            top_arr / top - 0.05,
            top_arr / top + 0.05,
            "share",
            f"officers kombrig to marshal discharged 1937-38, not reinstated ({top})",
            (CHERUSHEV,),
            "one source: a stated band of +/-0.05",
            "fit",
            "cited",
            detail={"discharged": top, "arrested": top_arr},
        )
    )
    shares = {"Shchadenko": 9506 / 35020, "Cherushev": 7280 / 33460, "Voroshilov": 10868 / 37761}
    mean, lo, hi = _spread(list(shares.values()))
    out.append(
        Fact(
            "purge_arrested_share_all",
            "Share of the command staff discharged in 1937-38 who were arrested",
            mean,
            lo,
            hi,
            "share",
            "command personnel discharged 1937-38 (all ranks, lieutenant up: the whole command staff; not the "
            "simulated corps, Kombrig and above, where the record's share arrested is 0.77: "
            "purge_arrested_share_kombrig_up; the sources give no share by rank below Kombrig to reweight by)",
            (SHCHADENKO, CHERUSHEV, VOROSHILOV),
            "min-max of three sources",
            "check",
            "cited",
            comparable=False,
            detail=shares,
        )
    )
    out.append(
        Fact(
            "purge_discharged_count",
            "Command staff discharged in 1937-38",
            35020,
            33460,
            37761,
            "officers",
            "the whole Red Army command staff",
            (SHCHADENKO, CHERUSHEV, VOROSHILOV),
            "min-max of three sources",
            "check",
            "cited",
            comparable=False,
        )
    )
    out.append(
        Fact(
            "purge_share_whole_corps",
            "The 1937-38 repression removed 3.7-7.7% of the officer corps",
            0.057,
            0.037,
            0.077,
            "share",
            "the whole officer corps (not the simulated corps, which is its top)",
            (LIQUISEARCH,),
            "the source's own range",
            "check",
            "cited",
            comparable=False,
        )
    )
    by_year = {"1937": (17754, 2328), "1938": (15706, 4952), "1939": (1878, 73)}
    for y, (dis, arr) in by_year.items():
        out.append(
            Fact(
                f"purge_by_year_{y}",
                f"Command staff discharged / arrested in {y} (Cherushev)",
                arr / dis,
                arr / dis,
                arr / dis,
                "share arrested",
                f"command staff discharged in {y} ({dis}; {arr} arrested)",
                (CHERUSHEV,),
                "one source; 1937 arrests computed as 7,280 - 4,952 (unverified); another table gives 1938 as 16,362 / 5,032",
                "check",
                "cited",
                comparable=False,
                detail={"discharged": dis, "arrested": arr},
            )
        )
    shot = Counter(
        _year(p["fate_month"])
        for p in people()
        if in_group(p, "purge_victim") and p["fate"] in ("executed", "died_in_custody") and p["fate_month"]
    )
    out.append(
        Fact(
            "purge_named_shot_by_year",
            "Named purge victims of the record shot or dead in custody, by year",
            sum(shot.values()),
            sum(shot.values()),
            sum(shot.values()),
            "people",
            "the purge victims of people.csv (the top command: marshals, komandarms, the 1937 trial)",
            (DATA_PEOPLE,),
            "exact count over the dataset",
            "check",
            "computed",
            detail={str(k): v for k, v in sorted(shot.items())},
        )
    )
    reinst = {"Shchadenko (1940-05)": 12461 / 35020, "Bushin (1941-01)": 13000 / 37000, "liquisearch (1937-39)": 0.30}
    mean, lo, hi = _spread(list(reinst.values()))
    out.append(
        Fact(
            "purge_reinstated_share",
            "Share of the discharged of 1937-38 returned to the army by 1940-41",
            mean,
            lo,
            hi,
            "share",
            "command staff discharged 1937-38",
            (BUSHIN, LIQUISEARCH),
            "min-max of three figures",
            "fit",
            "cited",
            detail=reinst,
        )
    )
    out.append(
        Fact(
            "purge_reinstated_over_time",
            "Discharged officers returned: 6,650 at the Shchadenko report, 12,461 by 1 May 1940, >13,000 by 1 Jan 1941",
            13000,
            12461,
            13000,
            "officers",
            "command staff discharged 1937-38 (about 35,000-37,000)",
            (SHCHADENKO, BUSHIN),
            "the figures themselves",
            "check",
            "cited",
            comparable=False,
            detail={"1938/39 report": 6650, "1940-05": 12461, "1941-01": 13000},
        )
    )
    return out


def _front_commanders_in(year: int) -> set[str]:
    return {r["person"] for r in front_rows() if _year(r["from"]) <= year <= _year(r["to"])}


def war_facts() -> list[Fact]:
    out: list[Fact] = []
    fc = {p["person"]: p for p in people() if in_group(p, "front_commander_1941_45")}
    shot_by_year = Counter(_year(p["fate_month"]) for p in fc.values() if p["fate"] == "executed" and p["fate_month"])
    n41 = len(_front_commanders_in(1941))
    out.append(
        Fact(
            "front_commanders_shot_1941",
            "Front commanders shot in 1941 (Pavlov, Western Front, with his staff and 4th Army's "
            "commander, who were not front commanders)",
            shot_by_year.get(1941, 0),
            0,
            2,
            "people",
            f"the {n41} men who commanded a front in 1941",
            (DATA_PEOPLE, DATA_CAREERS, "facts.md B10"),
            "exact in the record; band 0-2 for a stochastic model",
            "fit",
            "computed",
        )
    )
    war = sum(v for y, v in shot_by_year.items() if 1941 <= y <= 1945)
    out.append(
        Fact(
            "front_commanders_shot_war",
            "Front commanders shot during the war, 1941-45",
            war,
            war,
            war + 1,
            "people",
            f"the {len(fc)} front commanders of 1941-45 in the record",
            (DATA_PEOPLE,),
            "exact; +1 for a stochastic model",
            "check",
            "computed",
            detail={str(k): v for k, v in sorted(shot_by_year.items())},
        )
    )
    for reason in ("relieved", "demoted", "killed", "arrested"):
        by = Counter(_year(r["to"]) for r in front_rows() if r["end_reason"] == reason)
        total = sum(by.values())
        out.append(
            Fact(
                f"front_commands_{reason}_by_year",
                f"Front commands that ended {reason}, by year",
                total,
                total,
                total,
                "front commands",
                "front commands held 1941-45 (careers.csv, front rows); per year the commanders of that year: "
                + ", ".join(f"{y}: {len(_front_commanders_in(y))}" for y in range(1941, 1946)),
                (DATA_CAREERS,),
                "exact count; the classification of each end is in careers.csv (end_reason)",
                "check",
                "computed",
                detail={str(y): by.get(y, 0) for y in range(1941, 1946)},
            )
        )
    out += continuity_facts()
    line = front_line()
    deepest = max(float(r["mean_km"]) for r in line)
    deep_months = [r["month"] for r in line if float(r["mean_km"]) == deepest]
    out.append(
        Fact(
            "line_deepest",
            "The line is deepest in late 1942 (Stalingrad, the Caucasus)",
            deep_months[0],
            deep_months[0],
            deep_months[-1],
            "month",
            "the monthly mean depth of the line inside the 1941 border (3 sectors)",
            (DATA_LINE,),
            "the months at the maximum mean depth",
            "fit",
            "computed",
            detail={"max_mean_km": deepest},
        )
    )
    back = next(r["month"] for r in line if float(r["mean_km"]) < 100)
    everywhere = next(r["month"] for r in line if max(float(r[k]) for k in ("north_km", "centre_km", "south_km")) == 0)
    out.append(
        Fact(
            "line_back_at_border",
            "The line is back at the 1941 border by mid-1944 (mean depth under 100 km)",
            back,
            back,
            everywhere,
            "month",
            "the monthly mean depth of the line (3 sectors)",
            (DATA_LINE, "news-pravda.com 2025/07/28 (Brest 28 Jul 1944)"),
            "from the first month under 100 km (centre at the border) to the month all three sectors are",
            "fit",
            "computed",
        )
    )
    jun44 = next(float(r["mean_km"]) for r in line if r["month"] == "1944-06")
    out.append(
        Fact(
            "line_depth_1944_06",
            "Mean depth of the line in June 1944, before Bagration",
            jun44,
            jun44 - 50,
            jun44 + 50,
            "km",
            "the monthly mean depth of the line (3 sectors)",
            (DATA_LINE,),
            "a band of +/-50 km for the sectors' approximations",
            "check",
            "computed",
        )
    )
    out.append(
        Fact(
            "victory",
            "Victory in Europe: German capitulation 8-9 May 1945",
            "1945-05",
            "1945-03",
            "1945-07",
            "month",
            "the war (one event)",
            (DATA_LINE, "facts.md H22"),
            "'near May 1945': +/-2 months",
            "fit",
            "cited",
        )
    )
    fronts = {"1941-06": 5, "1943-01": 12, "1945-05": 8}
    for m, n in fronts.items():
        out.append(
            Fact(
                f"fronts_{m}",
                f"Fronts in being in {m}" + (" (Europe)" if m == "1945-05" else ""),
                n,
                n - 1,
                n + 1,
                "fronts",
                "fronts of the Red Army facing Germany and her allies",
                (FRONTS,),
                "one source each; +/-1 for re-formations and renamings",
                "fit",
                "cited",
            )
        )
    out.append(
        Fact(
            "fronts_active_range",
            "11-16 fronts active at any one time (about 57 formed in the war)",
            13.5,
            11,
            16,
            "fronts",
            "fronts active at one time, 1942-44",
            (FRONTS,),
            "the source's range",
            "check",
            "cited",
        )
    )
    recorded = len({r["unit"] for r in front_rows("1945-05", european=True)})
    out.append(
        Fact(
            "fronts_recorded_1945_05",
            "European fronts with a recorded commander in careers.csv in May 1945 (coverage check)",
            recorded,
            recorded,
            recorded,
            "fronts",
            "front commands in careers.csv",
            (DATA_CAREERS,),
            "exact count; equals fronts_1945-05 when the dataset covers every front",
            "check",
            "computed",
        )
    )
    side = [r for r in careers() if r["key"] == "zhukov" and r["end_reason"] == "sidelined"]
    lag = months_between("1945-05", side[0]["to"]) if side else -1
    out.append(
        Fact(
            "zhukov_sidelined_lag",
            "The most popular marshal, Zhukov, is sidelined about a year after victory (Odessa MD, Jun 1946)",
            lag,
            lag - 6,
            lag + 6,
            "months after victory",
            "the most popular marshal (one man)",
            (DATA_CAREERS, "facts.md G21"),
            "'about a year': +/-6 months",
            "fit",
            "computed",
        )
    )
    captured = [p for p in people() if p["fate"] in ("captured", "defected") or p["key"] in ("ponedelin", "kirillov_nk")]
    defected = [p for p in captured if p["fate"] == "defected"]
    out.append(
        Fact(
            "captured_who_defected",
            "Of the captured generals in the record, one (Vlasov) defected",
            len(defected) / len(captured),
            0.0,
            len(defected) / len(captured),
            "share",
            f"the {len(captured)} captured generals of people.csv "
            "(Vlasov, Lukin, Ponedelin, Kirillov); the war's ~80 captured generals are not all in the dataset",
            (DATA_PEOPLE, "facts.md D18, E19, B13"),
            "upper bound from the dataset",
            "check",
            "computed",
            detail={p["key"]: p["fate"] for p in captured},
        )
    )
    return out


def continuity_facts() -> list[Fact]:
    """Share of the front commanders of May 1945 (Europe) who held senior posts on 22 Jun 1941, under each definition."""
    last = sorted({r["person"] for r in front_rows("1945-05", european=True)})
    pp = {p["person"]: p for p in people()}
    all_fc = sorted(p["person"] for p in people() if in_group(p, "front_commander_1941_45"))

    def rank(n: str) -> int:
        t = pp[n]["rank_level_1941"]
        return int(t) if t.lstrip("-").isdigit() else -1

    def post(n: str) -> str:
        return pp[n]["post_code_1941"]

    defs = {
        "colonel_or_general_in_post": (
            "a colonel or general holding a post (Glantz's 'generals and colonels in responsible command positions')",
            lambda n: rank(n) >= 0 and post(n) not in ("", "none", "prison"),
        ),
        "general_rank": ("a general's rank (Major General or above)", lambda n: rank(n) >= 1),
        "army_level_post": (
            "an army, district or central post (army level or above)",
            lambda n: post(n) in ("centre", "army") or post(n).startswith("district"),
        ),
    }
    out = []
    for did, (words, test) in defs.items():
        share = sum(test(n) for n in last) / len(last)
        out.append(
            Fact(
                f"continuity_{did}",
                f"Share of the last front commanders (May 1945, Europe) who on 22 Jun 1941 held {words}",
                share,
                share,
                share,
                "share",
                f"the {len(last)} front commanders of May 1945 in Europe: " + ", ".join(pp[n]["key"] for n in last),
                (DATA_CAREERS, DATA_PEOPLE, "facts.md I24-25"),
                "exact over the dataset",
                "check",
                "computed",
                detail={pp[n]["key"]: int(test(n)) for n in last},
            )
        )
    share = sum(defs["colonel_or_general_in_post"][1](n) for n in all_fc) / len(all_fc)
    out.append(
        Fact(
            "continuity_all_front_commanders",
            "Share of all front commanders of 1941-45 who on 22 Jun 1941 were colonels or generals holding a post",
            share,
            share,
            share,
            "share",
            f"the {len(all_fc)} front commanders of 1941-45 in the record",
            (DATA_PEOPLE,),
            "exact over the dataset",
            "check",
            "computed",
        )
    )
    return out


MARSHALS = "en.wikipedia.org/wiki/Marshal_of_the_Soviet_Union (list of holders, dates of decree); facts.md A7, 16"
# Marshals of the Soviet Union serving (the rank held, in the army: Stalin 1943 and Beria 1945 are no officers of the
# corps) at the end of each month: the five of 1935 less the three destroyed in 1937-38; Timoshenko, Shaposhnikov and
# Kulik (7 May 1940); Kulik demoted (Feb-Mar 1942); Zhukov (18 Jan 1943), Vasilevsky (16 Feb 1943), Konev (20 Feb
# 1944), Govorov (18 Jun 1944), Rokossovsky (29 Jun 1944), Malinovsky (10 Sep 1944), Tolbukhin (12 Sep 1944),
# Meretskov (26 Oct 1944); Shaposhnikov died (26 Mar 1945).
MARSHALS_SERVING = {"1941-06": 5, "1943-12": 6, "1945-05": 11}


def rank_facts() -> list[Fact]:
    """How many held the top rank: the record's establishment (checking facts; `command.marshal_cap` is its input)."""
    return [
        Fact(
            f"marshals_serving_{month}",
            f"Marshals of the Soviet Union serving in {month}",
            float(n),
            float(n - 1),
            float(n + 1),
            "officers",
            "serving officers of the army at the rank of Marshal of the Soviet Union at the end of the month (the "
            "model: officers at rank 5 holding a post, from the careers table)",
            (MARSHALS,),
            "one either way: the month a decree or a demotion takes effect (Kulik's trial, Feb-Mar 1942)",
            "check",
            "cited",
        )
        for month, n in MARSHALS_SERVING.items()
    ]


def facts() -> list[Fact]:
    """Every stylised fact of the record, fitting targets and checking facts."""
    return purge_facts() + war_facts() + rank_facts()


def fitting_targets() -> list[Fact]:
    return [f for f in facts() if f.use == "fit"]


def checking_facts() -> list[Fact]:
    return [f for f in facts() if f.use == "check"]
