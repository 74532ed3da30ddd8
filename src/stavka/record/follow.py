"""History as a track: the record as a player, and branching from it.

A scenario with `scenario.follow_record_until = M` follows the record in the months before M: the named officers'
recorded appointments, reliefs, arrests, releases and executions (`careers.csv`) are imposed month by month, in
posts of the model as the record names them, and from M on the doctrine decides alone.  The record is a player
(`RecordPlayer`): it wraps the doctrine, lets it decide the month, then fills the month's `Decisions` for the named
officers from the record's schedule (`RecordPlan`) and takes from the doctrine every decision about them.  While
the run follows the record the engine leaves the named officers' fates to it (`engine.common.on_record`): the organ
does not take them, nor trial, battle, age or a challenge of their own, and no challenge unseats the ruler.

The record's posts become the model's (`build_plan`):

- a front of the war in Europe holds a front slot for its life: the slot of its name if the calendar has opened
  it (`FRONT_NAMES`: Northwestern, Western, Southwestern, Northern, Southern are the border slots 0-4), else the
  lowest slot the calendar keeps open and no other front holds over the same months; a front for which the
  calendar opens no slot is not imposed;
- a border district before the war is its front slot (the pre-war border districts are the fronts' posts of
  1941); a rear district (and a front of the Far East or Transcaucasia) is the district post of its name;
- the Chief of the General Staff is staff post 0; the People's Commissar, his deputies, the deputy chiefs of the
  General Staff and the inspectors are the deputy staff posts;
- an army (or army group) command is an army post of a front open over the same months (the one of the same
  number if it is free), a corps or division command a corps post;
- NKVD custody is an arrest in its first month, with release or execution in its last;
- any other post (academy, staff of a unit, deputy commands, posts abroad) is no post of the model: the officer
  goes to the reserve.

An appointment is imposed in the month the record's post begins; the relief in the month after the post ends (the
model's month is the record's whole month, so the man fights the month he held), unless his next post begins by
then.  One order per officer a month: an order that falls in a month the officer already has one moves to the
next.  A named officer's rank rises to the record's (`rank` of the careers, `rank_level_1941` of the people) one
step a month; an appointment above his rank promotes to the post's rank at once (as every appointment does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..engine.codes import Action
from .data import NON_EUROPEAN_FRONTS, Row, careers, people

if TYPE_CHECKING:
    from ..engine.interface import Decisions, RulerView
    from ..scenario import Scenario

RECORD_START = "1937-01"  # the first month the record gives a whole corps for (the roster of 1 January 1937)
PRIORITY = 1e12  # the record's orders come before any doctrine's within the attention budget
RANK_PRIORITY = 1e11  # ... its rank steps after its other orders

_MONTH = re.compile(r"^\d{4}(-\d{2})?$")
_RANKS = (
    ("marshal", 5),
    ("komandarm 1st rank", 4),
    ("komandarm 2nd rank", 3),
    ("komkor", 2),
    ("komdiv", 1),
    ("kombrig", 0),
    ("army general", 4),
    ("general of the army", 4),
    ("colonel general", 3),
    ("lieutenant general", 2),
    ("major general", 1),
    ("lieutenant colonel", 0),  # below the model's ladder: its first rung
    ("colonel", 0),
)
_RANK_RE = re.compile("|".join(re.escape(name) for name, _ in _RANKS))
_RANK_OF = dict(_RANKS)
_BORDER: tuple[tuple[str, int], ...] = (
    ("baltic", 0),
    ("belorussian", 1),
    ("western special", 1),
    ("kiev", 2),
    ("ukrainian", 2),
    ("leningrad", 3),
)
_BORDER += (("northwestern", 3), ("odessa", 4))
_REAR = (
    ("moscow", "Moscow"),
    ("kharkov", "Kharkov"),
    ("north caucas", "North Caucasus"),
    ("transcaucas", "Transcaucasian"),
    ("volga", "Volga"),
    ("ural", "Ural"),
    ("siberian", "Siberian"),
    ("central asia", "Central Asian"),
    ("transbaikal", "Transbaikal"),
    ("far east", "Far Eastern"),
    ("arkhangelsk", "Arkhangelsk"),
    ("orel", "Orel"),
    ("oryol", "Orel"),
)
_STAFF = re.compile(r"general staff|people's commissar of defence|inspector|cinc ground forces", re.I)
_NOT_COMMAND = re.compile(r"deputy commander|chief of staff|deputy chief of staff|chief of operations|staff officer", re.I)


def record_end() -> str:
    """The last month the careers dataset covers."""
    return max(_month(r["to"], end=True) for r in careers() if r["to"].strip())


def check_follow(start: str, end: str, until: str) -> str:
    """Why a scenario cannot follow the record up to `until` ('' if it can): the month must be in the scenario,
    and the scenario must start in a month the record covers."""
    if not start <= until <= end:
        return f"{until} is outside the scenario, {start} .. {end}"
    last = record_end()
    if not RECORD_START <= start <= last:
        return (
            f"the record covers {RECORD_START} .. {last}; a scenario starting in {start} cannot follow it "
            f"(expected scenario.start from {RECORD_START})"
        )
    return ""


def _month(text: str, end: bool = False) -> str:
    """A careers month, 'YYYY-MM'; a year alone is its January (its December as the end of a post)."""
    text = text.strip()
    if not _MONTH.match(text):
        raise ValueError(f"careers.csv: {text!r} is not a month")
    return text if len(text) == 7 else f"{text}-{'12' if end else '01'}"


def ranks_in(text: str) -> list[int]:
    """The model's rank levels named in a careers `rank` text, in order ('komkor -> Colonel General': [2, 3])."""
    return [_RANK_OF[m.group(0)] for m in _RANK_RE.finditer(text.lower())]


@dataclass(frozen=True)
class Order:
    """One imposed order: in month `month`, named officer `slot` gets `action` (an `Action` code); `post` is the
    post of an APPOINT, or the post a REMOVE relieves him of (-1: any)."""

    month: int
    slot: int
    action: int
    post: int
    person: str
    what: str


@dataclass
class RecordPlan:
    """The record's schedule for one scenario: orders by month, rank targets, and what could not be imposed."""

    until: int  # the first month the doctrine decides alone
    n_named: int
    orders: dict[int, list[Order]] = field(default_factory=dict)
    rank_target: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # (named, months)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (person, record row, why not imposed)

    def schedule(self, labels: list[str]) -> pd.DataFrame:
        """The orders as a table (month, person, action, post index, what the record says)."""
        from ..engine.codes import Action

        rows = [
            {
                "month": labels[o.month],
                "person": o.person,
                "action": Action(o.action).name.lower(),
                "post": o.post,
                "what": o.what,
            }
            for t in sorted(self.orders)
            for o in self.orders[t]
        ]
        return pd.DataFrame(rows, columns=["month", "person", "action", "post", "what"])

    def not_imposed(self) -> pd.DataFrame:
        return pd.DataFrame(self.skipped, columns=["person", "record", "why"])

    def impose(self, d: Decisions, view: RulerView) -> None:
        """Fill month `view.month`'s decisions for the named officers: the record's orders, rank steps toward the
        record's rank, and nothing of the doctrine's (he is not appointed by the doctrine's preference either)."""
        from ..engine.codes import Action, Cause, Status

        t = view.month
        if t >= self.until or self.n_named == 0:
            return
        o = view.officer
        slots = np.arange(self.n_named)
        own = o["ident"][:, : self.n_named] == slots[None, :]  # (runs, named): still the named man (not a successor)
        status = o["status"][:, : self.n_named]
        post = o["post"][:, : self.n_named]
        rank = o["rank"][:, : self.n_named]
        named = np.zeros(d.action.shape, dtype=np.bool_)
        named[:, : self.n_named] = own
        d.action[named] = Action.NONE
        if d.target_post is not None:
            d.target_post[named] = -1
        d.appoint_score[named] = -np.inf
        ordered = np.zeros(own.shape, dtype=np.bool_)
        for k, order in enumerate(self.orders.get(t, ())):
            i = order.slot
            act = order.action
            priority = PRIORITY - k  # the engine carries them out in the plan's order
            if act == Action.APPOINT:
                rows = np.flatnonzero(own[:, i] & (status[:, i] == Status.ACTIVE))
                for r in rows:
                    d.appoint(int(r), i, order.post, priority, Cause.RECORD)
            else:
                if act == Action.REMOVE:
                    ok = (post[:, i] == order.post) if order.post >= 0 else (post[:, i] >= 0)
                    ok &= status[:, i] == Status.ACTIVE
                elif act == Action.ARREST:
                    ok = status[:, i] == Status.ACTIVE
                elif act == Action.EXECUTE:
                    ok = (status[:, i] == Status.ACTIVE) | (status[:, i] == Status.ARRESTED)
                else:  # RELEASE
                    ok = status[:, i] == Status.ARRESTED
                rows = np.flatnonzero(own[:, i] & ok)
                d.action[rows, i] = act
                d.priority[rows, i] = priority
                d.cause[rows, i] = Cause.RECORD
            ordered[:, i] = True
        # Rank steps where the month has no other order for him.
        target = self.rank_target[:, t][None, :]
        up = own & ~ordered & (status == Status.ACTIVE) & (rank < target)
        r_idx, i_idx = np.nonzero(up)
        d.action[r_idx, i_idx] = Action.PROMOTE
        d.priority[r_idx, i_idx] = RANK_PRIORITY
        d.cause[r_idx, i_idx] = Cause.RECORD


class RecordPlayer:
    """The record as a player: the doctrine decides each month, then the record decides for the named officers,
    in the months before `plan.until`; from then on the doctrine alone (its compiled path too)."""

    def __init__(self, doctrine: Any, plan: RecordPlan, labels: list[str]) -> None:
        self.doctrine = doctrine
        self.plan = plan
        self._index = {m: i for i, m in enumerate(labels)}

    def decide(self, view: RulerView) -> Decisions:
        d = self.doctrine.decide(view)
        self.plan.impose(d, view)
        return d

    def month_plan(self, label: str) -> Any:
        if self._index[label] < self.plan.until:
            return None  # the stepping path: the record fills the month's decisions
        return self.doctrine.month_plan(label)


# --- the record's posts as the model's ------------------------------------------------------------------------------


class _Posts:
    """Which model posts the record's posts are, and which of them are taken when (by the record's men)."""

    def __init__(self, scen: Scenario) -> None:
        from ..engine.codes import PostKind
        from ..scenario import FRONT_NAMES, N_BORDER

        self.scen = scen
        p = scen.posts
        self.kind, self.front = p.kind, p.front
        self.names = p.names
        self.by_name = {n: i for i, n in enumerate(p.names)}
        self.front_post = {int(p.front[i]): i for i in range(p.n) if p.kind[i] == PostKind.FRONT}
        self.front_names = FRONT_NAMES
        self.n_border = N_BORDER
        self.n_months = scen.calendar.n_months
        self.war = scen.war_start
        self.target = scen.fronts_target
        self.taken: dict[int, list[tuple[int, int, str]]] = {}  # post -> (from, to, holder: a unit or a person)
        self.staff = [i for i in range(p.n) if p.kind[i] == PostKind.STAFF and i != 0]
        self.armies = [i for i in range(p.n) if p.kind[i] == PostKind.ARMY]
        self.corps = [i for i in range(p.n) if p.kind[i] == PostKind.CORPS]
        self.front_stretch: list[tuple[str, int, int, int]] = []  # (unit, from, to, post or -1)
        self.front_start: dict[tuple[str, int], int] = {}  # (unit, from) -> the month it has its slot from

    def slot_open(self, f: int, a: int, b: int) -> bool:
        """Is front slot f open in every month a..b (border slots always; the others while the calendar keeps
        them, from the war's start)?"""
        if f < self.n_border:
            return True
        if a < self.war:
            return False
        return bool((self.target[a : b + 1] > f).all())

    def free(self, post: int, a: int, b: int, holder: str) -> bool:
        """No one else holds `post` for more than a month of a..b (successors meet in a month)."""
        return all(who == holder or min(b, e) - max(a, c) < 1 for c, e, who in self.taken.get(post, []))

    def take(self, post: int, a: int, b: int, holder: str) -> int:
        self.taken.setdefault(post, []).append((a, b, holder))
        return post

    def pick(self, candidates: list[int], a: int, b: int, holder: str) -> int:
        for post in candidates:
            f = int(self.front[post])
            if (f < 0 or self.slot_open(f, a, b)) and self.free(post, a, b, holder):
                return self.take(post, a, b, holder)
        return -1

    def district(self, text: str) -> int:
        low = text.lower()
        for key, name in _REAR:
            if key in low and f"{name} MD" in self.by_name:
                return self.by_name[f"{name} MD"]
        return -1

    def border(self, text: str) -> int:
        low = text.lower()
        hits = [(low.find(key), f) for key, f in _BORDER if key in low]
        if not hits:
            return -1
        f = min(hits)[1]
        return self.front_post.get(f, -1)

    def assign_fronts(self, rows: list[Row], month_of: Any) -> None:
        """Give each front of the war a slot for each stretch of its life (its rows with gaps of at most a month),
        the stretches in order of beginning, the longer first: the slot of its name if open and free throughout,
        else the lowest open and free one, else the lowest open and free when the stretch begins."""
        spans: dict[str, list[list[int]]] = {}
        for row in sorted(rows, key=lambda r: month_of(r)):
            a, b = month_of(row)
            runs = spans.setdefault(row["unit"].strip(), [])
            if runs and a <= runs[-1][1] + 1:
                runs[-1][1] = max(runs[-1][1], b)
            else:
                runs.append([a, b])
        stretches = sorted(((a, b, unit) for unit, runs in spans.items() for a, b in runs), key=lambda x: (x[0], x[0] - x[1]))
        for a, b, unit in stretches:
            name = unit.removesuffix(" Front")
            prefer = [self.front_post[self.front_names.index(name)]] if name in self.front_names else []
            others = [self.front_post[f] for f in sorted(self.front_post)]
            post = self.pick([p for p in prefer if p in self.front_post.values()] + others, a, b, unit)
            start = a
            for m in range(a, b + 1):  # else from the first month a slot is open and free to its end, if any
                if post >= 0:
                    break
                for f in sorted(self.front_post):
                    q = self.front_post[f]
                    if self.slot_open(f, m, b) and self.free(q, m, b, unit):
                        post, start = self.take(q, m, b, unit), m
                        break
            self.front_stretch.append((unit, a, b, post))
            self.front_start[(unit, a)] = start

    def war_front(self, unit: str, a: int, b: int) -> tuple[int, str]:
        """The post of the front slot a front of the war holds in its stretch that contains month a."""
        for u, c, e, post in self.front_stretch:
            if u == unit and c <= a <= e:
                if post < 0:
                    return -1, "no front slot open and free: the calendar opens fewer fronts than the record has then"
                return post, ""
        return -1, "no stretch of this front"

    def slot_from(self, unit: str, a: int) -> int:
        """The first month the stretch of `unit` containing month a has its slot (a slot may open later)."""
        for u, c, e, _ in self.front_stretch:
            if u == unit and c <= a <= e:
                return self.front_start[(u, c)]
        return a

    def army(self, text: str, a: int, b: int, holder: str) -> int:
        m = re.search(r"(\d+)(st|nd|rd|th) (separate red banner |shock )?army", text.lower())
        same = [self.by_name[f"{m.group(1)}{m.group(2)} Army"]] if m and f"{m.group(1)}{m.group(2)} Army" in self.by_name else []
        return self.pick(same + self.armies, a, b, holder)


def _target(row: Row, a: int, b: int, posts: _Posts) -> tuple[str, int, str]:
    """What a careers row is in the model: ('post', post, ''), ('custody', -1, end), ('reserve', -1, why) or
    ('skip', -1, why)."""
    kind = row["post_kind"].strip()
    text = row["post"]
    unit = row["unit"].strip()
    holder = row["key"]
    if kind == "custody":
        return "custody", -1, row["end_reason"].strip()
    if kind == "front":
        if unit in NON_EUROPEAN_FRONTS:
            p = posts.district(unit)
            return ("post", p, "") if p >= 0 else ("reserve", -1, "a front outside the model's posts")
        if a < posts.war:  # a front of 1939-40 (Poland, Finland): its border district
            p = posts.border(text)
            return ("post", p, "") if p >= 0 else ("reserve", -1, "a pre-war front outside the model's posts")
        p, why = posts.war_front(unit, a, b)
        return ("post", p, "") if p >= 0 else ("skip", -1, why)
    if _NOT_COMMAND.search(text) or text.lower().startswith("deputy"):
        return "reserve", -1, "not a command the model has (a deputy or a staff of a unit)"
    if kind == "district":
        p = posts.border(text)
        if p < 0:
            p = posts.district(text)
        return ("post", p, "") if p >= 0 else ("reserve", -1, "a district the model does not have")
    if kind == "staff":
        if text.startswith("Chief of the General Staff"):
            return "post", 0, ""
        if _STAFF.search(text):
            p = posts.pick(posts.staff, a, b, holder)
            return ("post", p, "") if p >= 0 else ("reserve", -1, "every deputy staff post taken by the record's men")
        return "reserve", -1, "a central directorate or a unit's staff: not a post of the model"
    if kind == "army" and "command" in text.lower():
        p = posts.army(text, a, b, holder)
        return ("post", p, "") if p >= 0 else ("reserve", -1, "no army post of an open front free")
    if kind in ("corps", "division") and "command" in text.lower():
        p = posts.pick(posts.corps, a, b, holder)
        return ("post", p, "") if p >= 0 else ("reserve", -1, "no corps post free")
    return "reserve", -1, "not a post of the model (academy, abroad, other)"


def plan_for(scen: Scenario) -> RecordPlan:
    """The record's plan for a scenario (built once per scenario content)."""
    key = scen.config.digest()
    if key not in _CACHE:
        _CACHE[key] = build_plan(scen)
    return _CACHE[key]


_CACHE: dict[str, RecordPlan] = {}


def build_plan(scen: Scenario) -> RecordPlan:
    """The record's schedule for the named officers of `scen`, up to `scenario.follow_record_until`."""
    from ..config import follow_index

    cal = scen.calendar
    until = follow_index(scen.config)
    n_months = cal.n_months
    slot_of = {e.key: i for i, e in enumerate(scen.roster)}
    plan = RecordPlan(until=until, n_named=len(scen.roster))
    plan.rank_target = np.full((len(scen.roster), n_months), -1, dtype=np.int64)
    posts = _Posts(scen)

    def span(row: Row) -> tuple[int, int]:
        return cal.index(_month(row["from"])), cal.index(_month(row["to"] or row["from"], end=True))

    # Every row of the record takes its place in the model, whatever M is (so the history before M does not depend
    # on M: branching keeps the trunk); the orders stop at M.
    wanted = [r for r in careers() if r["key"] in slot_of and span(r)[1] >= 0]
    for row in careers():
        if row["key"] not in slot_of and span(row)[0] < until:
            plan.skipped.append((row["person"], row["post"], "not in the scenario's named roster"))
    posts.assign_fronts(
        [
            r
            for r in wanted
            if r["post_kind"] == "front" and r["unit"].strip() not in NON_EUROPEAN_FRONTS and span(r)[0] >= posts.war
        ],
        lambda r: (max(span(r)[0], 0), span(r)[1]),
    )
    # The other posts chosen among several are taken in order of beginning.
    targets = {
        id(r): _target(r, max(span(r)[0], 0), span(r)[1], posts) for r in sorted(wanted, key=lambda r: (span(r), r["key"]))
    }
    # A successor in the same recorded post takes it the month after his predecessor's last (the relief's month):
    # the model's month is whole, and the man who held it most of the month fought it.
    begins = {id(r): max(span(r)[0], 0) for r in wanted}
    for r in wanted:
        if r["post_kind"] == "front" and targets[id(r)][0] == "post" and span(r)[0] >= posts.war:
            begins[id(r)] = max(begins[id(r)], posts.slot_from(r["unit"].strip(), begins[id(r)]))
    by_post: dict[tuple[int, str], list[Row]] = {}
    for r in wanted:
        what, post, _ = targets[id(r)]
        if what == "post":
            by_post.setdefault((post, r["unit"].strip()), []).append(r)
    for holders in by_post.values():
        holders.sort(key=span)
        for k, r in enumerate(holders):
            for prev in holders[:k]:
                if targets[id(prev)][0] != "post" or prev["key"] == r["key"]:
                    continue
                if begins[id(prev)] <= begins[id(r)] <= span(prev)[1]:
                    begins[id(r)] = span(prev)[1] + 1
            if begins[id(r)] > span(r)[1]:
                targets[id(r)] = ("skip", -1, "held for less than a month between other holders of the post")
    seqs: dict[int, list[tuple[int, int, int, str, str]]] = {}
    points: dict[int, list[tuple[int, int]]] = {}
    for row in sorted(wanted, key=lambda r: (slot_of[r["key"]], span(r))):
        i = slot_of[row["key"]]
        person_rows = sorted((r for r in wanted if r["key"] == row["key"]), key=span)
        k = next(j for j, r in enumerate(person_rows) if r is row)
        seq = seqs.setdefault(i, [])
        a, b = begins[id(row)], span(row)[1]
        nxt = span(person_rows[k + 1])[0] if k + 1 < len(person_rows) else n_months
        what, post, note = targets[id(row)]
        label = f"{row['post']} ({row['from']} .. {row['to']})"
        levels = ranks_in(row["rank"])
        points.setdefault(i, []).extend([(a, lv) for lv in levels[:1]] + [(b, lv) for lv in levels[-1:]])
        if what == "custody":
            executed_at_once = note == "executed" and b <= a
            seq.append((a, Action.EXECUTE if executed_at_once else Action.ARREST, -1, row["person"], label))
            if note == "executed" and b > a:
                seq.append((b, Action.EXECUTE, -1, row["person"], label))
            elif note == "released":
                seq.append((b, Action.RELEASE, -1, row["person"], label))
            elif note and note != "executed" and a < until:
                plan.skipped.append((row["person"], label, f"'{note}': no order of the model ends custody so"))
            continue
        if what == "post" and a >= nxt:
            what, note = "skip", "his next post begins before this one could (a post held for less than a month)"
        if what == "skip":
            if a < until:
                plan.skipped.append((row["person"], label, note))
            continue
        seq.append(
            (a, Action.APPOINT, post, row["person"], label)
            if what == "post"
            else (a, Action.REMOVE, -1, row["person"], f"{label}: {note}")
        )
        end = row["end_reason"].strip()
        if end in ("killed", "captured", "wounded") and b < until:
            plan.skipped.append((row["person"], label, f"'{end}': the model's battle decides that, not an order"))
        if what == "post" and nxt > b + 1 and b + 1 < n_months:
            seq.append((b + 1, Action.REMOVE, post, row["person"], f"{label} ends ({end or 'no reason given'})"))
    _schedule(plan, scen, seqs, until)
    # Ranks: the record's rank at each month it names one, and on 22 June 1941.
    war = scen.war_start
    for row in people():
        i = slot_of.get(row["key"], -1)
        level = row["rank_level_1941"].strip()
        if i >= 0 and level.lstrip("-").isdigit() and 0 <= war < n_months:
            points.setdefault(i, []).append((war, int(level)))
    for i, pts in points.items():
        for month, lv in sorted(pts):
            if month < n_months:
                plan.rank_target[i, max(month, 0) :] = lv
    plan.rank_target[:, :] = np.maximum.accumulate(plan.rank_target, axis=1)  # the record's ranks only rise here
    return plan


# The order in which a month's orders take the attention budget: the organ's and the trial's, then commands of
# fronts, other appointments, reliefs.
def _rank_of_order(action: int, post: int, front_posts: set[int]) -> int:
    if action in (Action.ARREST, Action.EXECUTE, Action.RELEASE):
        return 0
    if action == Action.APPOINT:
        return 1 if post in front_posts else 2
    return 3


def _schedule(plan: RecordPlan, scen: Scenario, seqs: dict[int, list[tuple[int, int, int, str, str]]], until: int) -> None:
    """Months for the orders: each officer's in his record's order, one a month, at most the ruler's attention
    (`ruler.attention`) a month (the rest wait for the next), and only the orders that change something, judged
    on the named officers' posts as the orders leave them (the doctrine no longer moves them, and a front slot the
    calendar closes sends its men to the reserve)."""
    from ..engine.codes import PostKind, Status

    lay = scen._corps_layout
    n = plan.n_named
    budget = int(scen.config.ruler.attention)
    post_of = [int(lay.row["post"][i]) if lay.row["status"][i] == Status.ACTIVE else -1 for i in range(n)]
    status = [int(lay.row["status"][i]) for i in range(n)]
    holder = {p: i for i, p in enumerate(post_of) if p >= 0}
    front_of = scen.posts.front
    front_posts = {p for p in range(scen.posts.n) if scen.posts.kind[p] == PostKind.FRONT}
    pending = {i: list(seq) for i, seq in seqs.items() if seq}
    n_months = scen.calendar.n_months
    target = scen.fronts_target
    from ..scenario import N_BORDER

    def vacate(i: int) -> None:
        if post_of[i] >= 0:
            holder.pop(post_of[i], None)
            post_of[i] = -1

    for t in range(min(until, n_months)):
        if t > scen.war_start and target[t] < target[t - 1]:  # the calendar closes the highest slots
            for p, i in list(holder.items()):
                if front_of[p] >= max(int(target[t]), N_BORDER):
                    vacate(i)
        used = 0
        busy: set[int] = set()
        while True:
            ready = [
                (_rank_of_order(seq[0][1], seq[0][2], front_posts), seq[0][0], i)
                for i, seq in pending.items()
                if seq and seq[0][0] <= t and i not in busy
            ]
            if not ready or used >= budget:
                break
            _, _, i = min(ready)
            month, act, post, person, what = pending[i].pop(0)
            effective = {
                Action.APPOINT: status[i] == Status.ACTIVE and post_of[i] != post,
                Action.REMOVE: status[i] == Status.ACTIVE and post_of[i] >= 0 and post in (-1, post_of[i]),
                Action.ARREST: status[i] == Status.ACTIVE,
                Action.EXECUTE: status[i] in (Status.ACTIVE, Status.ARRESTED),
                Action.RELEASE: status[i] == Status.ARRESTED,
            }[Action(act)]
            if not effective:
                continue
            plan.orders.setdefault(t, []).append(Order(t, i, int(act), int(post), person, what))
            used += 1
            busy.add(i)
            if pending[i]:
                first = pending[i][0]
                pending[i][0] = (max(first[0], t + 1), *first[1:])
            if act == Action.APPOINT:
                if post in holder:
                    vacate(holder[post])
                vacate(i)
                post_of[i], holder[post] = post, i
            elif act == Action.REMOVE:
                vacate(i)
            elif act in (Action.ARREST, Action.EXECUTE):
                vacate(i)
                status[i] = Status.ARRESTED if act == Action.ARREST else Status.EXECUTED
            else:
                status[i] = Status.ACTIVE
    for seq in pending.values():
        for month, _, _, person, what in seq:
            if month < until:
                plan.skipped.append(
                    (person, what, "crowded out by the attention budget before the record stopped being followed")
                )
