"""The claims table of the seeds (EVIDENCE.md): each factual claim, what the record says, its source, and where a
simulated run can show it, a test of one run's event table (`stavka.simulate(..., events=True).events`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Verdict = Literal["supported", "contradicted", "not in the record"]
Tester = Callable[[pd.DataFrame], bool]

# the roster's short names (data/commanders.csv), as they appear in the event table's `officer` column
PAVLOV, ZHUKOV, VLASOV = "D. G. Pavlov", "G. K. Zhukov", "A. A. Vlasov"
VOROSHILOV, BUDYONNY, MERETSKOV = "K. Ye. Voroshilov", "S. M. Budyonny", "K. A. Meretskov"
ROKOSSOVSKY, TUKHACHEVSKY = "K. K. Rokossovsky", "M. N. Tukhachevsky"
REPRESSED = ("arrest", "execution")


def _of(ev: pd.DataFrame, who: str, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    out = ev[ev["officer"] == who]
    return out[out["kind"].isin(kinds)] if kinds else out


def _front_posts(ev: pd.DataFrame, who: str) -> pd.DataFrame:
    """Appointments of `who` to a front command."""
    a = _of(ev, who, ("appointment",))
    return a[a["post"].astype(str).str.endswith(" Front")]


def _victory_month(ev: pd.DataFrame) -> str | None:
    won = ev[(ev["kind"] == "war") & (ev["cause"] == "war won")]
    return str(won["month"].iloc[0]) if len(won) else None


# Events that name the post an officer holds (or enters, or leaves) in their month: the Western Front's commander of
# June 1941 held it from the district command (the border districts are the fronts' posts), without an appointment
# in 1941, and his arrest or relief names it.
_IN_POST = ("appointment", "transfer", "removal", "arrest", "discharge")


def pavlov_shot(ev: pd.DataFrame) -> bool:
    """Pavlov commands the Western Front in 1941 and is executed in 1941: an event of 1941 up to his execution shows
    him in the Western Front's post (appointed to it, or relieved, moved or arrested from it)."""
    shot = _of(ev, PAVLOV, ("execution",))
    shot = shot[shot["month"].astype(str).str.startswith("1941")]
    if not len(shot):
        return False
    held = _of(ev, PAVLOV, _IN_POST)
    m = held["month"].astype(str)
    held = held[(held["post"] == "Western Front") & m.str.startswith("1941") & (m <= str(shot["month"].min()))]
    return bool(len(held))


def _kept_close(who: str) -> Tester:
    def test(ev: pd.DataFrame) -> bool:
        """Commands a front in the war, leaves it alive, and is never arrested or shot."""
        held = _front_posts(ev, who)
        return bool(len(held)) and not len(_of(ev, who, REPRESSED)) and not len(_of(ev, who, ("killed", "captured")))

    return test


def zhukov_sidelined(ev: pd.DataFrame) -> bool:
    """Zhukov is transferred with cause 'sideline' within 15 months after victory."""
    won = _victory_month(ev)
    if won is None:
        return False
    side = _of(ev, ZHUKOV, ("transfer",))
    side = side[side["cause"] == "sideline"]
    y, m = int(won[:4]), int(won[5:7])
    limit = f"{y + (m + 14) // 12:04d}-{(m + 14) % 12 + 1:02d}"
    return bool(((side["month"].astype(str) >= won) & (side["month"].astype(str) <= limit)).any())


def vlasov_defects(ev: pd.DataFrame) -> bool:
    """Vlasov is captured and defects."""
    return bool(len(_of(ev, VLASOV, ("captured",)))) and bool(len(_of(ev, VLASOV, ("defection",))))


def meretskov_broken_and_used(ev: pd.DataFrame) -> bool:
    """Meretskov is arrested, released, and then commands a front."""
    arrests = _of(ev, MERETSKOV, ("arrest",))
    releases = _of(ev, MERETSKOV, ("release",))
    if not len(arrests) or not len(releases):
        return False
    after = _front_posts(ev, MERETSKOV)
    return bool((after["month"].astype(str) > str(releases["month"].min())).any())


def rokossovsky_returns(ev: pd.DataFrame) -> bool:
    """Rokossovsky is arrested in the purge and released before the war."""
    arr = _of(ev, ROKOSSOVSKY, ("arrest",))
    rel = _of(ev, ROKOSSOVSKY, ("release",))
    return bool(len(arr)) and bool((rel["month"].astype(str) < "1941-06").any())


def tukhachevsky_purged(ev: pd.DataFrame) -> bool:
    """Tukhachevsky is executed in 1937-38."""
    shot = _of(ev, TUKHACHEVSKY, ("execution",))
    return bool(shot["month"].astype(str).between("1937-01", "1938-12").any())


def few_front_commanders_shot(ev: pd.DataFrame) -> bool:
    """At most one front commander is executed during the war (the record: Pavlov)."""
    appointed = ev[(ev["kind"] == "appointment") & ev["post"].astype(str).str.endswith(" Front")]
    fc = set(appointed["officer_id"])
    shot = ev[
        (ev["kind"] == "execution")
        & ev["officer_id"].isin(fc)
        & (ev["month"].astype(str) >= "1941-06")
        & (ev["month"].astype(str) <= "1945-05")
    ]
    return int(shot["officer_id"].nunique()) <= 1


@dataclass(frozen=True)
class Claim:
    id: str
    seed: str  # 000-003
    claim: str  # the claim, in the seed's words or close to them
    verdict: Verdict
    record: str  # what the record says
    source: str
    test: Tester | None = None  # does one run's event table reproduce the claim? None: not testable in a run

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "seed": self.seed,
            "claim": self.claim,
            "verdict": self.verdict,
            "record": self.record,
            "source": self.source,
            "testable": self.test is not None,
        }


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "pavlov_shot",
        "000",
        "Dmitry Pavlov, the Western Front commander, arrested and executed after catastrophic defeats",
        "supported",
        "Pavlov commanded the Western Front 22-30 Jun 1941, was arrested 4 Jul and shot 22 Jul 1941 with his chief "
        "of staff, chief of communications and 4th Army's commander",
        "people.csv, careers.csv; en.wikipedia Dmitry_Pavlov_(general); knifesburg.ru; facts.md B10",
        pavlov_shot,
    ),
    Claim(
        "voroshilov_kept",
        "000",
        "Voroshilov held responsible for early setbacks, removed from military leadership, kept in responsible positions",
        "supported",
        "Leningrad Front 5-13 Sep 1941, replaced by Zhukov; never arrested; GKO member",
        "people.csv, careers.csv; facts.md; commanders.csv",
        _kept_close(VOROSHILOV),
    ),
    Claim(
        "budyonny_kept",
        "000",
        "Budyonny commanded in 1941, suffered defeats, was replaced, and remained in the high structure",
        "supported",
        "Reserve Front Sep-Oct 1941 and North Caucasian Front 1942, replaced both times; never arrested",
        "people.csv, careers.csv",
        _kept_close(BUDYONNY),
    ),
    Claim(
        "zhukov_sidelined",
        "000",
        "Zhukov's popularity after the war made Stalin push him into less influential commands",
        "supported",
        "Jun 1946 removed as CinC Ground Forces to the Odessa MD, Feb 1948 to the Urals MD",
        "careers.csv; bashny.net/t/en/287392; Time 29 Jul 1946; rev.hu; tagilka.ru/110005",
        zhukov_sidelined,
    ),
    Claim(
        "malenkov_19th_army",
        "001",
        "General Sergei Malenkov, broken by interrogation, handed the 19th Army when the war began",
        "not in the record",
        "No general Sergei Malenkov; Georgy Malenkov was a party official (GKO). Konev commanded the 19th "
        "Army from May 1941, then Lukin from Sep 1941",
        "facts.md E19, F20; careers.csv (19th Army)",
        None,
    ),
    Claim(
        "broken_then_used",
        "001",
        "A capable officer broken by the NKVD is handed a command when the front collapses",
        "supported",
        "Meretskov, arrested 24 Jun 1941 and tortured, released 6 Sep 1941 and given the 7th Army, then fronts",
        "careers.csv; rutlib.com/book/44683/p/106",
        meretskov_broken_and_used,
    ),
    Claim(
        "purge_top_command",
        "001/003",
        "Marshal Tukhachevsky and most of the top command destroyed in 1937-38",
        "supported",
        "Tukhachevsky shot 12 Jun 1937; 3 of the 5 marshals of 1935 destroyed; 71 of 74 komkors discharged were arrested",
        "people.csv; facts.md A3, A7, A8",
        tukhachevsky_purged,
    ),
    Claim(
        "purge_reinstated",
        "002",
        "Purge victims came back (Rokossovsky released 1940)",
        "supported",
        "Rokossovsky arrested Aug 1937, released Mar 1940; about a third of the discharged returned by 1940-41",
        "careers.csv; rulit.me (autobiography 4 Apr 1940); facts.md A2, A9",
        rokossovsky_returns,
    ),
    Claim(
        "continuity",
        "002",
        "Most of the 1945 commanders were already generals and colonels in responsible posts in June 1941 (Glantz)",
        "supported",
        "all 8 front commanders of May 1945 held posts as colonels or generals on 22 Jun 1941 "
        "(7 of 8 generals; 3 of 8 at army level or above); the quote itself is unverified",
        "facts: continuity_*; facts.md I24-25",
        None,
    ),
    Claim(
        "no_scapegoating",
        "002",
        "Stalin generally did not scapegoat commanders for failure",
        "supported",
        "one front commander (Pavlov) shot in the war out of 43; 16 front commands ended in relief, 2 in demotion",
        "facts: front_commanders_shot_war, front_commands_*_by_year",
        few_front_commanders_shot,
    ),
    Claim(
        "vlasov_defects",
        "003",
        "Vlasov, encircled with his army, captured, defects and leads an army for the enemy",
        "supported",
        "2nd Shock Army destroyed May-Jun 1942; captured 12 Jul 1942; ROA/KONR 1944-45; hanged 1 Aug 1946",
        "careers.csv; ucrdc.org; GSE 'Vlasov Men' (ed.mdict.net/k1903877.html); liquisearch.com",
        vlasov_defects,
    ),
    Claim(
        "vlasov_erased",
        "003",
        "Official history erased Vlasov: 'there was no such general'",
        "contradicted",
        "the Great Soviet Encyclopedia names him, as a traitor ('Vlasov Men'): the official record damned him, not erased him",
        "GSE 'Vlasov Men' (ed.mdict.net/k1903877.html)",
        None,
    ),
)


def reproduction(events: pd.DataFrame, claims: tuple[Claim, ...] = CLAIMS) -> dict[str, float]:
    """Share of the runs in an event table that reproduce each testable claim."""
    runs = sorted(events["run"].unique()) if len(events) else []
    by_run = {r: g for r, g in events.groupby("run")} if runs else {}
    return {
        c.id: sum(c.test(by_run[r]) for r in runs) / len(runs) if runs else float("nan") for c in claims if c.test is not None
    }
