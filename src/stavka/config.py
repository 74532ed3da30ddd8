"""Typed, validated scenario configuration.

A scenario is a TOML file whose tables mirror the models below.  Every user error is caught here and
reported as one line naming the file, the field and what was expected (`ConfigError`).

Bounds: a field that is a probability or a share per month (a "rate", "chance", "hazard" or "share"
the engine compares with a uniform draw or takes as a fraction) is at most 1; a multiplier, boost or
weight of a quantity on [0, 1] is at most 100 (defaults are at most 6: 100 is generous, and finite
values keep the engine's sums finite); distances are at most 1000 km (a month's line movement is
clipped to -350 .. +250 km, so more only saturates); strengths at most 10^8 men per front (the whole
Soviet mobilisation was 3.4 * 10^7).  No number may be infinite or NaN, and a number is never a
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
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .calendar import parse_month

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
    name: str = "default"
    description: str = ""
    start: str = "1937-01"
    end: str = "1948-12"
    war_start: str = "1941-06"

    @field_validator("start", "end", "war_start")
    @classmethod
    def _month(cls, v: str) -> str:
        parse_month(v)
        return v

    @model_validator(mode="after")
    def _order(self) -> ScenarioInfo:
        start, end, war = (parse_month(m) for m in (self.start, self.end, self.war_start))
        if end < start:
            raise refuse(f"scenario.end: {self.end} is before scenario.start {self.start}")
        if not start <= war <= end:
            raise refuse(f"scenario.war_start: {self.war_start} is outside the scenario, {self.start} .. {self.end}")
        return self


class Corps(_Section):
    """The officer corps at the start and its hidden traits (M1)."""

    n_officers: int = Field(320, ge=40, le=20000, description="officer slots per run")
    use_roster: bool = Field(True, description="seed the corps with the named historical commanders")
    competence_mean: float = Field(0.5, gt=0, lt=1)
    loyalty_mean: float = Field(0.75, gt=0, lt=1)
    ambition_mean: float = Field(0.35, gt=0, lt=1)
    trait_concentration: float = Field(6.0, gt=1, le=1000, description="Beta concentration a+b of trait priors")
    rank_competence_gain: float = Field(0.03, ge=0, le=1, description="mean competence gain per rank step")
    patron_share: float = Field(0.8, ge=0, le=1, description="share of officers with a patron (clique ties)")


class Posts(_Section):
    n_fronts: int = Field(14, ge=1, le=30)
    armies_per_front: int = Field(3, ge=0, le=8)
    n_districts: int = Field(12, ge=1, le=40)
    n_staff: int = Field(4, ge=1, le=20, description="General Staff posts (chief first)")
    n_corps: int = Field(120, ge=0, le=5000, description="corps and division commands (the pipeline)")


# Pressure, quality and mobilisation are factors on the fronts' odds and strength (defaults 0.55 .. 1.9). They
# must be positive (the odds take their logarithm: 0 or less gives NaN).  10 is five times the largest
# default: a pressure of 10 alone puts a full-strength front at odds of about 1:17, a retreat near 200 km a
# month; more is no longer this war, and is most likely a typing error.
CALENDAR_FACTOR_MAX = 10.0


class CalendarInput(_Section):
    """Exogenous calendar: fronts open by date while the war lasts; the enemy's offensive rhythm.

    Entries dated before `scenario.start` are allowed (the last of them is in force at the start);
    entries after `scenario.end` are refused: they would never take effect.  A date appears once."""

    fronts: list[tuple[str, StrictInt]] = [
        ("1941-06", 5), ("1941-08", 7), ("1941-10", 9), ("1941-12", 10), ("1942-07", 11),
        ("1943-01", 12), ("1943-10", 13), ("1944-06", 11), ("1945-02", 9), ("1945-05", 8),
    ]
    enemy_pressure: list[tuple[str, StrictFloat]] = Field([
        ("1941-06", 1.9), ("1941-12", 0.6), ("1942-05", 1.25), ("1942-12", 0.55), ("1943-07", 0.9),
        ("1943-09", 0.6), ("1944-06", 0.75), ("1945-01", 0.7),
    ], min_length=1)
    enemy_quality: list[tuple[str, StrictFloat]] = Field([
        ("1941-06", 1.5), ("1942-06", 1.3), ("1943-06", 1.1), ("1944-06", 1.0), ("1945-01", 0.95),
    ], min_length=1)
    mobilisation: list[tuple[str, StrictFloat]] = Field([
        ("1941-06", 1.0), ("1942-01", 1.2), ("1943-01", 1.4), ("1944-01", 1.45),
    ], min_length=1)

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


class Security(_Section):
    """The security organ (M14): denunciations, suspicion, quota arrests, trials (M10)."""

    denounce_rate: float = Field(0.01, ge=0, le=1, description="monthly denunciation hazard of an officer, baseline")
    quota_denounce_boost: float = Field(6.0, ge=0, le=100, description="multiplier of the hazard in a quota phase")
    fear_denounce_boost: float = Field(2.0, ge=0, le=100, description="fearful peers denounce more")
    association_boost: float = Field(3.0, ge=0, le=100, description="extra hazard when the patron is repressed")
    accuracy: float = Field(0.35, ge=0, le=1, description="weight of true disloyalty in a denunciation")
    false_accusation: float = Field(0.35, ge=0, le=1, description="organ's tendency to inflate evidence")
    suspicion_decay: float = Field(0.97, ge=0, le=1)
    trial_delay: int = Field(3, ge=1, le=24, description="months in custody before trial")
    interrogation_trauma: float = Field(0.3, ge=0, le=1)


class Ruler(_Section):
    """The ruler's beliefs (M1), paranoia, attention and observation."""

    attention: int = Field(8, ge=0, le=1000, description="personnel decisions per month")
    crisis_attention: int = Field(4, ge=0, le=1000, description="extra decisions in a month after a collapse")
    prior_var: float = Field(0.04, gt=0, le=1, description="variance of the prior beliefs about a trait on [0, 1]")
    observe_noise: float = Field(0.25, gt=0, le=10, description="sd of competence read from one month's result")
    organ_noise: float = Field(0.35, gt=0, le=10, description="sd of loyalty read from security reports")
    interrogation_noise: float = Field(0.15, gt=0, le=10, description="sd of loyalty read by interrogation (M5)")
    report_bias_km: float = Field(40.0, ge=0, le=1000, description="how much a fully afraid commander overstates (M13)")
    paranoia_start: float = Field(0.5, ge=0, le=1)
    paranoia_decay: float = Field(0.03, ge=0, le=1)
    paranoia_popularity: float = Field(0.06, ge=0, le=100, description="rise per month per unit of top popularity")
    paranoia_challenge: float = Field(0.3, ge=0, le=100)
    autonomy_rate: float = Field(0.04, ge=0, le=1, description="monthly chance a capable, unafraid officer asks for autonomy")


class Operations(_Section):
    """Each front's fight (M7, M8): strengths, odds, line movement, encirclement, casualties."""

    own_strength: float = Field(450_000, gt=0, le=1e8, description="men per front at full strength")
    enemy_strength: float = Field(760_000, gt=0, le=1e8, description="enemy men facing one front at the start (3.8M / 5)")
    km_per_log_odds: float = Field(70.0, gt=0, le=1000)
    noise_km: float = Field(25.0, ge=0, le=1000)
    hold_ground_factor: float = Field(0.6, gt=0, le=100, description="share of the retreat left when holding")
    initiative_ground_factor: float = Field(1.25, gt=0, le=100)
    encircle_base: float = Field(0.07, ge=0, le=100, description="scale of the encirclement hazard")
    hold_encircle_factor: float = Field(2.5, gt=0, le=100, description="hold orders under pressure raise encirclement")
    initiative_encircle_factor: float = Field(0.45, gt=0, le=100)
    vacancy_quality: float = Field(0.2, ge=0, le=1, description="command quality of an empty post")
    interference: float = Field(0.15, ge=0, le=1, description="quality lost when the ruler does not listen")
    fear_initiative: float = Field(0.5, ge=0, le=1, description="share of initiative suppressed by fear (M13)")
    loss_rate: float = Field(0.035, ge=0, le=1, description="monthly share of a front's men lost at even odds")
    enemy_loss_rate: float = Field(0.03, ge=0, le=1)
    encirclement_losses: float = Field(0.2, ge=0, le=1)
    reinforce: float = Field(0.12, ge=0, le=1, description="monthly refill toward strength x mobilisation")
    enemy_reinforce: float = Field(0.05, ge=0, le=1)
    enemy_reserve: float = Field(2.0, ge=0, le=100, description="enemy replacement pool in units of initial strength")
    kill_rate: float = Field(0.004, ge=0, le=1, description="monthly death hazard of a front or army commander")
    unauthorised_withdrawal: float = Field(0.5, ge=0, le=1, description="scale of M7 withdrawals against orders")
    victory_depth_km: float = Field(-600.0, description="line (km east of the 1941 border) that ends the war")
    defeat_depth_km: float = Field(1700.0, description="mean depth at which the state collapses")
    collapse_km: float = Field(120.0, gt=0, le=1000, description="a month's retreat that counts as a collapse")
    victory_km: float = Field(40.0, gt=0, le=1000, description="a month's advance that counts as a victory")
    defeat_km: float = Field(60.0, gt=0, le=1000)


class Captivity(_Section):
    """The captured die, hold out, return or defect (M8)."""

    death_rate: float = Field(0.02, ge=0, le=1)
    escape_rate: float = Field(0.01, ge=0, le=1)
    defect_base: float = Field(-5.0)
    defect_fear: float = Field(3.0)
    defect_grievance: float = Field(2.5)
    defect_disloyalty: float = Field(3.0)
    defect_scapegoat: float = Field(1.5, description="weight of the expected punishment at home")
    defect_hostage: float = Field(-1.0, description="family-hostage clause (Order 270) lowers defection")


class Learning(_Section):
    """Experience and corps-wide lessons (M11)."""

    competence_gain: float = Field(0.004, ge=0, le=1, description="monthly competence gain in a war command")
    lessons_rate: float = Field(0.03, ge=0, le=1, description="monthly approach of collated lessons to the cap")
    lessons_uncollated: float = Field(0.15, ge=0, le=1, description="share of the rate without collation")
    lessons_cap: float = Field(0.3, ge=0, le=1, description="lessons added to command quality (on [0, 1]) at most")


class Politics(_Section):
    """Popularity, credit, challenges (M4) and fear, grievance, loyalty (M13)."""

    popularity_decay: float = Field(0.94, ge=0, le=1)
    victory_popularity: float = Field(0.18, ge=0, le=100)
    challenge_base: float = Field(-13.0)
    challenge_popularity: float = Field(5.0)
    challenge_ambition: float = Field(2.5)
    challenge_disloyalty: float = Field(3.0)
    challenge_grievance: float = Field(2.0)
    challenge_fear: float = Field(-3.0)
    challenge_success_base: float = Field(-4.5)
    challenge_success_popularity: float = Field(3.0)
    challenge_success_paranoia: float = Field(-2.0)
    fear_baseline: float = Field(0.15, ge=0, le=1)
    fear_recovery: float = Field(0.05, ge=0, le=1)
    fear_repression: float = Field(4.0, ge=0, le=100, description="fear per unit monthly repression rate of the corps")
    fear_association: float = Field(0.3, ge=0, le=100)
    grievance_decay: float = Field(0.97, ge=0, le=1)
    loyalty_erosion: float = Field(0.02, ge=0, le=1, description="loyalty lost per month per unit grievance")
    charm_fear: float = Field(0.15, ge=0, le=1, description="fear taken from a charmed commander (fear is on [0, 1])")
    charm_loyalty: float = Field(0.04, ge=0, le=1, description="share of his disloyalty charmed away")
    loyal_threshold: float = Field(0.6, ge=0, le=1, description="true loyalty above which a victim is innocent")


class Turnover(_Section):
    """Ageing, retirement and intake at the bottom (step 11)."""

    retirement_age: float = Field(60.0, gt=30, le=120)
    retirement_rate: float = Field(0.03, ge=0, le=1)
    attrition: float = Field(0.0012, ge=0, le=1, description="monthly natural loss (illness, drink, death)")
    intake_month: int = Field(1, ge=1, le=12, description="calendar month in which empty slots are refilled")


class ScenarioConfig(_Section):
    scenario: ScenarioInfo = ScenarioInfo()
    corps: Corps = Corps()
    posts: Posts = Posts()
    calendar: CalendarInput = CalendarInput()
    security: Security = Security()
    ruler: Ruler = Ruler()
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
                    raise refuse(f"calendar.{name}: {label} is after scenario.end {self.scenario.end} and would never "
                                 "take effect; remove it or move the end")
        n_fronts = self.posts.n_fronts
        for label, count in cal.fronts:
            if count > n_fronts:
                raise refuse(f"calendar.fronts: {label}: {count} fronts, more than posts.n_fronts = {n_fronts}; "
                             "raise posts.n_fronts or lower the count")
        return self

    def digest(self) -> str:
        """Short content hash: two configs with equal parameters share it."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


KERNEL_SECTIONS = ("security", "ruler", "operations", "captivity", "learning", "politics", "turnover")

# A module-level named tuple (not one made per call): compiled kernels are cached by argument type.
KernelParams = collections.namedtuple(  # type: ignore[misc]
    "KernelParams",
    [f"{section}_{key}" for section in KERNEL_SECTIONS
     for key in ScenarioConfig.model_fields[section].annotation.model_fields],  # type: ignore[union-attr]
)


def kernel_params(cfg: ScenarioConfig) -> tuple[float, ...]:
    """The numeric parameters flattened into a named tuple the compiled kernels can read."""
    values = {f"{section}_{key}": float(value) for section in KERNEL_SECTIONS
              for key, value in getattr(cfg, section).model_dump().items()}
    return KernelParams(**values)  # type: ignore[no-any-return]


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

    needed = officers_needed(cfg)
    if cfg.corps.n_officers < needed:
        raise ConfigError(f"{source}: corps.n_officers: {cfg.corps.n_officers} is too few for the {needed} posts and "
                          f"named officers of this scenario; expected at least {needed}")
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
