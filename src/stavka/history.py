"""The chronicle that tells either ledger in dated sentences, and the official history's public names (it is
derived from the true log by a doctrine's censorship, M9, in one compiled pass: `stavka.ledger.censor`)."""

from __future__ import annotations

import pandas as pd

from .ledger import CAUSE_TEXT, CREDIT_STREAM, ERASE_STREAM, KIND_TEXT, SECRET, official_history

__all__ = ["CAUSE_TEXT", "CREDIT_STREAM", "ERASE_STREAM", "KIND_TEXT", "SECRET", "chronicle", "official_history", "sentence"]


_VERBS = {
    "denunciation": "{o} was denounced to the organ",
    "arrest": "{o} was arrested{why}",
    "release": "{o} was released from custody{why}",
    "execution": "{o} was shot{why}",
    "interrogation": "{o} was interrogated{why}",
    "promotion": "{o} was promoted{detail}",
    "demotion": "{o} was demoted{detail}",
    "transfer": "{o} was transferred{detail}",
    "appointment": "{o} was appointed{detail}",
    "removal": "{o} was relieved{detail}",
    "directive": "Directive{detail}",
    "victory": "{o} won a victory{detail}",
    "defeat": "{o} was defeated{detail}",
    "encirclement": "Encirclement{detail}; {o} was in the pocket",
    "killed": "{o} was killed in action{detail}",
    "captured": "{o} was taken prisoner{detail}",
    "defection": "{o} went over to the enemy",
    "challenge": "{o} moved against the ruler{why}",
    "withdrawal": "{o} withdrew without authorisation{detail}",
    "charm": "The ruler showed {o} personal attention",
    "return": "{o} came home from captivity",
    "escape": "{o} escaped from captivity",
    "retirement": "{o} retired",
    "death": "{o} died",
    "war": "{why}",
    "erasure": "The name of {o} disappeared from the record",
    "reattribution": "A victory{detail}",
    "relabelling": "{o}: {detail}",
}


def sentence(row: pd.Series) -> str:
    why = f" ({row['cause']})" if row["cause"] else ""
    if row["kind"] == "war":
        why = {"war begins": "The war began", "war won": "The war ended in victory", "war lost": "The war was lost"}.get(
            row["cause"], str(row["cause"])
        )
    detail = f": {row['detail']}" if row["detail"] else ""
    o = row["officer"] or "an unnamed commander"
    return f"{row['month']}  " + _VERBS.get(row["kind"], "{o} {detail}").format(o=o, why=why, detail=detail) + "."


def chronicle(events: pd.DataFrame, skip: tuple[str, ...] = ("denunciation",)) -> list[str]:
    """The ledger told in dated sentences (denunciations, which are many, left out by default)."""
    return [sentence(row) for _, row in events.iterrows() if row["kind"] not in skip]
