"""A game of the playable ruler: its scenario, seed, fallback doctrine and the player's decisions month by
month.  A game *is* that record: replaying it gives the same history exactly, and cutting it at a month
gives a branch.  The record is written to and read from a JSON game file (`GameFile`), which is data:
validated field by field, never executed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError, model_validator

from ..api import Orders, Simulation
from ..calendar import Calendar
from ..config import MAX_SEED, ScenarioConfig, load_scenario
from ..doctrines import BUILTINS, Human
from ..engine.codes import Action
from ..ledger import TableOrder, censor, empty_ledger, official_ledger, true_ledger
from ..metrics import COUNTS, METRICS, run_metrics
from ..names import generated_names

FORMAT = "stavka-game"
VERSION = 1
MAX_FILE_BYTES = 4_000_000  # a game of 144 months with every act is far smaller; more is not a game file
STARTS = {"1937-01": "January 1937: before the purge", "1941-06": "June 1941: the war begins"}
FALLBACKS = tuple(BUILTINS)  # the staff: any built-in doctrine (a doctrine file would be code, not data)

# The acts a player can take, with the engine's action code.  "appoint" and "transfer" name a post: the
# one gives a post to an officer without one, the other moves a serving officer to another post.
ACTS: dict[str, Action | None] = {
    "arrest": Action.ARREST,
    "execute": Action.EXECUTE,
    "release": Action.RELEASE,
    "interrogate": Action.INTERROGATE,
    "promote": Action.PROMOTE,
    "demote": Action.DEMOTE,
    "remove": Action.REMOVE,
    "rotate": Action.ROTATE,
    "sideline": Action.SIDELINE,
    "recall": Action.RECALL,
    "charm": Action.CHARM,
    "appoint": None,
    "transfer": None,
}
POSTED = ("appoint", "transfer")
TRACED = ("ident", "bc_mu", "bc_var", "bl_mu", "bl_var", "pop", "susp", "rank", "post", "status")
ActName = Literal[
    "arrest",
    "execute",
    "release",
    "interrogate",
    "promote",
    "demote",
    "remove",
    "rotate",
    "sideline",
    "recall",
    "charm",
    "appoint",
    "transfer",
]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Id = Annotated[StrictInt, Field(ge=0, le=MAX_SEED)]


class GameError(ValueError):
    """A game file or a decision that cannot be played; the message is one line for the player."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Act(_Strict):
    officer: Id  # the officer's id, as in the event log
    act: ActName
    post: Annotated[StrictInt, Field(ge=0, le=10_000)] | None = None  # appoint / transfer: the post's index

    @model_validator(mode="after")
    def _post_iff_posted(self) -> Act:
        if (self.post is None) == (self.act in POSTED):
            raise ValueError(f"act {self.act!r}: " + ("needs a post" if self.post is None else "takes no post"))
        return self


class Hold(_Strict):
    front: Annotated[StrictInt, Field(ge=0, le=63)]
    hold: StrictBool  # true: hold position; false: initiative


class MonthOrders(_Strict):
    """What the player decided in one month; anything left out falls to the fallback doctrine."""

    month: Month
    acts: Annotated[list[Act], Field(max_length=64)] = []
    hold: Annotated[list[Hold], Field(max_length=64)] = []
    credit: Annotated[StrictFloat, Field(ge=0, le=1)] | None = None  # centre's share of victory credit

    @model_validator(mode="after")
    def _once_each(self) -> MonthOrders:
        seen = [a.officer for a in self.acts]
        if len(seen) != len(set(seen)):
            raise ValueError("an officer has two acts in one month; each officer takes one act a month")
        fronts = [h.front for h in self.hold]
        if len(fronts) != len(set(fronts)):
            raise ValueError("a front has two hold orders in one month")
        return self


class GameFile(_Strict):
    """The game file: everything a game is."""

    format: Literal["stavka-game"]
    version: Literal[1]
    start: Literal["1937-01", "1941-06"] = "1941-06"
    # Start from the record's real state of this month: from 1937-01 the named officers follow the record
    # (`scenario.follow_record_until`), the staff decides the rest, and the player's first month is this one.
    record_until: Month | None = None
    generated_corps: StrictBool = False  # against hindsight: a generated corps, no historical names
    seed: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)] = 0
    run: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)] = 0
    fallback: Literal["terror", "break_and_use", "meritocratic", "historical", "passive"] = "historical"
    months: Annotated[list[MonthOrders], Field(max_length=1000)] = []
    stavka: str = ""  # the version that wrote it (information only)

    @property
    def first_month(self) -> str:
        """The player's first month: the start, or the record's month when the game starts from the record."""
        return self.record_until or self.start

    @model_validator(mode="after")
    def _consecutive(self) -> GameFile:
        if self.record_until is not None:
            if self.start != "1937-01" or self.generated_corps:
                raise ValueError("record_until: a game from the record's state starts in 1937-01 with the named corps")
            if not "1937-02" <= self.record_until <= "1948-12":
                raise ValueError(f"record_until: {self.record_until} is outside the record's months (1937-02 .. 1948-12)")
        cal = Calendar(self.first_month, "2100-12")
        for i, m in enumerate(self.months):
            if m.month != cal.label(i):
                raise ValueError(
                    f"months[{i}].month: expected {cal.label(i)} (months follow one another from {self.first_month})"
                )
        return self


def parse_game(data: bytes | str, where: str = "game file") -> GameFile:
    """A game file's text as a GameFile, or GameError with one line naming the field and what was expected."""
    if len(data) > MAX_FILE_BYTES:
        raise GameError(f"{where}: {len(data)} bytes is too large for a game file (at most {MAX_FILE_BYTES})")
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GameError(f"{where}: not a stavka game file: not JSON ({exc})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise GameError(f'{where}: not a stavka game file: expected a JSON object with "format": "{FORMAT}"')
    if raw.get("version") != VERSION:
        raise GameError(f"{where}: version {raw.get('version')!r} is not one this stavka reads (expected {VERSION})")
    try:
        return GameFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        got = f" (got {err['input']!r})" if "input" in err and not isinstance(err["input"], dict | list) else ""
        raise GameError(f"{where}: {loc}: {msg}{got}") from None


def scenario_config(spec: GameFile) -> ScenarioConfig:
    over: dict[str, object] = {"scenario.start": spec.start}
    if spec.generated_corps:
        over["corps.use_roster"] = False
    if spec.record_until is not None:
        over["scenario.follow_record_until"] = spec.record_until
    return load_scenario("default", **over)


@dataclass
class Outcome:
    """A game's record so far: metrics (one row), true and official ledgers, monthly series."""

    metrics: pd.DataFrame
    events: pd.DataFrame
    official: pd.DataFrame
    series: pd.DataFrame


class Game:
    """A game being played: the record (`spec`) and the simulation it has reached.  `play` takes one
    month's orders; `Game(spec)` replays a record to its last month."""

    def __init__(self, spec: GameFile) -> None:
        self.human = Human(fallback=spec.fallback)
        self.sim = Simulation(scenario_config(spec), doctrine=self.human, seed=spec.seed, run=spec.run)
        while self.sim.month < spec.first_month and not self.sim.done:  # the record's months, before the player's
            self.sim.step()
        self._spec = spec.model_copy(update={"months": []})
        self.months: list[MonthOrders] = []
        self.trace: list[dict[str, np.ndarray]] = [self._snapshot()]  # the ruler's view at each month's start
        for m in spec.months:
            self.play(m)

    # --- the record ------------------------------------------------------------------------------------

    @property
    def spec(self) -> GameFile:
        from .. import __version__

        return self._spec.model_copy(update={"months": list(self.months), "stavka": __version__})

    def to_json(self) -> str:
        spec = self.spec  # (a game not from the record writes the file it wrote before record_until existed)
        return spec.model_dump_json(indent=1, exclude={"record_until"} if spec.record_until is None else None)

    @classmethod
    def from_json(cls, data: bytes | str, where: str = "game file") -> Game:
        return cls(parse_game(data, where))

    def branch(self, month: str) -> GameFile:
        """The record up to (not including) `month`: a new game that diverges there."""
        cal = self.sim.scenario.calendar
        first = self._spec.first_month
        try:
            k = cal.index(month) - cal.index(first)
        except ValueError as exc:
            raise GameError(f"branch: {exc}") from None
        if not 0 <= k <= len(self.months):
            raise GameError(f"branch: month {month} is not one this game has reached ({first} .. {self.month})")
        return self._spec.model_copy(update={"months": self.months[:k]})

    # --- playing ---------------------------------------------------------------------------------------

    @property
    def month(self) -> str:
        return self.sim.month

    @property
    def done(self) -> bool:
        return self.sim.done

    @property
    def idents(self) -> np.ndarray:
        return self.sim.engine.world.off["ident"][0]

    def names_of(self, idents: list[int] | np.ndarray) -> list[str]:
        """Officers' names as the ledgers give them: the roster's, else generated from (seed, run, id)."""
        cache: dict[int, str] = self.__dict__.setdefault("_names", {})
        missing = [int(i) for i in idents if int(i) not in cache]
        if missing:
            roster = self.sim.scenario.roster
            gen = generated_names(self._spec.seed, np.full(len(missing), self._spec.run), np.array(missing, dtype=np.int64))
            for k, i in enumerate(missing):
                cache[i] = roster[i].short_name if 0 <= i < len(roster) else gen[k]
        return [cache[int(i)] for i in idents]

    def slot_names(self) -> list[str]:
        """The name of the officer in each slot now."""
        return self.names_of(self.idents)

    def play(self, orders: MonthOrders | None = None) -> None:
        """Play the current month with these orders (none: all to the fallback)."""
        if self.done:
            raise GameError("the game has ended: there is no month left to play")
        orders = orders or MonthOrders(month=self.month)
        if orders.month != self.month:
            raise GameError(f"orders for {orders.month}, but the game is in {self.month}")
        self.human.queue(self.to_engine(orders))
        self.sim.step()
        self.months.append(orders)
        if not self.done:
            self.trace.append(self._snapshot())
        self.__dict__.pop("_outcome", None)

    def _snapshot(self) -> dict[str, np.ndarray]:
        """What the explanations compare month with month: beliefs, popularity, suspicion, the line."""
        v = self.sim.view()
        snap = {k: np.array(v.officer[k][0]) for k in TRACED}
        snap.update({f"front_{k}": np.array(v.front[k][0]) for k in ("depth", "reported", "active", "hold", "own")})
        return snap

    def to_engine(self, orders: MonthOrders) -> Orders:
        known = {int(i) for i in self.idents}
        n_posts, n_fronts = self.sim.scenario.posts.n, self.sim.engine.world.fronts.shape[1]
        actions: dict[int, Action] = {}
        appoint: dict[int, int] = {}
        for j, a in enumerate(orders.acts):
            if a.officer not in known:
                raise GameError(f"{orders.month}: acts[{j}]: no officer with id {a.officer} in this game")
            code = ACTS[a.act]
            if code is None:
                if a.post is None or a.post >= n_posts:
                    raise GameError(f"{orders.month}: acts[{j}]: post {a.post} is not a post of this game (0 .. {n_posts - 1})")
                appoint[a.officer] = a.post
            else:
                actions[a.officer] = code
        for h in orders.hold:
            if h.front >= n_fronts:
                raise GameError(f"{orders.month}: front {h.front} is not a front of this game (0 .. {n_fronts - 1})")
        return Orders(actions=actions, appoint=appoint, hold={h.front: h.hold for h in orders.hold}, credit=orders.credit)

    # --- what happened -----------------------------------------------------------------------------------

    @cached_property
    def _outcome(self) -> Outcome:
        eng, scen = self.sim.engine, self.sim.scenario
        cal, ids = scen.calendar, eng.run_ids
        log = eng.log
        n = min(len(log.counts), cal.n_months)
        done = eng.month
        series = pd.DataFrame({"month": cal.labels()[:done]})
        for name, values in log.series.items():
            series[name] = values[0, :done].copy()
        if not log.blocks:  # no month played yet: nothing in the ledgers, nothing counted
            blank: dict[str, Any] = {m: 0 if m in COUNTS or m == "erased_names" else np.nan for m in METRICS}
            blank.update(run=int(ids[0]), victory_month=None, ruler_survived=True, history_distortion=0.0)
            return Outcome(pd.DataFrame([blank])[["run", *METRICS]], empty_ledger(), empty_ledger(official=True), series)
        metrics = run_metrics(eng.world, log, ids, cal)
        table = TableOrder.of_log(log, n)
        labels = cal.labels()
        censored = censor(table, ids, eng.seed, self.human.censorship, labels, log.series["credit"])
        metrics["history_distortion"] = censored.distortion
        metrics["erased_names"] = censored.erased_names
        true = true_ledger(table, ids, eng.seed, scen)
        official = official_ledger(true, ids, table.first, censored, len(labels))
        return Outcome(metrics, true.frame(), official.frame(), series)

    def outcome(self) -> Outcome:
        return self._outcome

    def history(self) -> pd.DataFrame:
        """The true ledger so far (what `replay` must reproduce exactly)."""
        return self.outcome().events
