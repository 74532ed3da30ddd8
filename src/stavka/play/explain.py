"""Explanations for the player, from what the engine exposes: the cost of an act before it is taken (its
attention slot and the effects the parameters give it), and why an officer is believed, popular or
suspected, or why a front moved, as ranges over the months, with the events behind them."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from ..config import ScenarioConfig
from ..roster import RANK_NAMES
from .game import Game

Z90 = 1.645  # beliefs are shown as 90% ranges of the ruler's normal belief (mean, variance)


def belief_range(mu: float, var: float) -> tuple[float, float]:
    sd = math.sqrt(max(var, 0.0))
    return max(0.0, mu - Z90 * sd), min(1.0, mu + Z90 * sd)


def fmt_range(mu: float, var: float) -> str:
    lo, hi = belief_range(mu, var)
    return f"{lo:.2f}–{hi:.2f}"


def act_costs(cfg: ScenarioConfig) -> dict[str, str]:
    """What each act costs, before it is taken: one slot of the month's attention, and its known effects
    (the scenario's parameters, `stavka params`)."""
    s, c, r, p = cfg.security, cfg.command, cfg.ruler, cfg.politics
    return {
        "arrest": "he leaves his post for custody; counts as repression (the corps' fear rises by "
        f"{p.fear_repression:g} per unit monthly repression rate); an innocent arrest lowers the share of the guilty",
        "execute": "arrest and trial at once: he is gone for good; repression as for an arrest",
        "release": f"back to service; the organ's suspicion of him x{c.release_suspicion:g}, "
        f"his grievance +{c.release_grievance:g}",
        "interrogate": f"a reading of his loyalty (noise sd {r.interrogation_noise:g}); paid in trauma "
        f"+{s.interrogation_trauma:g}, grievance +{c.interrogation_grievance:g}, fear +{c.interrogation_fear:g}",
        "promote": "one rank up (no higher than Marshal)",
        "demote": f"one rank down; grievance +{c.demotion_grievance:g}; relieved if too junior for his post",
        "remove": f"relieved of his post, to the reserve; grievance +{c.removal_grievance:g}",
        "rotate": f"promoted and moved to a rear district; popularity x{c.rotation_popularity:g}",
        "sideline": f"moved to a rear district; popularity x{c.sideline_popularity:g}, grievance +{c.sideline_grievance:g}",
        "recall": "relieved of his command but kept close, in a staff post",
        "charm": f"personal attention: his fear -{p.charm_fear:g}, grievance -{p.charm_grievance:g}, "
        f"{p.charm_loyalty:g} of his disloyalty charmed away",
        "appoint": "given the post named (promoted to its rank if below it); its holder, if any, goes to the reserve",
        "transfer": "moved from his post to the post named (promoted to its rank if below it); its holder goes to the reserve",
    }


def act_preview(cfg: ScenarioConfig, act: str, bl_mu: float, bl_var: float) -> str:
    """What an act would do to what the ruler knows of this officer, where the parameters say it exactly: an
    interrogation's reading narrows the loyalty range as the ruler's update does (`engine.common.kalman`)."""
    if act != "interrogate":
        return ""
    noise = cfg.ruler.interrogation_noise
    after = bl_var * (1.0 - bl_var / (bl_var + noise * noise))
    lo, hi = belief_range(bl_mu, bl_var)
    width = 2 * Z90 * math.sqrt(after)
    return (
        f" His loyalty range now {lo:.2f}–{hi:.2f} (width {hi - lo:.2f}); after the reading it will be "
        f"{min(width, 1.0):.2f} wide, centred where the reading falls."
    )


def _events_of(game: Game, ident: int) -> pd.DataFrame:
    ev = game.outcome().events
    return ev[(ev["officer_id"] == ident) | (ev["other_id"] == ident)]


def _line(row: pd.Series, ident: int) -> str:
    who = "" if row["officer_id"] == ident else f" ({html.escape(str(row['officer']))})"
    detail = f": {html.escape(str(row['detail']))}" if row["detail"] else ""
    return f"<li>{row['month']} {html.escape(str(row['kind']))}{who}{detail}</li>"


def explain_officer(game: Game, ident: int, name: str) -> str:
    """Why the ruler believes what he does of this officer, why he is (un)popular, why the organ suspects him."""
    trace = game.trace
    j = int(np.flatnonzero(trace[-1]["ident"] == ident)[0])
    now, first = trace[-1], trace[0]
    months = [game.sim.scenario.calendar.label(k) for k in range(len(trace))]
    ev = _events_of(game, ident)
    war = ev[ev["kind"].isin(["victory", "defeat", "encirclement", "withdrawal"]) & (ev["officer_id"] == ident)]
    organ = ev[ev["kind"].isin(["denunciation", "interrogation", "arrest", "release"]) & (ev["officer_id"] == ident)]
    pops = np.array([t["pop"][j] for t in trace])
    susp = np.array([t["susp"][j] for t in trace])
    out = [f"<h4>{html.escape(name)}: {RANK_NAMES[int(now['rank'][j])]}</h4><ul>"]
    out.append(
        f"<li>Competence, as the ruler believes it (90% range): {fmt_range(now['bc_mu'][j], now['bc_var'][j])} now, "
        f"{fmt_range(first['bc_mu'][j], first['bc_var'][j])} in {months[0]}: it narrows with each report of his "
        f"command ({len(war)} battles in the record below).</li>"
    )
    out.append(
        f"<li>Loyalty, as believed: {fmt_range(now['bl_mu'][j], now['bl_var'][j])} now, "
        f"{fmt_range(first['bl_mu'][j], first['bl_var'][j])} in {months[0]}; interrogations and the organ's "
        f"reports move it ({int((organ['kind'] == 'interrogation').sum())} interrogations).</li>"
    )
    out.append(
        f"<li>Popularity: {pops.min():.2f}–{pops.max():.2f} over the game, {pops[-1]:.2f} now: victories raise it, "
        "defeats lower it, rotation and sidelining cut it.</li>"
    )
    denounced = int((organ["kind"] == "denunciation").sum())
    out.append(
        f"<li>The organ's suspicion: {susp.min():.2f}–{susp.max():.2f} over the game, {susp[-1]:.2f} now, "
        f"after {denounced} denunciations.</li></ul>"
    )
    if len(ev):
        out.append("<p>The events behind it:</p><ul>" + "".join(_line(r, ident) for _, r in ev.tail(12).iterrows()) + "</ul>")
    return "".join(out)


def explain_front(game: Game, front: int, name: str) -> str:
    """Why the front moved: the line month by month as a range, the reports against the line, the events."""
    trace = game.trace
    depth = np.array([t["front_depth"][front] for t in trace])
    reported = np.array([t["front_reported"][front] for t in trace])
    active = np.array([t["front_active"][front] for t in trace]).astype(bool)
    out = [f"<h4>{html.escape(name)}</h4><ul>"]
    if active.any():
        d = depth[active]
        moves = -np.diff(d) if len(d) > 1 else np.array([0.0])
        out.append(
            f"<li>The line: {d.min():.0f}–{d.max():.0f} km east of the 1941 border while active, {depth[-1]:.0f} km now; "
            f"monthly moves {moves.min():+.0f} to {moves.max():+.0f} km (west is +).</li>"
        )
        out.append(
            f"<li>Reported advance last month: {reported[-1]:+.0f} km (reports are distorted by the commanders' fear: "
            f"reported moves ranged {reported[active].min():+.0f} to {reported[active].max():+.0f} km).</li>"
        )
        out.append(
            f"<li>Orders: {'hold position' if trace[-1]['front_hold'][front] else 'initiative'}; "
            f"strength {trace[-1]['front_own'][front]:,.0f} men.</li>"
        )
    out.append("</ul>")
    ev = game.outcome().events
    post = name
    here = ev[
        ((ev["front"] == post) | (ev["post"] == post))
        & ev["kind"].isin(
            ["victory", "defeat", "encirclement", "withdrawal", "killed", "captured", "appointment", "removal", "directive"]
        )
    ]
    if len(here):
        out.append("<p>The events behind it:</p><ul>" + "".join(_line(r, -1) for _, r in here.tail(12).iterrows()) + "</ul>")
    return "".join(out)
