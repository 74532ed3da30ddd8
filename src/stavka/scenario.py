"""Builds the initial world of a scenario: posts, the corps (named roster + generated officers),
fronts and the exogenous calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numba
import numpy as np
from numpy.typing import NDArray

from .beta_quantile import QuantileTables, fill_from_scipy, table_quantile
from .calendar import Calendar, parse_month
from .config import ConfigError, ScenarioConfig, kernel_params, load_scenario
from .engine.codes import PostKind, Status, War
from .engine.state import FRONT, OFFICER, RUN, PostTable, Workspace, World, officer_table
from .rng import Purpose, stream_keys, uniform, uniforms
from .roster import RosterEntry, load_roster

FRONT_NAMES = (
    "Northwestern",
    "Western",
    "Southwestern",
    "Northern",
    "Southern",
    "Reserve",
    "Central",
    "Bryansk",
    "Leningrad",
    "Kalinin",
    "Volkhov",
    "Stalingrad",
    "Voronezh",
    "Don",
)
BORDER_DISTRICTS = ("Baltic Special MD", "Western Special MD", "Kiev Special MD", "Leningrad MD", "Odessa MD")
N_BORDER = len(BORDER_DISTRICTS)
REAR_DISTRICTS = (
    "Moscow",
    "Kharkov",
    "North Caucasus",
    "Transcaucasian",
    "Volga",
    "Ural",
    "Siberian",
    "Central Asian",
    "Transbaikal",
    "Far Eastern",
    "Arkhangelsk",
    "Orel",
)
# Roster district codes of 1937 and 1941 -> border front slot (pre-war border districts).
_BORDER_CODES = {
    "Baltic": 0,
    "BalticSpecial": 0,
    "Belorussian": 1,
    "WesternSpecial": 1,
    "Kiev": 2,
    "KievSpecial": 2,
    "Leningrad": 3,
    "Odessa": 4,
}
_REAR_CODES = {
    "Moscow": "Moscow",
    "Kharkov": "Kharkov",
    "NorthCaucasus": "North Caucasus",
    "Transcaucasian": "Transcaucasian",
    "Volga": "Volga",
    "Ural": "Ural",
    "Siberian": "Siberian",
    "CentralAsian": "Central Asian",
    "Transbaikal": "Transbaikal",
    "FarEast": "Far Eastern",
    "Arkhangelsk": "Arkhangelsk",
    "Orel": "Orel",
}
MIN_RANK = {PostKind.STAFF: 2, PostKind.FRONT: 3, PostKind.ARMY: 2, PostKind.DISTRICT: 2, PostKind.CORPS: 0}


def build_posts(cfg: ScenarioConfig) -> PostTable:
    p = cfg.posts
    kinds: list[int] = []
    fronts: list[int] = []
    names: list[str] = []

    def add(kind: PostKind, front: int, name: str) -> None:
        kinds.append(kind)
        fronts.append(front)
        names.append(name)

    for s in range(p.n_staff):
        add(PostKind.STAFF, -1, "Chief of the General Staff" if s == 0 else f"Deputy Chief of Staff {s}")
    for f in range(p.n_fronts):
        add(PostKind.FRONT, f, f"{FRONT_NAMES[f] if f < len(FRONT_NAMES) else f'Front {f + 1}'} Front")
    army = 0
    for f in range(p.n_fronts):
        for _ in range(p.armies_per_front):
            army += 1
            add(PostKind.ARMY, f, f"{army}{_ordinal(army)} Army")
    for d in range(p.n_districts):
        add(PostKind.DISTRICT, -1, f"{REAR_DISTRICTS[d] if d < len(REAR_DISTRICTS) else f'District {d + 1}'} MD")
    for c in range(p.n_corps):
        add(PostKind.CORPS, -1, f"{c + 1}{_ordinal(c + 1)} Rifle Corps")
    kind = np.array(kinds, dtype=np.int8)
    # Vacancies are filled from the top down, so that promotions cascade: chief of staff, fronts,
    # armies, deputies, districts, corps.
    order = [0] + [i for i in range(len(kinds)) if kind[i] == PostKind.FRONT]
    order += [i for i in range(len(kinds)) if kind[i] == PostKind.ARMY]
    order += [i for i in range(1, len(kinds)) if kind[i] == PostKind.STAFF]
    order += [i for i in range(len(kinds)) if kind[i] in (PostKind.DISTRICT, PostKind.CORPS)]
    return PostTable(
        kind=kind,
        front=np.array(fronts, dtype=np.int16),
        min_rank=np.array([MIN_RANK[PostKind(k)] for k in kinds], dtype=np.int8),
        fill_order=np.array(order, dtype=np.int16),
        names=names,
    )


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def step_series(points: Sequence[tuple[str, float]], cal: Calendar, before: float) -> NDArray[np.float64]:
    """A dated step function over the scenario's months."""
    out = np.full(cal.n_months, before, dtype=np.float64)
    for label, value in points:
        out[max(cal.index(label), 0) :] = value
    return out


@numba.njit(cache=True, parallel=True)
def _draw_corps(keys, off, pair, start, pieces, coef, born, start_year, rank, senior, patron_share, age):  # type: ignore[no-untyped-def]
    """The part of the initial corps that differs from run to run, from the run's stream `keys[r]` (draw d
    of slot i: `uniform(keys[r], i, d)`):

    - hidden traits comp, loyal, ambition (draws 1-3): Beta(mean * kappa, (1 - mean) * kappa) by the
      inverse CDF of the draw clipped to [1e-9, 1 - 1e-9], from the tables (NaN where a pair has none);
    - age: from the year of birth of a named officer, else age[0] + age[1] * rank, uniform over a span of
      age[2] years (draw 4): corps.age_base, age_per_rank, age_span (36 + 3.5 * rank +- 4 by default);
    - patron: a senior officer (draw 6 picks him), kept with probability patron_share (draw 5) if he
      outranks the officer: cliques, guilt by association.
    """
    n = off.shape[1]
    n_senior = senior.shape[0]
    for r in numba.prange(off.shape[0]):
        key = keys[r]
        for i in range(n):
            o = off[r, i]
            o.comp = table_quantile(pair, start, pieces, coef, i, min(max(uniform(key, i, 1), 1e-9), 1 - 1e-9))
            o.loyal = table_quantile(pair, start, pieces, coef, n + i, min(max(uniform(key, i, 2), 1e-9), 1 - 1e-9))
            o.ambition = table_quantile(pair, start, pieces, coef, 2 * n + i, min(max(uniform(key, i, 3), 1e-9), 1 - 1e-9))
            if born[i] > 0:
                o.age = start_year - born[i]
            else:
                o.age = age[0] + age[1] * rank[i] + age[2] * (uniform(key, i, 4) - 0.5)
            o.patron = -1
            if n_senior > 0:
                pick = senior[min(int(uniform(key, i, 6) * n_senior), n_senior - 1)]
                if uniform(key, i, 5) < patron_share and rank[pick] > rank[i]:
                    o.patron = pick


def _roster_date(cfg: ScenarioConfig) -> str:
    """The roster a scenario starts with: 1 Jan 1937, or 22 Jun 1941 for a start from mid-1941."""
    year, month = parse_month(cfg.scenario.start)
    return "1941" if year + (month - 1) / 12 >= 1941.4 else "1937"


_NEEDED: dict[tuple[object, ...], int] = {}


def officers_needed(cfg: ScenarioConfig) -> int:
    """The officer slots a scenario needs at the least: one for each post held at the start and one
    for each named officer (`Scenario._placement`).  Depends on the posts and the roster alone."""
    key = (cfg.posts, cfg.corps.use_roster, cfg.corps.staff_posted, _roster_date(cfg) if cfg.corps.use_roster else "")
    if key not in _NEEDED:
        _NEEDED[key] = len(Scenario(cfg)._placement()[1])
    return _NEEDED[key]


@dataclass(frozen=True)
class _CorpsLayout:
    """The run-independent part of the initial corps (`Scenario._corps_layout`); arrays are read-only."""

    row: NDArray[np.void]  # (officers,) OFFICER: every field that is the same in every run
    born: NDArray[np.int64]  # year of birth of named officers, 0 for generated ones
    trait_a: NDArray[np.float64]  # (3, officers): Beta parameters of comp, loyal, ambition
    trait_b: NDArray[np.float64]
    traits: QuantileTables  # their tables: column t * officers + i is trait t of slot i
    senior: NDArray[np.int64]  # slots of rank >= turnover.patron_min_rank, the possible patrons
    holder: NDArray[np.int16]  # (posts,) slot holding each post at the start, -1 vacant
    patron_of: NDArray[np.int64]  # slots of named officers with a recorded patron (roster patron_1937) ...
    patron_slot: NDArray[np.int16]  # ... and their patrons' slots


@dataclass
class Scenario:
    """A validated scenario, ready to initialise worlds for any runs."""

    config: ScenarioConfig
    calendar: Calendar = field(init=False)
    posts: PostTable = field(init=False)
    roster: tuple[RosterEntry, ...] = field(init=False)
    war_start: int = field(init=False)
    fronts_target: NDArray[np.int64] = field(init=False)
    pressure: NDArray[np.float64] = field(init=False)
    enemy_quality: NDArray[np.float64] = field(init=False)
    mobilisation: NDArray[np.float64] = field(init=False)
    params: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        c = self.config
        self.calendar = Calendar(c.scenario.start, c.scenario.end)
        self.posts = build_posts(c)
        self.war_start = self.calendar.index(c.scenario.war_start)
        self.roster = load_roster(_roster_date(c)) if c.corps.use_roster else ()
        cal = c.calendar
        self.fronts_target = np.minimum(step_series(cal.fronts, self.calendar, 0.0), c.posts.n_fronts).astype(np.int64)
        self.pressure = step_series(cal.enemy_pressure, self.calendar, cal.enemy_pressure[0][1])
        self.enemy_quality = step_series(cal.enemy_quality, self.calendar, cal.enemy_quality[0][1])
        self.mobilisation = step_series(cal.mobilisation, self.calendar, cal.mobilisation[0][1])
        self.params = kernel_params(c)

    @cached_property
    def distinction(self) -> NDArray[np.int64]:
        """Month index of each slot's recorded distinction (roster distinction_month), -1 none or outside the
        scenario (`before.distinction_step`)."""
        out = np.full(self.config.corps.n_officers, -1, dtype=np.int64)
        if not self.roster:
            return out
        named = self._corps_layout.row["roster"]
        for s, j in enumerate(named):
            month = self.roster[j].distinction if j >= 0 else ""
            if month:
                t = self.calendar.index(month)
                out[s] = t if 0 <= t < self.calendar.n_months else -1
        return out

    @cached_property
    def distinction_staff(self) -> NDArray[np.int8]:
        """1 for each slot whose recorded distinction was earned on a staff or as an adviser (roster
        distinction_role `staff`), read with `ruler.staff_distinction_reading` (`observation.distinction_step`)."""
        out = np.zeros(self.config.corps.n_officers, dtype=np.int8)
        if not self.roster:
            return out
        for s, j in enumerate(self._corps_layout.row["roster"]):
            out[s] = 1 if j >= 0 and self.roster[j].distinction_staff else 0
        return out

    @property
    def name(self) -> str:
        return self.config.scenario.name

    @classmethod
    def load(cls, scenario: str | ScenarioConfig = "default", **overrides: object) -> Scenario:
        return cls(load_scenario(scenario, **overrides))

    # --- initial world --------------------------------------------------------------------------

    def initial_world(self, seed: int, run_ids: NDArray[np.int64], workspace: Workspace | None = None) -> World:
        c = self.config
        n_runs, n = len(run_ids), c.corps.n_officers
        lay = self._corps_layout
        keys = stream_keys(seed, run_ids, -1, Purpose.INIT_TRAITS)

        off = officer_table(n_runs, n, workspace)
        off.view(np.uint8).reshape(n_runs, -1)[:] = lay.row.view(np.uint8)  # a byte copy: far faster than by field
        # Hidden traits, age and patron of every officer of every run, in one compiled pass (`_draw_corps`).
        t = lay.traits
        _draw_corps(
            keys,
            off,
            t.pair,
            t.start,
            t.pieces,
            t.coef,
            lay.born,
            self.calendar.start_year,
            lay.row["rank"],
            lay.senior,
            c.corps.patron_share,
            np.array([c.corps.age_base, c.corps.age_per_rank, c.corps.age_span]),
        )
        if lay.patron_slot.size:  # the 1937 case's ties replace the random patron of the men it named
            off["patron"][:, lay.patron_of] = lay.patron_slot
        for k, name in enumerate(("comp", "loyal", "ambition")):
            if np.isnan(off[name]).any():  # a Beta pair without a table: scipy's quantile
                q = np.clip(uniforms(keys, n, 1 + k), 1e-9, 1 - 1e-9)
                fill_from_scipy(off[name], q, lay.trait_a[k], lay.trait_b[k])

        holder = np.empty((n_runs, self.posts.n), dtype=np.int16)
        holder[:] = lay.holder
        fronts = np.zeros((n_runs, c.posts.n_fronts), dtype=FRONT)
        fronts["active"][:, : min(N_BORDER, c.posts.n_fronts)] = 1  # border districts before the war
        fronts["own"] = c.operations.own_strength
        fronts["enemy"] = c.operations.enemy_strength
        fronts["odds"] = 1.0
        fronts["hold"] = 0  # no hold orders until a doctrine gives them
        run = np.zeros(n_runs, dtype=RUN)
        run["war"] = War.PEACE
        run["war_end"] = -1
        run["ruler_alive"] = 1
        run["paranoia"] = c.ruler.paranoia_start
        run["listening"] = 0.5
        run["enemy_pool"] = c.operations.enemy_reserve * c.operations.enemy_strength * N_BORDER
        run["max_depth"] = 0.0
        run["deputy"] = -1  # no deputy before the ruler names one (`engine/deputy.py`)
        return World(off=off, holder=holder, fronts=fronts, run=run, generation=np.zeros((n_runs, n), dtype=np.int32))

    @cached_property
    def _corps_layout(self) -> _CorpsLayout:
        """Everything about the initial corps that is the same in every run, computed once per scenario."""
        c = self.config
        n = c.corps.n_officers
        slot_post, slot_rank, slot_named, slot_status = self._placement()
        n_fixed = len(slot_rank)
        if n_fixed > n:  # refused when the scenario is loaded (`config.validate_scenario`), unless built by hand
            raise ConfigError(
                f"corps.n_officers: {n} is too few for the {n_fixed} posts and named officers of this "
                f"scenario; expected at least {n_fixed}"
            )
        rank = np.zeros(n, dtype=np.int8)
        rank[:n_fixed] = slot_rank
        # Reserve officers (no post): mostly colonels.
        rank[n_fixed:] = np.arange(n - n_fixed) % 4 == 0  # one in four a major general; same in every run
        post = np.full(n, -1, dtype=np.int16)
        post[:n_fixed] = slot_post
        named = np.full(n, -1, dtype=np.int16)
        named[:n_fixed] = slot_named

        row = np.zeros(n, dtype=OFFICER)
        row["ident"] = np.arange(n, dtype=np.int32)
        row["rank"] = rank
        row["post"] = post
        row["status"] = Status.ACTIVE
        row["status"][:n_fixed] = slot_status
        row["roster"] = named
        row["pop"] = 0.04 * rank
        row["fear"] = c.politics.fear_baseline
        row["bc_mu"] = np.clip(c.corps.competence_mean + c.corps.rank_competence_gain * rank, 0, 1)
        row["bc_var"] = c.ruler.prior_var
        row["bl_mu"] = c.corps.loyalty_mean
        row["bl_var"] = c.ruler.prior_var
        row["custody"] = 0
        # The ruler knows his own men (roster ruler_client); the organ has files on some (roster dossier).
        client = np.array([i >= 0 and self.roster[i].client for i in named], dtype=bool)
        row["bl_mu"][client] = c.corps.client_loyalty
        row["bl_var"][client] = c.corps.client_belief_var
        dossier = np.array([i >= 0 and self.roster[i].dossier for i in named], dtype=bool)
        row["susp"][dossier] = c.corps.dossier_suspicion
        slot_of_key = {self.roster[j].key: s for s, j in enumerate(named) if j >= 0}
        ties = [
            (s, slot_of_key[self.roster[j].patron])
            for s, j in enumerate(named)
            if j >= 0 and self.roster[j].patron in slot_of_key
        ]
        row["tenure"] = np.where(post >= 0, 12, 0)  # the holders of 1937 are settled in their posts

        # The Beta parameters of the hidden traits: means by rank, or the roster's, with concentration kappa.
        comp_mean = np.clip(
            c.corps.competence_mean + c.corps.rank_competence_gain * rank,
            c.corps.competence_mean_min,
            c.corps.competence_mean_max,
        )
        loyal_mean = np.full(n, c.corps.loyalty_mean)
        amb_mean = np.full(n, c.corps.ambition_mean)
        kappa = np.full(n, c.corps.trait_concentration)
        for i, idx in enumerate(named):
            if idx >= 0:
                e = self.roster[idx]
                comp_mean[i], loyal_mean[i], amb_mean[i] = e.competence, e.loyalty, e.ambition
                kappa[i] = c.corps.roster_concentration
        means = np.stack([comp_mean, loyal_mean, amb_mean])

        holder = np.full(self.posts.n, -1, dtype=np.int16)
        for i in range(n_fixed):
            if slot_post[i] >= 0:
                holder[slot_post[i]] = i
        lay = _CorpsLayout(
            row=row,
            born=np.array([self.roster[i].born_year or 0 if i >= 0 else 0 for i in named]),
            trait_a=means * kappa,
            trait_b=(1 - means) * kappa,
            traits=QuantileTables.of((means * kappa).reshape(-1), ((1 - means) * kappa).reshape(-1)),
            senior=np.flatnonzero(rank >= c.turnover.patron_min_rank),
            holder=holder,
            patron_of=np.array([a for a, _ in ties], dtype=np.int64),
            patron_slot=np.array([b for _, b in ties], dtype=np.int16),
        )
        for a in (lay.row, lay.born, lay.trait_a, lay.trait_b, lay.senior, lay.holder, lay.patron_of, lay.patron_slot):
            a.setflags(write=False)
        return lay

    def _placement(self) -> tuple[NDArray[np.int16], NDArray[np.int8], NDArray[np.int16], NDArray[np.int8]]:
        """Slots of the named officers and of the generated holders of every post active at the start.

        The layout is the same in every run (who holds what), only hidden traits differ."""
        posts = self.posts
        active = self._active_posts_at_start()
        taken: dict[int, int] = {}
        slots: list[tuple[int, int, int, int]] = []  # (post, rank, roster index, status)
        by_name = {name: i for i, name in enumerate(posts.names)}

        # each kind's active posts in index order, so `first_free` is a short scan, not one over every post
        open_posts = {k: np.flatnonzero((posts.kind == k) & active).tolist() for k in PostKind}

        def first_free(kind: PostKind) -> int:
            return next((p for p in open_posts[kind] if p not in taken), -1)

        for idx, e in enumerate(self.roster):
            code, _, place = e.post.partition(":")
            p = -1
            status = Status.ACTIVE
            if code == "district":
                if place in _BORDER_CODES and _BORDER_CODES[place] < self.config.posts.n_fronts:
                    p = int(np.flatnonzero((posts.kind == PostKind.FRONT) & (posts.front == _BORDER_CODES[place]))[0])
                elif place in _REAR_CODES:
                    p = by_name.get(f"{_REAR_CODES[place]} MD", -1)
                if p in taken:
                    p = first_free(PostKind.DISTRICT)
            elif code == "centre":
                p = first_free(PostKind.STAFF)
            elif code == "army":
                p = first_free(PostKind.ARMY)
            elif code == "corps" or (code == "staff" and self.config.corps.staff_posted):
                p = first_free(PostKind.CORPS)
            elif code == "prison":
                status = Status.ARRESTED
            if p >= 0:
                taken[p] = idx
            slots.append((p, e.rank, idx, status))
        for p in range(posts.n):
            if active[p] and p not in taken:
                rank = {
                    PostKind.STAFF: 4 if p == 0 else 3,
                    PostKind.FRONT: 4,
                    PostKind.ARMY: 2,
                    PostKind.DISTRICT: 3,
                    PostKind.CORPS: 1,
                }[PostKind(posts.kind[p])]
                slots.append((p, rank, -1, Status.ACTIVE))
        arr = np.array(slots, dtype=np.int64).reshape(-1, 4)
        return (arr[:, 0].astype(np.int16), arr[:, 1].astype(np.int8), arr[:, 2].astype(np.int16), arr[:, 3].astype(np.int8))

    def _active_posts_at_start(self) -> NDArray[np.bool_]:
        posts = self.posts
        border = posts.front < N_BORDER
        is_front_or_army = (posts.kind == PostKind.FRONT) | (posts.kind == PostKind.ARMY)
        return np.where(is_front_or_army, border, True)
