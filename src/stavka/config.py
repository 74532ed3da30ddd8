"""Typed, validated scenario configuration.

A scenario is a TOML file whose tables mirror the models below.  Every user error is caught here and
reported as one line naming the file, the field and what was expected (`ConfigError`).

Bounds: a field that is a probability or a share per month (a "rate", "chance", "hazard" or "share"
the engine compares with a uniform draw or takes as a fraction) is at most 1; a multiplier, boost or
weight of a quantity on [0, 1] is at most 100 (defaults are at most 6: 100 is generous, and finite
values keep the engine's sums finite); distances are at most 1000 km (a month's line movement is
clipped to -max_retreat_km .. max_advance_km, -350 .. +250 km by default, so more only saturates);
strengths at most 10^8 men per front (the whole Soviet mobilisation was 3.4 * 10^7).

Every field is a `params.param`: besides its bounds it carries its meaning, unit, prior range and
source (`stavka params`).  No number may be infinite or NaN, and a number is never a
boolean or a string (`_ScalarTypes`).
"""

from __future__ import annotations

import collections
import hashlib
import json
import tomllib
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    StrictFloat,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .calendar import parse_month
from .params import param

MAX_SEED = 2**63 - 1  # seeds and run ids are stored as BIGINT
# A result of `simulate` lives in memory: about 16 KB a run with events=False on the default scenario
# (series 144 months x 13 columns, 16.0 KB; metrics 0.2 KB; measured with memory_usage(deep=True)), so
# 100 000 runs are about 1.6 GB, twice that while the batches are concatenated.  More runs: `stavka
# sweep`, which streams chunks into the store.
MAX_RUNS_IN_MEMORY = 100_000


class ConfigError(ValueError):
    """A user's configuration is wrong; the message is one line, fit for the terminal."""


def _scalar_kind(annotation: Any) -> type | None:
    """bool, int or float if a field holds one of them (or None besides), else None."""
    if annotation in (bool, int, float):
        return annotation  # type: ignore[no-any-return]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(kinds) == 1 and kinds[0] in (bool, int, float):
            return kinds[0]  # type: ignore[no-any-return]
    return None


def check_scalar_type(model: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """Refuse the conversions pydantic's lax mode would make silently: a boolean or a string for a
    number (`true` is not 1, "3" is not 3), a number or a string for a boolean.  NumPy scalars are
    fine.  (Strict mode would refuse NumPy integers and lists for tuples, so it is not used.)"""
    field = model.model_fields.get(info.field_name or "")
    kind = _scalar_kind(field.annotation) if field is not None else None
    if kind is None or value is None:
        return value
    is_bool = isinstance(value, bool | np.bool_)
    if kind is bool:
        if not is_bool:
            raise PydanticCustomError("bool_type", "expected true or false")
    elif is_bool or isinstance(value, str | bytes):
        raise PydanticCustomError("number_type", "expected an integer" if kind is int else "expected a number")
    return value


def refuse(message: str) -> PydanticCustomError:
    """A validation error whose message names its field itself (`_describe` prints it as it is)."""
    return PydanticCustomError("stavka", "{message}", {"message": message})


class _ScalarTypes(BaseModel):
    """Numbers are finite and never booleans or strings; booleans are booleans."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _scalar_types(cls, value: Any, info: ValidationInfo) -> Any:
        return check_scalar_type(cls, value, info)


class _Section(_ScalarTypes):
    pass


class ScenarioInfo(_Section):
    name: str = param("default", "the scenario's name", "label", None, "modelling choice: a label for the store")
    description: str = param("", "a line about the scenario", "text", None, "modelling choice: a label for the store")
    start: str = param("1937-01", "first month", "month YYYY-MM", None, "MODEL.md §2: the model runs 1937-48")
    end: str = param("1948-12", "last month", "month YYYY-MM", None, "MODEL.md §2: the model runs 1937-48")
    war_start: str = param("1941-06", "month the war begins", "month YYYY-MM", None, "facts B: 22 June 1941")
    follow_record_until: str = param(
        "",
        "the named officers follow the record (stavka.record) in the months before this one; from it on the doctrine "
        "decides ('': free runs)",
        "month YYYY-MM or ''",
        None,
        "modelling choice: history as a track, branching from it (docs/record.md)",
    )

    @field_validator("start", "end", "war_start")
    @classmethod
    def _month(cls, v: str) -> str:
        parse_month(v)
        return v

    @field_validator("follow_record_until")
    @classmethod
    def _follow_month(cls, v: str) -> str:
        if v:
            try:
                parse_month(v)
            except ValueError:
                raise refuse(f"scenario.follow_record_until: {v!r} is not a month; expected YYYY-MM, e.g. 1941-07") from None
        return v

    @model_validator(mode="after")
    def _order(self) -> ScenarioInfo:
        start, end, war = (parse_month(m) for m in (self.start, self.end, self.war_start))
        if end < start:
            raise refuse(f"scenario.end: {self.end} is before scenario.start {self.start}")
        if not start <= war <= end:
            raise refuse(f"scenario.war_start: {self.war_start} is outside the scenario, {self.start} .. {self.end}")
        if self.follow_record_until:
            from .record.follow import check_follow  # (the record's span is the record module's)

            message = check_follow(self.start, self.end, self.follow_record_until)
            if message:
                raise refuse(f"scenario.follow_record_until: {message}")
        return self


SLOTS = "modelling choice: sets the corps' size (docs/model.md §7.13)"


class Corps(_Section):
    """The officer corps at the start and its hidden traits (M1)."""

    n_officers: int = param(
        320,
        "officer slots per run",
        "officers",
        (280, 400),
        "modelling choice: the 156 posts active at the start, the named roster and a reserve",
        ge=40,
        le=20000,
    )
    use_roster: bool = param(
        True, "seed the corps with the named historical commanders", "switch", None, "../shared/reference/commanders.csv"
    )
    competence_mean: float = param(
        0.5,
        "mean true competence of a generated officer",
        "trait on [0, 1]",
        (0.4, 0.6),
        "modelling choice: the scale's midpoint",
        gt=0,
        lt=1,
    )
    loyalty_mean: float = param(
        0.75,
        "mean true loyalty of a generated officer",
        "trait on [0, 1]",
        (0.6, 0.9),
        "facts A, B10: most victims were accused falsely, so most officers were loyal",
        gt=0,
        lt=1,
    )
    ambition_mean: float = param(
        0.35,
        "mean ambition of a generated officer",
        "trait on [0, 1]",
        (0.2, 0.5),
        "modelling choice: ambition below the midpoint, challenges are rare (M4)",
        gt=0,
        lt=1,
    )
    trait_concentration: float = param(
        6.0,
        "Beta concentration a+b of trait priors",
        "Beta a+b",
        (3.0, 12.0),
        "modelling choice: sd about 0.18 at mean 0.5",
        gt=1,
        le=1000,
    )
    rank_competence_gain: float = param(
        0.03,
        "mean competence gain per rank step",
        "competence per rank",
        (0.0, 0.06),
        "modelling choice: rank tells a little about competence",
        ge=0,
        le=1,
    )
    patron_share: float = param(
        0.8,
        "share of officers with a patron (clique ties)",
        "share",
        (0.5, 0.95),
        "seeds 000, 001: cliques and guilt by association (M14)",
        ge=0,
        le=1,
    )
    competence_mean_min: float = param(
        0.05,
        "the mean competence of a rank is at least this",
        "trait on [0, 1]",
        (0.02, 0.2),
        "modelling choice: keeps the Beta priors proper",
        gt=0,
        lt=1,
    )
    competence_mean_max: float = param(
        0.95, "... and at most this", "trait on [0, 1]", (0.8, 0.98), "modelling choice: keeps the Beta priors proper", gt=0, lt=1
    )
    roster_concentration: float = param(
        20.0,
        "Beta concentration a+b of a named officer's traits (around his roster values)",
        "Beta a+b",
        (10.0, 40.0),
        "modelling choice: the record tells more about a named man",
        gt=1,
        le=1000,
    )
    staff_posted: bool = param(
        True,
        "a named officer of a staff, academy or directorate post at the start holds a corps-level post (else the reserve)",
        "switch",
        None,
        "modelling choice: careers_1936_41.csv, the men of 1941 held staff and academy posts in 1937 (Pavlov, Kirponos, "
        "F. I. Kuznetsov, M. M. Popov); the corps posts are the pipeline of the career ladder",
    )
    client_loyalty: float = param(
        0.95,
        "the ruler's prior belief in the loyalty of his own clients (roster column ruler_client)",
        "loyalty on [0, 1]",
        (0.85, 0.99),
        "modelling choice: the Tsaritsyn and First Cavalry Army men (Voroshilov, Budyonny, ...) were his own; facts A7",
        ge=0,
        le=1,
    )
    client_belief_var: float = param(
        0.001,
        "variance of that belief: he knows his own men, so dossiers move it little",
        "loyalty^2",
        (0.0005, 0.01),
        "modelling choice",
        gt=0,
        le=1,
    )
    dossier_suspicion: float = param(
        1.5,
        "the organ's suspicion at the start of an officer with a file from before 1937 (roster column dossier)",
        "suspicion",
        (0.5, 3.0),
        "modelling choice: Tukhachevsky, named in the 1930 'Vesna' testimonies; Primakov and Putna, arrested 1936 (facts A8)",
        ge=0,
        le=100,
    )
    age_base: float = param(
        36.0, "mean age of a generated Colonel at the start", "years", (32.0, 40.0), "modelling choice", gt=15, le=80
    )
    age_per_rank: float = param(
        3.5, "mean age added per rank step", "years per rank", (2.0, 5.0), "modelling choice", ge=0, le=20
    )
    age_span: float = param(
        8.0, "generated ages are uniform over this span around the mean", "years", (4.0, 12.0), "modelling choice", ge=0, le=40
    )


class Posts(_Section):
    n_fronts: int = param(14, "front slots", "fronts", (13, 16), "facts H22: the 1943 peak of 13 plus one", ge=1, le=30)
    armies_per_front: int = param(
        3, "army posts per front", "armies", (2, 5), "modelling choice: real fronts had 3-10 armies", ge=0, le=8
    )
    n_districts: int = param(
        12, "military district posts", "districts", (8, 16), "modelling choice: the rear districts named in the code", ge=1, le=40
    )
    n_staff: int = param(4, "General Staff posts (chief first)", "posts", (2, 6), SLOTS, ge=1, le=20)
    n_corps: int = param(120, "corps and division commands (the pipeline)", "posts", (80, 200), SLOTS, ge=0, le=5000)


# Pressure, quality and mobilisation are factors on the fronts' odds and strength (defaults 0.55 .. 1.9). They
# must be positive (the odds take their logarithm: 0 or less gives NaN).  10 is five times the largest
# default: a pressure of 10 alone puts a full-strength front at odds of about 1:17, a retreat near 200 km a
# month; more is no longer this war, and is most likely a typing error.
CALENDAR_FACTOR_MAX = 10.0


class CalendarInput(_Section):
    """Exogenous calendar: fronts open by date while the war lasts; the enemy's offensive rhythm.

    Entries dated before `scenario.start` are allowed (the last of them is in force at the start);
    entries after `scenario.end` are refused: they would never take effect.  A date appears once."""

    fronts: list[tuple[str, StrictInt]] = param(
        [
            ("1941-06", 5),
            ("1941-08", 7),
            ("1941-10", 9),
            ("1941-12", 10),
            ("1942-07", 11),
            ("1943-01", 12),
            ("1943-10", 13),
            ("1944-06", 11),
            ("1945-02", 9),
            ("1945-05", 8),
        ],
        "number of fronts from each date while the war lasts",
        "dated counts",
        None,
        "facts H22",
    )
    enemy_pressure: list[tuple[str, StrictFloat]] = param(
        [
            ("1941-06", 1.9),
            ("1941-12", 0.6),
            ("1942-05", 1.25),
            ("1942-12", 0.55),
            ("1943-07", 0.9),
            ("1943-09", 0.6),
            ("1943-11", 0.95),
            ("1944-06", 0.6),
            ("1945-01", 0.7),
        ],
        "the enemy's offensive rhythm: factor on his strength in the odds",
        "dated factors",
        None,
        "MODEL.md §6.10 and ../shared/reference/front_line.md; tuned by hand (docs/model.md §11.3); 1943-11 .. 1944-05 "
        "the line held (record/front_line.csv: 495-530 km Oct-Dec 1943, 356 km Apr-May 1944) and Bagration from "
        "1944-06 (docs/model.md §11.7)",
        min_length=1,
    )
    enemy_quality: list[tuple[str, StrictFloat]] = param(
        [("1941-06", 1.5), ("1942-06", 1.3), ("1943-06", 1.1), ("1944-06", 1.0), ("1945-01", 0.95)],
        "the enemy's quality: factor on his strength in the odds",
        "dated factors",
        None,
        "modelling choice: the Wehrmacht's edge shrinking from 1941; tuned by hand (docs/model.md §11.3)",
        min_length=1,
    )
    mobilisation: list[tuple[str, StrictFloat]] = param(
        [("1941-06", 1.0), ("1942-01", 1.2), ("1943-01", 1.4), ("1944-01", 1.45)],
        "own strength a front is refilled toward, in units of operations.own_strength",
        "dated factors",
        None,
        "modelling choice: the growth of the Red Army; tuned by hand (docs/model.md §11.3)",
        min_length=1,
    )

    @field_validator("fronts", "enemy_pressure", "enemy_quality", "mobilisation")
    @classmethod
    def _dated(cls, v: list[tuple[str, Any]], info: ValidationInfo) -> list[tuple[str, Any]]:
        where = f"calendar.{info.field_name}"
        seen: dict[tuple[int, int], str] = {}
        out = []
        for label, value in v:
            try:
                y, m = parse_month(label)
            except ValueError as exc:
                raise refuse(f"{where}: {exc}") from None
            if (y, m) in seen:
                raise refuse(f"{where}: the month {label} is given twice")
            seen[y, m] = label
            if info.field_name == "fronts":
                if value < 0:
                    raise refuse(f"{where}: {label}: expected a number of fronts >= 0 (got {value!r})")
            elif not 0 < value <= CALENDAR_FACTOR_MAX:
                raise refuse(f"{where}: {label}: expected a factor > 0 and <= {CALENDAR_FACTOR_MAX:g} (got {value!r})")
            out.append((f"{y:04d}-{m:02d}", value))
        return sorted(out)


CHOICE = "modelling choice"
HAND = "modelling choice, tuned by hand (docs/model.md §11.3)"


class Security(_Section):
    """The security organ (M14): denunciations, suspicion, quota arrests, trials (M10)."""

    denounce_rate: float = param(
        0.01,
        "monthly denunciation hazard of an officer, baseline",
        "hazard/month",
        (0.003, 0.03),
        f"{CHOICE}; calibration target: the 1937-38 toll, facts A1-A5",
        ge=0,
        le=1,
    )
    quota_denounce_boost: float = param(
        6.0,
        "multiplier of the hazard in a quota phase",
        "factor",
        (2.0, 10.0),
        f"{CHOICE}: a purge phase multiplies the hazard by 7 (seeds 001, 003: quotas)",
        ge=0,
        le=100,
    )
    fear_denounce_boost: float = param(
        2.0,
        "fearful peers denounce more: factor per unit of mean fear",
        "factor",
        (0.5, 4.0),
        f"{CHOICE} (M13, M14)",
        ge=0,
        le=100,
    )
    association_boost: float = param(
        3.0,
        "extra hazard when the patron is repressed",
        "factor",
        (1.0, 6.0),
        f"{CHOICE}: guilt by association, x4 (seeds 000, 001)",
        ge=0,
        le=100,
    )
    rank_denounce: float = param(
        0.25,
        "extra denunciation hazard per rank step: senior men attract denunciations",
        "factor per rank step",
        (0.0, 0.5),
        f"{CHOICE}: facts A3, senior ranks were hit much harder",
        ge=0,
        le=100,
    )
    watched_denounce: float = param(
        2.0,
        "extra denunciation hazard of a watched crisis appointee",
        "factor",
        (0.5, 4.0),
        f"{CHOICE}: seed 001, 'REMEMBER WHO GAVE YOU THIS COMMAND' (M6)",
        ge=0,
        le=100,
    )
    accuracy: float = param(0.35, "weight of true disloyalty in a denunciation", "suspicion", (0.1, 0.6), CHOICE, ge=0, le=1)
    false_accusation: float = param(
        0.35,
        "organ's tendency to inflate evidence",
        "suspicion",
        (0.1, 0.6),
        f"{CHOICE}: equal to accuracy, half of a denunciation's signal is noise (M14)",
        ge=0,
        le=1,
    )
    suspicion_decay: float = param(
        0.97,
        "share of suspicion kept from month to month",
        "share/month",
        (0.9, 0.995),
        f"{CHOICE}: half-life about 23 months",
        ge=0,
        le=1,
    )
    quota_jitter: float = param(
        0.05,
        "noise added to suspicion when the organ picks its quota arrests",
        "suspicion",
        (0.0, 0.2),
        f"{CHOICE}: the organ's choice is not exact",
        ge=0,
        le=1,
    )
    trial_delay: int = param(
        3,
        "months in custody before trial",
        "months",
        (1, 12),
        f"{CHOICE}: the June 1937 trial came three weeks after arrest (facts A7-A8), Yegorov's "
        "execution about a year after (facts A7)",
        ge=1,
        le=24,
    )
    interrogation_trauma: float = param(
        0.3, "trauma per interrogation (M5)", "trauma on [0, 1]", (0.1, 0.5), f"{CHOICE}: seed 001", ge=0, le=1
    )
    custody_grievance: float = param(
        0.2,
        "grievance from the first month's interrogation in custody",
        "grievance on [0, 1]",
        (0.05, 0.4),
        f"{CHOICE}: seed 001",
        ge=0,
        le=1,
    )
    expulsion_share: float = param(
        0.058,
        "chance that a Colonel (Kombrig) denounced in a purge phase is expelled from the party and discharged",
        "probability",
        (0.02, 0.2),
        f"{CHOICE}: Reese's second process (facts A6); facts A1 counts 14,684 political discharges against "
        "9,506 arrests in 1937-38",
        ge=0,
        le=1,
    )
    expulsion_rank_slope: float = param(
        0.67,
        "the expulsion chance falls by this share of itself per rank step",
        "share per rank step",
        (0.3, 0.9),
        f"{CHOICE}: at the top the discharged were nearly all arrested (facts A3: 71 of 74 komkors, all "
        "komandarms and marshals; 172 of 266 kombrigs)",
        ge=0,
        le=1,
    )
    sanction_rank: int = param(
        3,
        "least rank whose arrest by quota needs the ruler's sanction",
        "rank",
        (2, 5),
        f"{CHOICE}: the arrest lists of senior men went to the Politburo; facts A7 (Voroshilov and Budyonny, "
        "his own men, never arrested)",
        ge=0,
        le=6,
    )
    sanction_loyalty: float = param(
        0.85,
        "believed loyalty at or above which the ruler refuses that sanction",
        "loyalty on [0, 1]",
        (0.75, 0.95),
        f"{CHOICE}: he protects the men he trusts (corps.client_loyalty)",
        ge=0,
        le=1,
    )


class Ruler(_Section):
    """The ruler's beliefs (M1), paranoia, attention and observation."""

    attention: int = param(8, "personnel decisions per month", "decisions/month", (4, 16), CHOICE, ge=0, le=1000)
    distinction_reading: float = param(
        0.95,
        "the competence the ruler reads into a named officer's distinction in the small wars of 1936-40",
        "competence on [0, 1]",
        (0.6, 0.99),
        f"{CHOICE}: heroes of Spain, Khalkhin Gol and Finland were raised fast (careers_1936_41.csv: Pavlov "
        "kombrig to komkor after Spain, Kirponos division to district in six months)",
        ge=0,
        le=1,
    )
    staff_distinction_reading: float = param(
        0.75,
        "the competence the ruler reads into a distinction earned on a staff or as an adviser, not commanding the force",
        "competence on [0, 1]",
        (0.5, 0.95),
        f"{CHOICE}: the small wars made their commanders' names (Zhukov, Meretskov, Kirponos: Heroes, then districts); "
        "Govorov (artillery staff, Finland) and Malinovsky (adviser, Spain) were decorated and promoted but rose no "
        "further in June 1940 (careers_1936_41.csv: Major General both); below the reshuffle's bar of 0.8 by design",
        ge=0,
        le=1,
    )
    distinction_noise: float = param(
        0.08,
        "sd of that reading: a war tells more than a peacetime service record",
        "competence",
        (0.05, 0.4),
        CHOICE,
        gt=0,
        le=10,
    )
    distinction_promotion: bool = param(
        True,
        "a distinction brings promotion by one rank (not above Army General)",
        "switch",
        None,
        f"{CHOICE}: Zhukov Komkor after Khalkhin Gol, Kirponos Komdiv then Lieutenant General after Finland "
        "(careers_1936_41.csv)",
    )
    distinction_popularity: float = param(
        0.3,
        "popularity a distinction brings",
        "popularity",
        (0.1, 0.6),
        f"{CHOICE}: a Hero of the Soviet Union is known",
        ge=0,
        le=1.5,
    )
    crisis_attention: int = param(
        4, "extra decisions in a month after a collapse", "decisions/month", (0, 8), CHOICE, ge=0, le=1000
    )
    prior_var: float = param(
        0.04, "variance of the prior beliefs about a trait on [0, 1]", "variance", (0.02, 0.08), f"{CHOICE}: sd 0.2", gt=0, le=1
    )
    observe_noise: float = param(
        0.25, "sd of competence read from one month's result", "sd of competence", (0.1, 0.5), CHOICE, gt=0, le=10
    )
    army_noise_factor: float = param(
        1.5,
        "sd of an army commander's reading, relative to a front commander's",
        "factor",
        (1.0, 2.5),
        f"{CHOICE}: the front's result tells less of each army",
        gt=0,
        le=100,
    )
    record_noise_war: float = param(
        2.0,
        "sd of the service record's reading of competence in war, in units of observe_noise",
        "factor",
        (1.0, 4.0),
        f"{CHOICE}: every post shows a little of a man's competence",
        gt=0,
        le=100,
    )
    record_noise_peace: float = param(
        3.0, "the same in peace", "factor", (1.5, 6.0), f"{CHOICE}: peace shows less than war", gt=0, le=100
    )
    organ_noise: float = param(
        0.35, "sd of loyalty read from security reports", "sd of loyalty", (0.15, 0.6), CHOICE, gt=0, le=10
    )
    organ_trust_floor: float = param(
        0.02,
        "least trust in the organ: its noise is organ_noise / sqrt(trust)",
        "share",
        (0.005, 0.1),
        f"{CHOICE}: the organ always counts a little (M14)",
        gt=0,
        le=1,
    )
    dossier_threshold: float = param(
        0.05,
        "suspicion above which the organ reports on an officer",
        "suspicion",
        (0.01, 0.2),
        f"{CHOICE}: a dossier needs some evidence",
        ge=0,
        le=100,
    )
    withdrawal_loyalty: float = param(
        0.2,
        "loyalty read from a withdrawal against orders",
        "loyalty on [0, 1]",
        (0.0, 0.5),
        f"{CHOICE}: seed 001, 'makes enemies in the capital' (M7)",
        ge=0,
        le=1,
    )
    withdrawal_noise: float = param(0.2, "sd of that reading", "sd of loyalty", (0.1, 0.4), CHOICE, gt=0, le=10)
    interrogation_noise: float = param(
        0.15,
        "sd of loyalty read by interrogation (M5)",
        "sd of loyalty",
        (0.05, 0.3),
        f"{CHOICE}: sharper than the organ's, as seed 001 has it",
        gt=0,
        le=10,
    )
    report_bias_km: float = param(
        40.0,
        "how much a fully afraid commander overstates (M13)",
        "km",
        (0.0, 80.0),
        f"{CHOICE}: seed 000, 'maps never show fear'",
        ge=0,
        le=1000,
    )
    paranoia_start: float = param(0.5, "initial and resting paranoia", "paranoia on [0, 1]", (0.3, 0.7), CHOICE, ge=0, le=1)
    paranoia_decay: float = param(
        0.03, "monthly reversion of paranoia to its resting level", "share/month", (0.01, 0.08), CHOICE, ge=0, le=1
    )
    paranoia_popularity: float = param(
        0.06,
        "rise per month per unit of top popularity above the floor",
        "paranoia/month",
        (0.02, 0.15),
        f"{CHOICE}: seed 000, the ruler fears an independent victor (M4)",
        ge=0,
        le=100,
    )
    paranoia_popularity_floor: float = param(
        0.3, "top popularity above which paranoia rises", "popularity", (0.1, 0.6), CHOICE, ge=0, le=1.5
    )
    paranoia_challenge: float = param(0.3, "rise of paranoia per challenge", "paranoia", (0.1, 0.5), CHOICE, ge=0, le=100)
    autonomy_rate: float = param(
        0.04,
        "monthly chance a capable, unafraid officer asks for autonomy",
        "probability/month",
        (0.01, 0.1),
        f"{CHOICE}: seed 001 (M5)",
        ge=0,
        le=1,
    )
    autonomy_competence: float = param(
        2.0,
        "factor of competence in the wish for autonomy",
        "factor",
        (1.0, 3.0),
        f"{CHOICE}: 2 makes the factor 1 at the mean competence 0.5",
        ge=0,
        le=100,
    )
    autonomy_ambition: float = param(
        2.0,
        "factor of ambition in the wish for autonomy",
        "factor",
        (1.0, 3.0),
        f"{CHOICE}: 2 makes the factor 1 at ambition 0.5",
        ge=0,
        le=100,
    )


class Command(_Section):
    """What the ruler's personnel actions do to the officer (step 4; M2-M6, M12)."""

    release_suspicion: float = param(
        0.5,
        "share of suspicion kept by a released officer",
        "share",
        (0.2, 0.8),
        f"{CHOICE}: seed 003, Rokossovsky released in 1940 under a cloud (M10)",
        ge=0,
        le=1,
    )
    release_grievance: float = param(
        0.2, "grievance of a released officer", "grievance on [0, 1]", (0.05, 0.4), CHOICE, ge=0, le=1
    )
    interrogation_grievance: float = param(
        0.25,
        "grievance from an interrogation of a serving officer (M5)",
        "grievance on [0, 1]",
        (0.1, 0.4),
        f"{CHOICE}: seed 001",
        ge=0,
        le=1,
    )
    interrogation_fear: float = param(
        0.2,
        "fear from an interrogation of a serving officer (M5)",
        "fear on [0, 1]",
        (0.05, 0.4),
        f"{CHOICE}: seed 001",
        ge=0,
        le=1,
    )
    demotion_grievance: float = param(0.2, "grievance from a demotion", "grievance on [0, 1]", (0.05, 0.4), CHOICE, ge=0, le=1)
    removal_grievance: float = param(
        0.1, "grievance from a removal from post", "grievance on [0, 1]", (0.0, 0.3), CHOICE, ge=0, le=1
    )
    sideline_grievance: float = param(
        0.2,
        "grievance of a sidelined marshal",
        "grievance on [0, 1]",
        (0.05, 0.4),
        f"{CHOICE}: facts G21 (Zhukov, 1946)",
        ge=0,
        le=1,
    )
    rotation_popularity: float = param(
        0.6,
        "share of popularity kept by a rotated commander",
        "share",
        (0.3, 0.9),
        f"{CHOICE}: seed 000, influence spread thin (M4)",
        ge=0,
        le=1,
    )
    sideline_popularity: float = param(
        0.5, "share of popularity kept by a sidelined marshal", "share", (0.2, 0.8), f"{CHOICE}: facts G21", ge=0, le=1
    )
    rank_slack: int = param(
        1,
        "ranks below a post's minimum rank at which an officer may still hold it",
        "rank steps",
        (0, 2),
        f"{CHOICE}: appointments one rank up were common",
        ge=0,
        le=5,
    )
    lateral_moves: bool = param(
        False,
        "a vacancy may be filled by the holder of another post of the same kind (else only from below)",
        "switch",
        None,
        "modelling choice: vacancies filled by promotion from below (the career ladder); a move between two "
        "corps or two armies is no promotion",
    )
    crisis_from_staff: bool = param(
        True,
        "in a front's collapse its vacant command may be filled from the staff (the Chief of the General Staff "
        "included), and in war a front commander is not taken back for a staff post",
        "switch",
        None,
        "commanders.csv, facts.md: in the crises of 1941 the ruler sent the general he believed most competent "
        "from the General Staff to the fronts (Zhukov: Reserve Front Jul 1941, Leningrad Sep 1941, Western Oct "
        "1941); front commanders stayed at the front, the staff was filled from below (Vasilevsky, Antonov)",
    )
    ladder_rate: float = param(
        0.2,
        "monthly chance an officer settled in a post below its establishment rank is promoted in it",
        "probability/month",
        (0.02, 0.3),
        "modelling choice: the career ladder, purge vacancies filled from below (careers_1936_41.csv: "
        "komdiv to Army General in three years, Zhukov, Kirponos, Pavlov)",
        ge=0,
        le=1,
    )
    ladder_tenure: int = param(
        4,
        "months in a post before that promotion",
        "months",
        (3, 24),
        "modelling choice: promotions of 1937-40 came within months of an appointment",
        ge=0,
        le=120,
    )
    ladder_rank_steps: int = param(
        1,
        "a post's establishment rank: its minimum rank plus this many steps",
        "rank steps",
        (0, 2),
        "modelling choice: an army (minimum Komkor) is commanded by a Komandarm 2nd rank, a front by an Army General",
        ge=0,
        le=5,
    )
    marshal_cap: int = param(
        11,
        "the most serving officers a Marshal's rank may hold: no promotion into it when full; 0: no cap",
        "officers",
        (6, 20),
        "en.wikipedia.org/wiki/Marshal_of_the_Soviet_Union (facts.md A7): the most Marshals serving at once in "
        "1935-45 was 11, in May 1945 (Voroshilov, Budyonny, Timoshenko, Zhukov, Vasilevsky, Konev, Govorov, "
        "Rokossovsky, Malinovsky, Tolbukhin, Meretskov); the rank was conferred one man at a time, by decree",
        ge=0,
        le=1000,
    )
    army_general_cap: int = param(
        10,
        "the most serving officers an Army General's rank may hold: no promotion into it when full; 0: no cap",
        "officers",
        (5, 20),
        "en.wikipedia.org/wiki/Army_General_(Soviet_Union): 3 created in June 1940, 5 serving in June 1941; "
        "about 10 serving in May 1945 (Tyulenev, Antonov, Bagramyan, Yeryomenko, Sokolovsky, Petrov, "
        "Maslennikov, Khrulev, Purkayev, Bulganin; the May 1945 count is approximate, flagged)",
        ge=0,
        le=1000,
    )
    watch_loyalty: float = param(
        0.6,
        "believed loyalty under which a crisis appointee is watched (or any trauma)",
        "loyalty on [0, 1]",
        (0.4, 0.8),
        f"{CHOICE}: seed 001 (M6)",
        ge=0,
        le=1,
    )


class Operations(_Section):
    """Each front's fight (M7, M8): strengths, odds, line movement, encirclement, casualties."""

    own_strength: float = param(450_000, "men per front at full strength", "men", (300_000, 700_000), HAND, gt=0, le=1e8)
    new_front_strength: float = param(
        0.6, "share of full strength a newly opened front starts with", "share", (0.3, 0.9), CHOICE, gt=0, le=1
    )
    enemy_strength: float = param(
        760_000,
        "enemy men facing one front at the start (3.8M / 5)",
        "men",
        (600_000, 900_000),
        f"{HAND}: 3.8 million invaders over the five border fronts",
        gt=0,
        le=1e8,
    )
    km_per_log_odds: float = param(70.0, "line movement per unit of log-odds", "km/month", (40.0, 120.0), CHOICE, gt=0, le=1000)
    noise_km: float = param(25.0, "sd of a month's line movement", "km", (10.0, 50.0), CHOICE, ge=0, le=1000)
    max_retreat_km: float = param(
        350.0,
        "a month's retreat is clipped to this",
        "km",
        (250.0, 500.0),
        f"{CHOICE}: about the worst month of 1941",
        gt=0,
        le=1000,
    )
    max_advance_km: float = param(
        250.0,
        "a month's advance is clipped to this",
        "km",
        (150.0, 400.0),
        f"{CHOICE}: about the best month of 1944",
        gt=0,
        le=1000,
    )
    hold_ground_factor: float = param(0.6, "share of the retreat left when holding", "factor", (0.3, 0.9), CHOICE, gt=0, le=100)
    initiative_ground_factor: float = param(
        1.25, "retreat multiplier under initiative", "factor", (1.0, 1.6), CHOICE, gt=0, le=100
    )
    encircle_base: float = param(0.07, "scale of the encirclement hazard", "hazard/month", (0.03, 0.15), CHOICE, ge=0, le=100)
    encircle_quality: float = param(
        1.5,
        "the encirclement hazard is proportional to this less command quality (at most 1)",
        "quality",
        (1.2, 2.0),
        f"{CHOICE}: good command halves the hazard",
        ge=1,
        le=100,
    )
    hold_encircle_factor: float = param(
        2.5, "hold orders under pressure raise encirclement", "factor", (1.5, 4.0), f"{CHOICE}: seeds 001, 003 (M7)", gt=0, le=100
    )
    initiative_encircle_factor: float = param(0.45, "initiative lowers encirclement", "factor", (0.2, 0.8), CHOICE, gt=0, le=100)
    encirclement_km: float = param(60.0, "extra retreat of an encircled front", "km", (20.0, 120.0), CHOICE, ge=0, le=1000)
    pocket_killed: float = param(
        0.3, "chance the commander caught in a pocket is killed", "probability", (0.1, 0.5), CHOICE, ge=0, le=1
    )
    pocket_escape: float = param(
        0.35,
        "chance he gets out of it (the rest are captured)",
        "probability",
        (0.2, 0.6),
        f"{CHOICE}: seed 003, Vlasov captured (M8)",
        ge=0,
        le=1,
    )
    vacancy_quality: float = param(0.2, "command quality of an empty post", "quality", (0.1, 0.35), CHOICE, ge=0, le=1)
    vacancy_fear: float = param(
        0.5,
        "fear read for a front without a commander",
        "fear on [0, 1]",
        (0.15, 0.8),
        f"{CHOICE}: the scale's midpoint",
        ge=0,
        le=1,
    )
    front_weight: float = param(
        0.5, "weight of the front commander in command quality (the armies': the rest)", "weight", (0.3, 0.7), CHOICE, ge=0, le=1
    )
    quality_offset: float = param(
        0.5, "odds factor of a command of quality 0 (the factor is this + quality)", "factor", (0.3, 1.0), CHOICE, gt=0, le=100
    )
    trauma_dulling: float = param(
        0.5,
        "share of competence a fully traumatised commander loses (M5)",
        "share",
        (0.2, 0.8),
        f"{CHOICE}: seed 001",
        ge=0,
        le=1,
    )
    experience_gain: float = param(
        0.15,
        "share of competence shown only with full war experience (M11)",
        "share",
        (0.05, 0.3),
        f"{CHOICE}: seed 002",
        ge=0,
        le=1,
    )
    experience_months: float = param(
        24.0, "months of war command for full experience", "months", (12.0, 48.0), CHOICE, gt=0, le=240
    )
    settle_share: float = param(
        0.75,
        "share of competence shown in a post just taken over (M4)",
        "share",
        (0.5, 0.95),
        f"{CHOICE}: what rotation costs, seed 000",
        ge=0,
        le=1,
    )
    settle_months: float = param(4.0, "months in a post to show all of it", "months", (1.0, 12.0), CHOICE, gt=0, le=120)
    interference: float = param(
        0.15, "quality lost when the ruler does not listen", "quality", (0.05, 0.3), f"{CHOICE}: seed 002 (M11)", ge=0, le=1
    )
    fear_initiative: float = param(0.5, "share of initiative suppressed by fear (M13)", "share", (0.2, 0.8), CHOICE, ge=0, le=1)
    loss_rate: float = param(
        0.035, "monthly share of a front's men lost at even odds", "share/month", (0.02, 0.06), CHOICE, ge=0, le=1
    )
    enemy_loss_rate: float = param(
        0.03, "the enemy's monthly loss share at even odds", "share/month", (0.015, 0.05), CHOICE, ge=0, le=1
    )
    enemy_loss_odds_min: float = param(
        0.3, "odds below which the enemy's losses fall no further", "odds", (0.1, 0.5), CHOICE, gt=0, le=100
    )
    enemy_loss_odds_max: float = param(3.0, "odds above which they rise no further", "odds", (2.0, 5.0), CHOICE, gt=0, le=100)
    encirclement_losses: float = param(0.2, "share of a front's men lost in a pocket", "share", (0.1, 0.35), CHOICE, ge=0, le=1)
    min_strength: float = param(
        1000.0,
        "a front's or the enemy's men never fall below this",
        "men",
        (100.0, 10_000.0),
        f"{CHOICE}: a front is never emptied (its odds stay finite)",
        gt=0,
        le=1e6,
    )
    reinforce: float = param(
        0.12, "monthly refill toward strength x mobilisation", "share/month", (0.06, 0.2), CHOICE, ge=0, le=1
    )
    enemy_reinforce: float = param(
        0.05, "the enemy's monthly refill toward his initial strength", "share/month", (0.02, 0.1), CHOICE, ge=0, le=1
    )
    enemy_reserve: float = param(
        2.0,
        "enemy replacement pool in units of initial strength",
        "factor",
        (1.0, 3.0),
        f"{HAND}: x 5 fronts, 7.6 million men",
        ge=0,
        le=100,
    )
    enemy_exhausted: float = param(
        0.15,
        "the war is won when the enemy's men fall below this share of his strength at the start (x 5 border fronts)",
        "share",
        (0.05, 0.3),
        CHOICE,
        ge=0,
        le=1,
    )
    kill_rate: float = param(
        0.004, "monthly death hazard of a front or army commander", "probability/month", (0.001, 0.01), CHOICE, ge=0, le=1
    )
    encircled_kill_factor: float = param(
        3.0, "that hazard's multiplier on an encircled front", "factor", (1.5, 6.0), CHOICE, ge=0, le=100
    )
    unauthorised_withdrawal: float = param(
        0.5, "scale of M7 withdrawals against orders", "probability", (0.2, 0.8), f"{CHOICE}: seed 001 (M7)", ge=0, le=1
    )
    withdrawal_odds: float = param(
        0.75,
        "odds under which a commander under hold orders may withdraw",
        "odds",
        (0.5, 1.0),
        f"{CHOICE}: he sees the trap (M7)",
        gt=0,
        le=100,
    )
    withdrawal_loyalty: float = param(
        0.5, "how much loyalty holds him back: factor 1 - this x loyalty", "factor", (0.2, 0.8), CHOICE, ge=0, le=1
    )
    withdrawal_suspicion: float = param(
        0.3,
        "suspicion a withdrawal against orders earns",
        "suspicion",
        (0.1, 0.6),
        f"{CHOICE}: seed 001, 'makes enemies in the capital'",
        ge=0,
        le=100,
    )
    enemy_supply_km: float = param(
        800.0,
        "depth inside the 1941 border beyond which the enemy's strength at the front falls (his supply lines)",
        "km",
        (600.0, 1000.0),
        f"{CHOICE}: the record's line culminated at 840-890 km (Moscow Nov 1941, Stalingrad Aug 1942; record/front_line.csv)",
        ge=0,
        le=5000,
    )
    enemy_supply_halving_km: float = param(
        400.0,
        "further depth that halves the enemy's strength at the front",
        "km",
        (200.0, 800.0),
        f"{CHOICE}: strength / (1 + excess / this); van Creveld's railheads argument, calibrated to the line by month",
        gt=0,
        le=10000,
    )
    rail_repair_km: float = param(
        30.0,
        "our railhead's monthly advance behind an advancing line (the railways the enemy wrecked, rebuilt)",
        "km/month",
        (15.0, 60.0),
        f"{CHOICE}: the record's steady pace of 1943-44, about 25-30 km a month (record/front_line.csv, 1943-09 to 1944-06)",
        gt=0,
        le=1000,
    )
    own_supply_km: float = param(
        300.0,
        "distance ahead of our railhead beyond which own strength at the front falls (the lorries' reach)",
        "km",
        (100.0, 400.0),
        f"{CHOICE}: the bursts and halts: Bagration's 300 km, then the Vistula, Aug 1944 - Jan 1945",
        ge=0,
        le=5000,
    )
    own_supply_halving_km: float = param(
        300.0,
        "further distance that halves own strength at the front",
        "km",
        (200.0, 800.0),
        f"{CHOICE}: as enemy_supply_halving_km; calibrated to record/front_line.csv (border Jul-Oct 1944, victory May 1945)",
        gt=0,
        le=10000,
    )
    victory_depth_km: float = param(-600.0, "line (km east of the 1941 border) that ends the war", "km", (-800.0, -400.0), HAND)
    defeat_depth_km: float = param(1700.0, "mean depth at which the state collapses", "km", (1400.0, 2000.0), CHOICE)
    collapse_km: float = param(
        120.0, "a month's retreat that counts as a collapse", "km", (80.0, 180.0), f"{CHOICE} (crisis, M3, M6)", gt=0, le=1000
    )
    victory_km: float = param(
        40.0, "a month's advance that counts as a victory", "km", (25.0, 60.0), f"{CHOICE} (popularity, M4)", gt=0, le=1000
    )
    defeat_km: float = param(60.0, "a month's retreat that counts as a defeat", "km", (40.0, 90.0), CHOICE, gt=0, le=1000)
    demobilisation_months: int = param(
        2,
        "months after victory when the fronts beyond the border ones close",
        "months",
        (1, 6),
        f"{CHOICE}: fronts became groups and districts in mid-1945",
        ge=1,
        le=24,
    )
    # M7, the enemy's main blow: the invasion was not spread evenly over the border fronts (issue 11).
    main_blow_front: int = param(
        1,
        "border front slot the enemy's main blow falls on at the start of the war (0-4; 1: the Western Front)",
        "front slot",
        (1, 1),
        "Army Group Centre with two of the four panzer groups against the Western Front, 22 Jun 1941 "
        "(en.wikipedia Battle_of_Bialystok-Minsk, record/front_line.md sources; unverified detail)",
        ge=0,
        le=4,
    )
    main_blow_factor: float = param(
        1.6,
        "the enemy's strength against the main-blow front, relative to an even share; the other border fronts face "
        "(5 - factor) / 4 of theirs, so the whole is unchanged (1: no main blow)",
        "factor",
        (1.0, 2.5),
        "Army Group Centre had about a third of the German divisions of the invasion against one front of five "
        "(1/3 over 1/5: 1.6; unverified, general knowledge; the record's Western Front lost its armies at "
        "Bialystok-Minsk, facts B10)",
        ge=0,
        le=5,
    )
    main_blow_depth_km: float = param(
        226.0,
        "the main blow holds until the war's deepest mean line reaches this depth (the frontier battles)",
        "km",
        (150.0, 500.0),
        "record/front_line.csv: the mean line 226 km deep at the end of June 1941 (Minsk fell on 28 June, the "
        "Bialystok-Minsk pocket closed); 495 km at the end of July (Smolensk)",
        gt=0,
        le=5000,
    )


class Captivity(_Section):
    """The captured die, hold out, return or defect (M8)."""

    death_rate: float = param(0.02, "monthly death in captivity", "probability/month", (0.01, 0.04), CHOICE, ge=0, le=1)
    escape_rate: float = param(0.01, "monthly escape during the war", "probability/month", (0.003, 0.02), CHOICE, ge=0, le=1)
    defect_base: float = param(
        -5.0,
        "log-odds of defection of a calm, loyal captive",
        "log-odds",
        (-7.0, -3.0),
        f"{CHOICE}: sigmoid(-5) is about 0.007 a month",
    )
    defect_window: float = param(
        3.0,
        "months over which the enemy's offer to a captive fades: the chance is sigmoid(pull) x exp(-(months held - 1) / this)",
        "months",
        (1.0, 12.0),
        f"{CHOICE}: recruitment happened in the first weeks (Vlasov, facts D18); refusers went to camps (Lukin, facts E19)",
        gt=0,
        le=1000,
    )
    defect_fear: float = param(3.0, "weight of fear in defection", "log-odds", (1.0, 5.0), f"{CHOICE} (M13)")
    defect_grievance: float = param(2.5, "weight of grievance in defection", "log-odds", (1.0, 4.0), CHOICE)
    defect_disloyalty: float = param(3.0, "weight of true disloyalty in defection", "log-odds", (1.0, 5.0), CHOICE)
    defect_scapegoat: float = param(
        1.5,
        "weight of the expected punishment at home",
        "log-odds",
        (0.5, 3.0),
        f"{CHOICE}: seed 003, Vlasov expected to be scapegoated (M3 -> M8)",
    )
    defect_hostage: float = param(
        -1.0, "family-hostage clause (Order 270) lowers defection", "log-odds", (-2.0, 0.0), f"{CHOICE}: facts B13"
    )
    scapegoat_weight: float = param(
        0.3,
        "weight of a scapegoating in the scapegoat index (a moving average the captured read)",
        "weight",
        (0.1, 0.5),
        f"{CHOICE} (M3 -> M8)",
        ge=0,
        le=1,
    )
    homecoming_months: int = param(
        1,
        "months after victory when the captured come home and face the state",
        "months",
        (1, 6),
        f"{CHOICE}: repatriation began at once in 1945",
        ge=1,
        le=24,
    )
    scapegoat_decay: float = param(
        0.97, "share of the scapegoat index kept from month to month", "share/month", (0.9, 0.995), CHOICE, ge=0, le=1
    )


class Learning(_Section):
    """Experience and corps-wide lessons (M11)."""

    competence_gain: float = param(
        0.004, "monthly competence gain in a war command", "share/month", (0.001, 0.01), f"{CHOICE}: gain toward 1", ge=0, le=1
    )
    corps_experience: float = param(
        0.5,
        "months of experience a month of corps command counts (a front or an army: 1)",
        "months",
        (0.25, 1.0),
        CHOICE,
        ge=0,
        le=1,
    )
    lessons_rate: float = param(
        0.03,
        "monthly approach of collated lessons to the cap",
        "share/month",
        (0.01, 0.06),
        f"{CHOICE}: seed 002, lessons 'collated, assessed and used as the basis for review and reform'",
        ge=0,
        le=1,
    )
    lessons_uncollated: float = param(0.15, "share of the rate without collation", "share", (0.0, 0.4), CHOICE, ge=0, le=1)
    lessons_cap: float = param(
        0.3, "lessons added to command quality (on [0, 1]) at most", "quality", (0.15, 0.45), CHOICE, ge=0, le=1
    )


class Politics(_Section):
    """Popularity, credit, challenges (M4) and fear, grievance, loyalty (M13)."""

    popularity_decay: float = param(
        0.94,
        "share of popularity kept from month to month",
        "share/month",
        (0.88, 0.98),
        f"{CHOICE}: half-life about 11 months",
        ge=0,
        le=1,
    )
    popularity_cap: float = param(1.5, "popularity never exceeds this", "popularity", (1.0, 3.0), CHOICE, gt=0, le=100)
    victory_popularity: float = param(
        0.18,
        "popularity from one month's victory of a front commander",
        "popularity",
        (0.08, 0.3),
        f"{CHOICE}: seed 000 (M4)",
        ge=0,
        le=100,
    )
    decisive_popularity: float = param(
        0.25,
        "popularity to the commander of the month's decisive front (the largest advance, a victory)",
        "popularity",
        (0.0, 0.4),
        f"{CHOICE}: the fame went to the commanders of the main axis (Zhukov: Moscow, Stalingrad, Berlin; facts G21)",
        ge=0,
        le=100,
    )
    deputy_popularity: float = param(
        0.25,
        "popularity to the ruler's deputy, the Stavka's representative, in a month of a decisive victory he did not "
        "command himself (he coordinated it)",
        "popularity",
        (0.0, 0.4),
        f"{CHOICE}: the decisive front's own share (decisive_popularity): the communiques named the Stavka's "
        "representative beside the front commanders (Zhukov at Stalingrad, Kursk, Bagration; facts G21)",
        ge=0,
        le=100,
    )
    army_credit: float = param(
        0.4, "an army commander's share of his front's victory credit", "share", (0.2, 0.7), CHOICE, ge=0, le=1
    )
    challenge_base: float = param(
        -13.0, "log-odds of a challenge, baseline", "log-odds", (-16.0, -10.0), f"{CHOICE}: challenges are rare events"
    )
    challenge_popularity: float = param(
        5.0, "weight of popularity in a challenge", "log-odds", (3.0, 7.0), f"{CHOICE}: seed 000, popularity makes 'alternatives'"
    )
    challenge_motive_floor: float = param(
        0.0,
        "share of popularity's weight in a challenge that needs no motive (the rest scales with disloyalty + grievance)",
        "share",
        (0.0, 0.3),
        f"{CHOICE}: a popular, loyal marshal is no plotter (Zhukov; the record has no challenge, facts G21); 1: the old model",
        ge=0,
        le=1,
    )
    challenge_ambition: float = param(2.5, "weight of ambition in a challenge", "log-odds", (1.0, 4.0), CHOICE)
    challenge_disloyalty: float = param(3.0, "weight of disloyalty in a challenge", "log-odds", (1.5, 5.0), CHOICE)
    challenge_grievance: float = param(2.0, "weight of grievance in a challenge", "log-odds", (1.0, 3.5), CHOICE)
    challenge_fear: float = param(
        -3.0, "weight of fear in a challenge", "log-odds", (-5.0, -1.0), f"{CHOICE}: fear deters challenges (M13)"
    )
    challenge_success_base: float = param(-4.5, "log-odds of a challenge's success, baseline", "log-odds", (-6.0, -3.0), CHOICE)
    challenge_success_popularity: float = param(
        3.0, "weight of popularity in success", "log-odds", (1.5, 4.5), f"{CHOICE}: popular challengers succeed more often"
    )
    challenge_success_paranoia: float = param(
        -2.0, "weight of the ruler's paranoia in success", "log-odds", (-3.5, -0.5), f"{CHOICE}: a vigilant ruler foils plots"
    )
    fear_baseline: float = param(0.15, "resting fear", "fear on [0, 1]", (0.05, 0.3), CHOICE, ge=0, le=1)
    fear_recovery: float = param(
        0.05, "monthly reversion of fear to the baseline", "share/month", (0.02, 0.1), CHOICE, ge=0, le=1
    )
    fear_repression: float = param(
        4.0,
        "fear per unit monthly repression rate of the corps",
        "fear per rate",
        (2.0, 8.0),
        f"{CHOICE}: seeds 000, 001, 003 (M13)",
        ge=0,
        le=100,
    )
    fear_association: float = param(
        0.3, "fear when the patron is repressed (times association_exposure)", "fear", (0.1, 0.6), CHOICE, ge=0, le=100
    )
    association_exposure: float = param(
        0.1,
        "exposure of an officer whose patron is repressed: fear_association x this a month",
        "share",
        (0.05, 0.2),
        CHOICE,
        ge=0,
        le=1,
    )
    order_fear: float = param(
        0.1,
        "fear Orders 270 and 227 add to commanders they threaten",
        "fear on [0, 1]",
        (0.05, 0.2),
        f"{CHOICE}: facts B13, C15",
        ge=0,
        le=1,
    )
    grievance_decay: float = param(
        0.97, "share of grievance kept from month to month", "share/month", (0.9, 0.99), CHOICE, ge=0, le=1
    )
    loyalty_erosion: float = param(
        0.02,
        "loyalty lost per month per unit grievance",
        "share/month",
        (0.005, 0.05),
        f"{CHOICE}: proportional to loyalty",
        ge=0,
        le=1,
    )
    charm_fear: float = param(
        0.15,
        "fear taken from a charmed commander (fear is on [0, 1])",
        "fear",
        (0.05, 0.3),
        f"{CHOICE}: seed 002 (M12)",
        ge=0,
        le=1,
    )
    charm_grievance: float = param(
        0.2, "grievance taken from a charmed commander", "grievance", (0.05, 0.4), f"{CHOICE}: seed 002 (M12)", ge=0, le=1
    )
    charm_loyalty: float = param(0.04, "share of his disloyalty charmed away", "share", (0.01, 0.1), CHOICE, ge=0, le=1)
    loyal_threshold: float = param(
        0.6,
        "true loyalty above which a victim is innocent",
        "loyalty on [0, 1]",
        (0.5, 0.7),
        f"{CHOICE}: the metric innocent_share",
        ge=0,
        le=1,
    )


class Turnover(_Section):
    """Ageing, retirement and intake at the bottom (step 11)."""

    retirement_age: float = param(60.0, "age over which officers retire", "years", (55.0, 65.0), CHOICE, gt=30, le=120)
    retirement_rate: float = param(
        0.03, "monthly chance of retiring over that age", "probability/month", (0.01, 0.06), CHOICE, ge=0, le=1
    )
    attrition: float = param(
        0.0012,
        "monthly natural loss (illness, drink, death)",
        "probability/month",
        (0.0006, 0.0025),
        f"{CHOICE}: about 1.4 % a year; facts A1 counts 6,692 'natural' losses among the 35,020 discharged in 1937-38",
        ge=0,
        le=1,
    )
    intake_month: int = param(
        1,
        "calendar month in which empty slots are refilled",
        "month of the year",
        (1, 6),
        f"{CHOICE}: January, the start of the training year",
        ge=1,
        le=12,
    )
    intake_age: float = param(30.0, "youngest age of a new colonel", "years", (25.0, 35.0), CHOICE, gt=15, le=60)
    intake_age_span: float = param(
        10.0, "new colonels' ages are uniform over this span", "years", (5.0, 15.0), CHOICE, ge=0, le=40
    )
    trait_min: float = param(
        0.02,
        "a new officer's traits are drawn within [trait_min, trait_max]",
        "trait",
        (0.01, 0.05),
        f"{CHOICE}: nobody is wholly without a trait",
        ge=0,
        le=0.5,
    )
    trait_max: float = param(0.98, "see trait_min", "trait", (0.95, 0.99), CHOICE, ge=0.5, le=1)
    patron_min_rank: int = param(
        2, "least rank of a patron (at the start and at intake)", "rank", (1, 3), f"{CHOICE}: Komkor and above", ge=0, le=5
    )


class ScenarioConfig(_Section):
    scenario: ScenarioInfo = ScenarioInfo()
    corps: Corps = Corps()
    posts: Posts = Posts()
    calendar: CalendarInput = CalendarInput()
    security: Security = Security()
    ruler: Ruler = Ruler()
    command: Command = Command()
    operations: Operations = Operations()
    captivity: Captivity = Captivity()
    learning: Learning = Learning()
    politics: Politics = Politics()
    turnover: Turnover = Turnover()

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioConfig:
        """Checks across sections: calendar entries within the scenario, fronts within the posts."""
        end = parse_month(self.scenario.end)
        cal = self.calendar
        for name in ("fronts", "enemy_pressure", "enemy_quality", "mobilisation"):
            for label, _ in getattr(cal, name):
                if parse_month(label) > end:
                    raise refuse(
                        f"calendar.{name}: {label} is after scenario.end {self.scenario.end} and would never "
                        "take effect; remove it or move the end"
                    )
        n_fronts = self.posts.n_fronts
        for label, count in cal.fronts:
            if count > n_fronts:
                raise refuse(
                    f"calendar.fronts: {label}: {count} fronts, more than posts.n_fronts = {n_fronts}; "
                    "raise posts.n_fronts or lower the count"
                )
        return self

    def digest(self) -> str:
        """Short content hash: two configs with equal parameters share it."""
        data = self.model_dump(mode="json")
        if not data["scenario"]["follow_record_until"]:  # a free run's hash is what it was before the option existed
            del data["scenario"]["follow_record_until"]
        text = json.dumps(data, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


KERNEL_SECTIONS = ("corps", "security", "ruler", "command", "operations", "captivity", "learning", "politics", "turnover")

# A module-level named tuple (not one made per call): compiled kernels are cached by argument type.
# After the sections' parameters, one derived from the scenario: `record_follow_until`, the month index up to which the
# run follows the record (-1: it does not), read by `engine.common.on_record`.
KernelParams = collections.namedtuple(  # type: ignore[misc]
    "KernelParams",
    [f"{section}_{key}" for section in KERNEL_SECTIONS for key in ScenarioConfig.model_fields[section].annotation.model_fields]  # type: ignore[union-attr]
    + ["record_follow_until"],
)


def kernel_params(cfg: ScenarioConfig) -> tuple[float, ...]:
    """The numeric parameters flattened into a named tuple the compiled kernels can read."""
    values = {
        f"{section}_{key}": float(value)
        for section in KERNEL_SECTIONS
        for key, value in getattr(cfg, section).model_dump().items()
    }
    values["record_follow_until"] = float(follow_index(cfg))
    return KernelParams(**values)


def follow_index(cfg: ScenarioConfig) -> int:
    """The month index of `scenario.follow_record_until` (the first month the doctrine decides alone), -1: none."""
    info = cfg.scenario
    if not info.follow_record_until:
        return -1
    (y0, m0), (y, m) = parse_month(info.start), parse_month(info.follow_record_until)
    return (y - y0) * 12 + m - m0  # type: ignore[no-any-return]


# --- loading --------------------------------------------------------------------------------------


def _describe(err: Any) -> str:
    if err["type"] == "stavka":  # a message that names its field (`refuse`)
        return str(err["msg"])
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown parameter"
    return f"{loc}: {err['msg']} (got {err.get('input')!r})"


def validate_scenario(data: dict[str, Any], source: str) -> ScenarioConfig:
    try:
        cfg = ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{source}: {_describe(first)}") from None
    from .scenario import officers_needed  # the posts and the roster are laid out there

    if cfg.scenario.follow_record_until and not cfg.corps.use_roster:
        raise ConfigError(
            f"{source}: scenario.follow_record_until: {cfg.scenario.follow_record_until} needs the named officers; "
            "expected corps.use_roster = true"
        )
    needed = officers_needed(cfg)
    if cfg.corps.n_officers < needed:
        raise ConfigError(
            f"{source}: corps.n_officers: {cfg.corps.n_officers} is too few for the {needed} posts and "
            f"named officers of this scenario; expected at least {needed}"
        )
    return cfg


def read_text(path: Path) -> str:
    """A text file's content; a missing file, a directory, an unreadable or binary file is a ConfigError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot read: permission denied") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if path.is_dir():  # some platforms read a directory as empty
        raise ConfigError(f"{path}: is a directory")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: malformed TOML: {' '.join(str(exc).split())}") from None


def read_toml(path: Path) -> dict[str, Any]:
    return parse_toml(read_text(Path(path)), str(path))


def builtin_scenarios() -> list[str]:
    files = resources.files("stavka") / "scenarios"
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def load_scenario(scenario: str | Path | ScenarioConfig = "default", **overrides: Any) -> ScenarioConfig:
    """A scenario by built-in name or TOML path, with dotted overrides ('operations.noise_km': 30)."""
    if isinstance(scenario, ScenarioConfig):
        data, source = scenario.model_dump(), "scenario"
    else:
        text = str(scenario)
        if text.endswith(".toml") or "/" in text:
            path = Path(text)
            data, source = read_toml(path), str(path)
        elif text in builtin_scenarios():
            ref = resources.files("stavka") / "scenarios" / f"{text}.toml"
            data, source = tomllib.loads(ref.read_text()), f"scenario {text!r}"
        else:
            choices = ", ".join(builtin_scenarios())
            raise ConfigError(f"unknown scenario {text!r}; choose one of: {choices}, or a path to a .toml file")
        data.pop("doctrine", None)  # a scenario file may also carry a doctrine table
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        if not key:
            raise ConfigError(f"override {dotted!r}: expected SECTION.PARAMETER, e.g. operations.noise_km")
        if section not in ScenarioConfig.model_fields:
            valid = ", ".join(ScenarioConfig.model_fields)
            raise ConfigError(f"override {dotted!r}: unknown section {section!r}; expected one of {valid}")
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: {section}: expected a table (got {table!r})")
        table[key] = value
    return validate_scenario(data, source)
