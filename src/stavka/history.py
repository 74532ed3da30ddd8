"""The two ledgers: the official history derived from the true log by a doctrine's censorship (M9),
and the chronicle that tells either in dated sentences."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .engine.codes import Cause, Kind
from .rng import Purpose, stream_keys, uniform_at

SECRET = {"denunciation", "arrest", "interrogation", "release", "charm"}
ERASE_STREAM = 100_001  # "month" of the CENSOR stream of the erasure draws, indexed by officer id
CREDIT_STREAM = 100_002  # ... and of the reattribution draws, indexed by the event's position in its run


def official_history(
    events: pd.DataFrame, seed: int, censorship: Callable[[str], object], credit: Callable[[int, str], float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(official events, per-run stats with history_distortion and erased_names).

    Rules: every defector is erased (all events naming him leave the record, and one 'erasure' entry
    stands for them); a repressed officer is erased with the doctrine's probability; secret events
    are left out; transfers are relabelled 'reorganisation' and executions 'discipline'; a victory is
    reattributed to collective leadership with the share of credit the centre took that month.
    `stavka.ledger.history_stats` computes the same stats, compiled, from the raw ledger; keep the two in step.
    """
    ev = events
    n_true = ev.groupby("run").size()
    months = ev["month"].to_numpy()
    rules = {m: censorship(m) for m in np.unique(months)}
    keys = stream_keys(seed, ev["run"].to_numpy(np.int64), ERASE_STREAM, Purpose.CENSOR)
    u_officer = uniform_at(keys, ev["officer_id"].to_numpy(np.int64), 0)
    kind = ev["kind"].to_numpy(object)
    erase_p = np.array([rules[m].erase_repressed for m in months])  # type: ignore[attr-defined]
    repressed = np.isin(kind, ["execution"])
    defector = kind == "defection"
    # An officer is erased if any of his fatal events says so; decided once per (run, officer).
    fell = ev.loc[defector | (repressed & (u_officer < erase_p)), ["run", "officer_id", "month"]]
    erased = fell.groupby(["run", "officer_id"])["month"].min()
    key = pd.MultiIndex.from_arrays([ev["run"], ev["officer_id"]])
    is_erased = key.isin(erased.index) & (ev["officer_id"].to_numpy() >= 0)
    hide = np.array([rules[m].hide_secret for m in months]) & np.isin(kind, list(SECRET))  # type: ignore[attr-defined]
    keep = ~is_erased & ~hide
    # Position of each event within its own run: batch-independent stream index for the credit draw.
    seq: np.ndarray = ev.groupby("run").cumcount().to_numpy(np.int64)[keep]
    official = ev.loc[keep].copy()
    named_other = pd.MultiIndex.from_arrays([official["run"], official["other_id"]]).isin(erased.index)
    official.loc[named_other, "other_id"] = -1  # an erased man accuses no one in the record
    relabel = np.array([bool(rules[m].relabel) for m in official["month"]])  # type: ignore[attr-defined]
    k = official["kind"].to_numpy(object)
    to_reorg = relabel & (k == "transfer")
    to_disc = relabel & (k == "execution")
    u_credit = uniform_at(stream_keys(seed, official["run"].to_numpy(np.int64), CREDIT_STREAM, Purpose.CENSOR),
                          seq, 0)
    credit_p = np.array([credit(int(r), m) for r, m in zip(official["run"], official["month"], strict=True)])
    to_collective = (k == "victory") & (u_credit < credit_p)
    official.loc[to_reorg, "detail"] = "reorganisation"
    official.loc[to_disc, "detail"] = "discipline"
    official.loc[to_reorg | to_disc, "kind"] = "relabelling"
    official.loc[to_collective, "kind"] = "reattribution"
    official.loc[to_collective, "officer"] = "collective leadership"
    official.loc[to_collective, "detail"] = "victory credited to the collective leadership of the Stavka"
    marks = erased.reset_index().merge(ev[["run", "officer_id", "officer"]].drop_duplicates(["run", "officer_id"]),
                                       on=["run", "officer_id"], how="left")
    marks = marks.assign(kind="erasure", detail="name removed from the record", post="", front="",
                         cause="", value=np.nan)
    official = pd.concat([official, marks[official.columns.intersection(marks.columns)]], ignore_index=True)
    official = official.sort_values(["run", "month"], kind="stable").reset_index(drop=True)
    altered = (~keep).astype(int)
    altered[keep] = (to_reorg | to_disc | to_collective | named_other).astype(int)
    stats = pd.DataFrame({
        "history_distortion": pd.Series(altered, index=ev.index).groupby(ev["run"]).sum() / n_true,
        "erased_names": erased.groupby(level=0).size(),
    })
    stats["erased_names"] = stats["erased_names"].fillna(0).astype(int)
    return official, stats


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
        why = {"war begins": "The war began", "war won": "The war ended in victory",
               "war lost": "The war was lost"}.get(row["cause"], str(row["cause"]))
    detail = f": {row['detail']}" if row["detail"] else ""
    o = row["officer"] or "an unnamed commander"
    return f"{row['month']}  " + _VERBS.get(row["kind"], "{o} {detail}").format(o=o, why=why, detail=detail) + "."


def chronicle(events: pd.DataFrame, skip: tuple[str, ...] = ("denunciation",)) -> list[str]:
    """The ledger told in dated sentences (denunciations, which are many, left out by default)."""
    return [sentence(row) for _, row in events.iterrows() if row["kind"] not in skip]


CAUSE_TEXT = {c: c.name.lower().replace("_", " ") for c in Cause}
CAUSE_TEXT[Cause.NONE] = ""
CAUSE_TEXT[Cause.ORDER_270] = "Order No. 270"
CAUSE_TEXT[Cause.ORDER_227] = "Order No. 227"
KIND_TEXT = {k: k.name.lower() for k in Kind}
