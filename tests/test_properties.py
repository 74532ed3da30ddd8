"""Properties 3-8 of MODEL.md §6, each on RUNS = 200 seeded runs per arm.

Arms are paired: same seed and run ids, so run k of one arm meets the same luck as run k of the
other until their decisions make the histories diverge.  Every statistical test is a paired
one-sided Wilcoxon signed-rank test on the per-run values, alpha = 0.01 (runs where the quantity is
undefined in either arm are left out; the count used is in the message).  Exact properties (the
erasure of defectors) are checked on every run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ALPHA, RUNS, Tracked, sim, tracked
from scipy import stats

from stavka.doctrines import REGISTRY

BASE = "meritocratic"  # the doctrine whose single mechanisms are switched in properties 4-7


def paired(label: str, treated: np.ndarray, control: np.ndarray, alternative: str, min_pairs: int = 100) -> None:
    """Assert `treated` is `alternative` ('greater'/'less') than `control`, run by run, over at least
    `min_pairs` runs where both are defined."""
    treated, control = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    ok = ~(np.isnan(treated) | np.isnan(control))
    d = treated[ok] - control[ok]
    n = int(ok.sum())
    p = float(stats.wilcoxon(d, alternative=alternative).pvalue) if np.any(d != 0) else 1.0
    word = {"greater": "higher", "less": "lower"}[alternative]
    msg = (
        f"{label}: expected {word} in the treated arm; means {treated[ok].mean():.4g} (treated) vs "
        f"{control[ok].mean():.4g} (control), mean paired difference {d.mean():+.4g}, "
        f"n = {n} paired runs; "
        f"one-sided Wilcoxon signed-rank p = {p:.3g}, alpha = {ALPHA}"
    )
    assert n >= min_pairs, f"{label}: only {n} paired runs where the quantity is defined\n{msg}"
    assert p < ALPHA, msg


def col(df: pd.DataFrame, name: str) -> np.ndarray:
    return df.sort_values("run")[name].to_numpy(dtype=float)


# --- property 3: terror against meritocratic -----------------------------------------------------

P3 = [
    ("executions", "greater"),
    ("arrests", "greater"),
    ("innocent_share", "greater"),
    ("field_competence", "less"),
    ("meritocracy", "less"),
    ("challenges", "less"),
    ("defections", "greater"),
]


@pytest.mark.parametrize(("metric", "alternative"), P3, ids=[m for m, _ in P3])
def test_p3_terror_against_meritocratic(metric: str, alternative: str) -> None:
    """terror (treated) against meritocratic (control), paired on 200 runs: more executions and
    arrests, higher innocent_share, lower field_competence and meritocracy, fewer challenges, more
    defections.  Paired one-sided Wilcoxon signed-rank, alpha = 0.01."""
    t, m = sim("terror").metrics, sim("meritocratic").metrics
    # innocent_share is defined only in runs that repress someone.  Since issue 11 meritocratic's popular
    # commanders no longer plot (docs/model.md §7.9), and its failed challengers were most of its victims,
    # so it represses anyone in about one run in seven: the share is compared over those runs.
    least = 20 if metric == "innocent_share" else 100
    paired(f"P3 {metric} terror vs meritocratic", col(t, metric), col(m, metric), alternative, least)


# --- property 4: rotating popular winners --------------------------------------------------------


def months_to_victory(x: Tracked) -> np.ndarray:
    """Months from the start of the war to victory; a run without victory counts as the longest."""
    n_months = x.series["fronts"].shape[1]
    won = x.metrics["victory_month"].notna().to_numpy()
    return np.where(won, x.war_end - x.war_start, n_months - x.war_start).astype(float)


def rotation_arms() -> tuple[Tracked, Tracked]:
    return tracked(BASE, rotate_popular=0.3), tracked(BASE)


def test_p4_rotation_lowers_peak_popularity() -> None:
    """meritocratic with rotate_popular=0.3 (treated) against meritocratic (never rotates): the
    highest popularity any officer reaches during the war is lower.  Paired one-sided Wilcoxon, 0.01."""
    rot, base = rotation_arms()
    paired("P4 peak popularity, rotation vs none", rot.peak_popularity, base.peak_popularity, "less")


def test_p4_rotation_lowers_challenges() -> None:
    """Rotation lowers challenges through the popularity it takes away.  Since issue 11 a challenge needs a
    motive besides popularity (disloyalty or grievance, `politics.challenge_motive_floor` = 0), so challenges
    are rare under every doctrine, as in the record, and the counts' difference too small for 200 runs (0.085
    against 0.115 a run, p = 0.054); the mechanism is tested where popularity alone is a motive (floor 1, the
    model before issue 11), in the same arms otherwise.  Paired one-sided Wilcoxon, alpha = 0.01."""
    floor = {"politics.challenge_motive_floor": 1.0}
    rot, base = tracked(BASE, rotate_popular=0.3, **floor), tracked(BASE, **floor)
    paired("P4 challenges, rotation vs none", col(rot.metrics, "challenges"), col(base.metrics, "challenges"), "less")


def test_p4_rotation_costs_war_performance() -> None:
    """Same arms: war performance is worse, measured as the months from the start of the war to
    victory (no victory = longest).  Paired one-sided Wilcoxon (rotation later), alpha = 0.01."""
    rot, base = rotation_arms()
    extra = {m: (col(rot.metrics, m).mean(), col(base.metrics, m).mean()) for m in ("losses", "max_depth_km")}
    try:
        paired("P4 months to victory, rotation vs none", months_to_victory(rot), months_to_victory(base), "greater")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n(other war measures, rotation vs none: {extra})") from None


# --- property 5: hold orders and initiative -----------------------------------------------------


def test_p5_strict_hold_raises_encirclements_under_heavy_pressure() -> None:
    """meritocratic with hold_strictness=1 (every front holds; treated) against its default 0.2:
    more encirclements in the months of heavy enemy pressure (pressure >= 1.3: summer-autumn 1941
    and the 1942 summer offensive).  Paired one-sided Wilcoxon, alpha = 0.01."""
    strict, base = tracked(BASE, hold_strictness=1.0), tracked(BASE)
    assert len(base.heavy_months) >= 6
    paired(
        "P5 encirclements under heavy pressure, strict hold vs default", strict.encircled_heavy, base.encircled_heavy, "greater"
    )


def test_p5_initiative_lowers_encirclements_under_heavy_pressure() -> None:
    """meritocratic with hold_strictness=0 (initiative everywhere; treated) against its default 0.2:
    fewer encirclements under heavy pressure.  Paired one-sided Wilcoxon, alpha = 0.01."""
    free, base = tracked(BASE, hold_strictness=0.0), tracked(BASE)
    paired("P5 encirclements under heavy pressure, initiative vs default", free.encircled_heavy, base.encircled_heavy, "less")


# --- property 6: collated lessons and continuity -------------------------------------------------


def quality_rise(x: Tracked) -> np.ndarray:
    """Monthly rise of command quality over the war: (Q(end) - Q(start)) / months of war, where
    Q = corps_quality (mean true competence of command posts) + lessons (the corps-wide lessons
    that operations add to command quality)."""
    q = x.series["corps_quality"] + x.series["lessons"]
    r = np.arange(len(x.war_end))
    return (q[r, x.war_end] - q[r, x.war_start]) / np.maximum(x.war_end - x.war_start, 1)


def test_p6_collated_lessons_make_command_quality_rise_faster() -> None:
    """meritocratic (collates lessons; treated) against meritocratic with collate_lessons=False:
    command quality rises faster per month of war.  Paired one-sided Wilcoxon, alpha = 0.01."""
    paired(
        "P6 monthly rise of command quality, collated vs not",
        quality_rise(tracked(BASE)),
        quality_rise(tracked(BASE, collate_lessons=False)),
        "greater",
    )


def test_p6_meritocratic_has_higher_continuity() -> None:
    """meritocratic (treated) against terror: higher continuity (share of the war's last front
    commanders who held a senior post when it began).  Paired one-sided Wilcoxon, alpha = 0.01."""
    paired(
        "P6 continuity, meritocratic vs terror",
        col(sim("meritocratic").metrics, "continuity"),
        col(sim("terror").metrics, "continuity"),
        "greater",
    )


# --- property 7: crisis appointments ------------------------------------------------------------

CRISIS_DOCTRINES = sorted(n for n, cls in REGISTRY.items() if "crisis_appointments" in cls.traits)


def test_p7_some_doctrines_make_crisis_appointments() -> None:
    assert CRISIS_DOCTRINES, "no registered doctrine declares the crisis_appointments trait"


@pytest.mark.parametrize("doctrine", CRISIS_DOCTRINES)
def test_p7_crisis_appointments_raise_appointee_competence(doctrine: str) -> None:
    """For each doctrine declaring crisis_appointments: with them (treated) against the same doctrine
    with crisis_appointment=False, the mean TRUE competence (engine.world.off['comp'] at the moment of
    appointment) of the officers appointed when a front has collapsed (APPOINTMENT events with cause
    CRISIS) is higher.  Per-run means, paired one-sided Wilcoxon, alpha = 0.01."""
    on, off = tracked(doctrine), tracked(doctrine, crisis_appointment=False)
    assert on.crisis_n.sum() > 0 and off.crisis_n.sum() > 0
    paired(
        f"P7 true competence of crisis appointees, {doctrine} with vs without crisis appointments",
        on.crisis_comp,
        off.crisis_comp,
        "greater",
    )


# --- property 8: fear and defection; defectors erased -------------------------------------------


def defection_share(metrics: pd.DataFrame) -> np.ndarray:
    captured, defected = col(metrics, "commanders_captured"), col(metrics, "defections")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(captured > 0, defected / captured, np.nan)


def test_p8_fear_raises_defection_among_the_captured() -> None:
    """terror with politics.fear_baseline = 0.5 (a more frightened corps; treated) against terror
    (0.15): a higher share of captured commanders defect (defections / commanders_captured per run).
    Paired one-sided Wilcoxon, alpha = 0.01."""
    afraid = tracked("terror", **{"politics.fear_baseline": 0.5})
    paired(
        "P8 share of the captured who defect, fear 0.5 vs 0.15",
        defection_share(afraid.metrics),
        defection_share(sim("terror").metrics),
        "greater",
    )


def _defectors(doctrine: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    res = sim(doctrine)
    ev, off = res.events, res.official
    defectors = ev.loc[ev["kind"] == "defection", ["run", "officer_id"]].drop_duplicates()
    return ev, off, defectors


@pytest.mark.parametrize("doctrine", sorted(REGISTRY))
def test_p8_no_official_event_names_a_defector(doctrine: str) -> None:
    """Every run (200) of every doctrine: no event of the official history names a defector, as its
    officer or as its second officer (accuser, predecessor).  The 'erasure' entry that stands for
    the erased name is checked separately below."""
    ev, off, defectors = _defectors(doctrine)
    assert ev["run"].nunique() == RUNS
    events = off[off["kind"] != "erasure"]
    as_officer = events.merge(defectors, on=["run", "officer_id"])
    as_other = events.merge(defectors.rename(columns={"officer_id": "other_id"}), on=["run", "other_id"])
    assert as_officer.empty, (
        f"{doctrine}: {len(as_officer)} official events name one of {len(defectors)} "
        f"defectors as officer (kinds {as_officer['kind'].value_counts().to_dict()})"
    )
    assert as_other.empty, (
        f"{doctrine}: {len(as_other)} official events name one of {len(defectors)} "
        f"defectors as second officer "
        f"(kinds {as_other['kind'].value_counts().to_dict()}, "
        f"{as_other['run'].nunique()} of {RUNS} runs)"
    )


@pytest.mark.parametrize("doctrine", sorted(REGISTRY))
def test_p8_every_defector_is_erased(doctrine: str) -> None:
    """Every run of every doctrine: each defector has exactly one 'erasure' entry, counted in
    erased_names, and the true ledger keeps his defection."""
    ev, off, defectors = _defectors(doctrine)
    marks = off.loc[off["kind"] == "erasure", ["run", "officer_id"]]
    per = defectors.merge(marks, on=["run", "officer_id"], how="left", indicator=True)
    missing = per[per["_merge"] == "left_only"]
    assert missing.empty, f"{doctrine}: {len(missing)} of {len(defectors)} defectors have no erasure entry"
    assert not marks.duplicated().any(), f"{doctrine}: an officer is erased twice"
    erased = sim(doctrine).metrics.set_index("run")["erased_names"]
    n_def = defectors.groupby("run").size().reindex(erased.index, fill_value=0)
    assert (erased >= n_def).all(), f"{doctrine}: erased_names below the number of defectors in some runs"
