"""The named historical roster: the real commanders of `data/commanders.csv` and the documented rule
that turns each one's record into priors for his hidden traits (MODEL.md §2)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

RANK_NAMES = ("Colonel", "Major General", "Lieutenant General", "Colonel General", "Army General", "Marshal")
# Before the general ranks of June 1940 the Red Army used personal ranks (kombrig .. komandarm).
OLD_RANK_NAMES = ("Kombrig", "Komdiv", "Komkor", "Komandarm 2nd rank", "Komandarm 1st rank", "Marshal")


@dataclass(frozen=True)
class RosterEntry:
    key: str
    short_name: str
    full_name: str
    rank: int
    post: str  # post code of the start date: centre, district:X, army, corps, staff, prison
    born_year: int | None
    competence: float  # prior means of the hidden traits, from the record (see prior_means)
    loyalty: float
    ambition: float
    fate: str
    source: str
    client: bool = False  # one of the ruler's own men (column ruler_client)
    dossier: bool = False  # an NKVD file before 1937 (column dossier)
    patron: str = ""  # key of the officer the 1937 case tied him to (column patron_1937)
    distinction: str = ""  # month YYYY-MM of his first distinction in the small wars of 1936-40 (distinction_month)
    distinction_staff: bool = False  # he earned it on a staff or as an adviser, not commanding (distinction_role)


def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


# The record's shifts of the competence prior (what each outcome says about a man's ability; moderate on
# purpose: a named officer's traits are still drawn per run around these means, MODEL.md §2).
COMPETENCE_BASE = 0.5  # no record: the corps' prior
END_FRONT_COMPETENCE = 0.28  # held a front at the war's end (column front_commander_may_1945): four years of selection
FRONT_UNRELIEVED_COMPETENCE = 0.12  # held a front in the war and was never relieved, without ending at one
RELIEVED_COMPETENCE = 0.07  # taken off per removal or demotion in 1941-45 (column times_relieved)
MODERNISER_COMPETENCE = 0.12  # the senior modernisers of the 1930s purged in 1937-39 (rank_1937 >= 3)
# The highest wartime command posts (column highest_wartime_post): the Deputy Supreme Commander-in-Chief (Aug
# 1942) and the Chief of the General Staff in the war. The Stavka gave them to the men it had found the ablest
# planners of operations, a selection one step above a front's command; the shift is the size of the record's
# other one-step outcome (a front held unrelieved, +0.12). The match is on the post's words in the record, not on
# names; a pre-war peak is written "n/a (peak: ...)" and does not count.
TOP_WARTIME_POSTS = ("Deputy Supreme Commander-in-Chief", "Chief of the General Staff")
TOP_POST_COMPETENCE = 0.12
COMPETENCE_RANGE = (0.12, 0.92)  # keeps the Beta prior proper and history a tendency


def held_top_wartime_post(row: dict[str, str]) -> bool:
    """Whether the record's highest wartime post of this officer is one of `TOP_WARTIME_POSTS`."""
    post = (row.get("highest_wartime_post") or "").strip()
    return not post.lower().startswith("n/a") and any(p in post for p in TOP_WARTIME_POSTS)


def prior_means(row: dict[str, str]) -> tuple[float, float, float]:
    """Competence, loyalty and ambition prior means from what the record shows.

    Why these forms: the record shows outcomes that competence drives (commanding a front at the end
    of the war, holding the highest wartime command posts, being relieved), so they shift the competence
    prior; the purge victims were accused falsely (rehabilitated 1956-57), so the purge itself says nothing
    against their loyalty; defection is the one record of disloyalty.  The shifts are deliberately moderate: a
    named officer's traits are still drawn per run around these means, so history is a tendency, not a script.
    """
    competence, loyalty, ambition = COMPETENCE_BASE, 0.8, 0.35
    end_front = _int(row.get("front_commander_may_1945", "")) or 0
    relieved = _int(row.get("times_relieved", "")) or 0
    commanded_front = row.get("fronts_commanded", "").strip().lower() not in ("", "none", "n/a")
    if end_front:
        competence += END_FRONT_COMPETENCE
        ambition += 0.2
    elif commanded_front and relieved == 0:
        competence += FRONT_UNRELIEVED_COMPETENCE
    competence -= RELIEVED_COMPETENCE * relieved
    if held_top_wartime_post(row):
        competence += TOP_POST_COMPETENCE
    if row.get("group") == "purge_1937_39" and (_int(row.get("rank_1937", "")) or 0) >= 3:
        competence += MODERNISER_COMPETENCE  # Tukhachevsky, Uborevich, Yakir
    if (row.get("defected_month") or "").strip() or row.get("fate") == "defected":
        loyalty = 0.35
    return min(max(competence, COMPETENCE_RANGE[0]), COMPETENCE_RANGE[1]), loyalty, min(ambition, 0.8)


@lru_cache(maxsize=4)
def load_roster(date: str = "1937") -> tuple[RosterEntry, ...]:
    """Named officers serving on 1 Jan 1937 (date='1937') or 22 Jun 1941 (date='1941')."""
    text = (resources.files("stavka") / "data" / "commanders.csv").read_text(encoding="utf-8")
    entries = []
    for row in csv.DictReader(text.splitlines()):
        rank = _int(row.get(f"rank_{date}", ""))
        post = (row.get(f"post_{date}") or "").strip()
        if date == "1937" and post == "none" and "1930" <= (row.get("arrested_month") or "9") < "1937-01":
            post = "prison"  # arrested in 1936 (Primakov, Putna): the run starts with them in custody
        if rank is None or post in ("", "none"):
            continue
        c, lo, a = prior_means(row)
        entries.append(
            RosterEntry(
                key=row["key"],
                short_name=row["short_name"],
                full_name=row["name"],
                rank=rank,
                post=post,
                born_year=_int(row.get("born_year", "")),
                competence=c,
                loyalty=lo,
                ambition=a,
                fate=row.get("fate", ""),
                source=row.get("source", ""),
                client=(row.get("ruler_client") or "0").strip() == "1",
                dossier=(row.get("dossier") or "0").strip() == "1",
                patron=(row.get("patron_1937") or "").strip(),
                distinction=(row.get("distinction_month") or "").strip(),
                distinction_staff=(row.get("distinction_role") or "").strip() == "staff",
            )
        )
    return tuple(entries)
