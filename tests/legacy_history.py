"""The official history as `stavka.history.official_history` derived it in pandas before it became one compiled
pass (issue 10), frozen here as a test oracle: `test_official_history.py` checks that the compiled pass gives
this function's tables and stats, bit for bit, on synthetic ledgers that exercise every rule and edge."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from stavka.rng import Purpose, stream_keys, uniform_at

SECRET = {
    "denunciation",
    "arrest",
    "interrogation",
    "release",
    "charm",
    "discharge",
    "reinstatement",
}  # issue 11 added the last two
ERASE_STREAM = 100_001
CREDIT_STREAM = 100_002


def legacy_official_history(
    events: pd.DataFrame, seed: int, censorship: Callable[[str], object], credit: Callable[[int, str], float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(official events, per-run stats with history_distortion and erased_names).

    Rules: every defector is erased (all events naming him leave the record, and one 'erasure' entry
    stands for them); a repressed officer is erased with the doctrine's probability; secret events
    are left out; transfers are relabelled 'reorganisation' and executions 'discipline'; a victory is
    reattributed to collective leadership with the share of credit the centre took that month.
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
    u_credit = uniform_at(stream_keys(seed, official["run"].to_numpy(np.int64), CREDIT_STREAM, Purpose.CENSOR), seq, 0)
    credit_p = np.array([credit(int(r), m) for r, m in zip(official["run"], official["month"], strict=True)])
    to_collective = (k == "victory") & (u_credit < credit_p)
    official.loc[to_reorg, "detail"] = "reorganisation"
    official.loc[to_disc, "detail"] = "discipline"
    official.loc[to_reorg | to_disc, "kind"] = "relabelling"
    official.loc[to_collective, "kind"] = "reattribution"
    official.loc[to_collective, "officer"] = "collective leadership"
    official.loc[to_collective, "detail"] = "victory credited to the collective leadership of the Stavka"
    marks = erased.reset_index().merge(
        ev[["run", "officer_id", "officer"]].drop_duplicates(["run", "officer_id"]), on=["run", "officer_id"], how="left"
    )
    marks = marks.assign(kind="erasure", detail="name removed from the record", post="", front="", cause="", value=np.nan)
    official = pd.concat([official, marks[official.columns.intersection(marks.columns)]], ignore_index=True)
    official = official.sort_values(["run", "month"], kind="stable").reset_index(drop=True)
    altered = (~keep).astype(int)
    altered[keep] = (to_reorg | to_disc | to_collective | named_other).astype(int)
    stats = pd.DataFrame(
        {
            "history_distortion": pd.Series(altered, index=ev.index).groupby(ev["run"]).sum() / n_true,
            "erased_names": erased.groupby(level=0).size(),
        }
    )
    stats["erased_names"] = stats["erased_names"].fillna(0).astype(int)
    return official, stats
