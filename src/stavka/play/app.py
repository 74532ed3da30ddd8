"""The playable ruler as a web page (Panel): one `Page` per browser session, each with its own game, kept in
the games store under an id that the page's address carries (`?game=...`), so that reloading the page, or
coming back after the server restarted, resumes the game."""

from __future__ import annotations

import html
import io
import time
from typing import Any

import numpy as np
import pandas as pd
import panel as pn
from pydantic import ValidationError

from ..config import MAX_SEED
from ..engine.codes import Status
from ..roster import RANK_NAMES
from . import explain, figures
from .compare import placement
from .game import ACTS, POSTED, STARTS, Act, Game, GameError, GameFile, Hold, MonthOrders, parse_game
from .store import GameStore, new_id

CREDIT = {"staff decides": "", "none (0)": "0", "a quarter": "0.25", "half": "0.5", "three quarters": "0.75", "all (1)": "1"}
STATUS_TEXT = {int(s): s.name.lower() for s in Status}


class Page:
    """One player's page and game."""

    def __init__(self, store: GameStore) -> None:
        self.store = store
        self.game: Game | None = None
        self.game_id = ""
        self.pending: list[Act] = []
        self.timing = ""
        self.month = pn.pane.HTML(self._month_html("----"), margin=(5, 10))
        self.message = pn.pane.HTML("", margin=(5, 10))
        # --- new game, upload, download, branch
        self.start = pn.widgets.Select(name="Start", options={v: k for k, v in STARTS.items()}, value="1941-06")
        self.seed = pn.widgets.TextInput(name="Seed", value="0")  # (a text box: a spin box's arrows have no names)
        self.record_month = pn.widgets.TextInput(  # the record followed from 1937 to this month; the player from it on
            name="Or start from the record's state of (YYYY-MM)", value="", placeholder="e.g. 1941-07"
        )
        self.fallback = pn.widgets.Select(
            name="Staff (fallback doctrine)", options=["historical", "terror", "break_and_use", "meritocratic", "passive"]
        )
        self.generated = pn.widgets.CheckBoxGroup(  # (a group's boxes are labelled; a lone Checkbox's is not)
            name="Corps", options={"Generated corps with shuffled names (against hindsight)": "generated"}, value=[]
        )
        self.new_button = pn.widgets.Button(name="New game", button_type="primary")
        self.upload = pn.widgets.FileInput(name="Upload a game file", accept=".json", multiple=False)
        self.download = pn.widgets.FileDownload(
            callback=self._file, filename="stavka-game.json", label="Download game file", embed=False
        )
        self.branch_month = pn.widgets.Select(name="Branch at month", options=[])
        self.branch_button = pn.widgets.Button(name="Branch here")
        # --- the month's decisions
        self.officer = pn.widgets.Select(name="Officer", options={})
        self.act = pn.widgets.Select(name="Act", options=list(ACTS))
        self.post = pn.widgets.Select(name="Post (appoint, transfer)", options={})
        self.cost = pn.pane.HTML("")
        self.add_button = pn.widgets.Button(name="Add act")
        self.clear_button = pn.widgets.Button(name="Clear acts")
        self.pending_html = pn.pane.HTML("")
        self.hold = pn.widgets.CheckBoxGroup(name="Hold position", options={}, inline=False)
        self.credit = pn.widgets.Select(name="Centre's share of victory credit", options=CREDIT)
        self.end_button = pn.widgets.Button(name="End month", button_type="primary")
        self.finish_button = pn.widgets.Button(name="Hand the rest of the war to the staff")
        self.explain_what = pn.widgets.Select(name="Explain", options={})
        self.explain_html = pn.pane.HTML("")
        # --- what the ruler sees, the record, the end
        self.corps = pn.pane.HTML("", sizing_mode="stretch_width", max_height=420, styles={"overflow-y": "auto"})
        self.front_fig, self.front_src = figures.front_figure()
        self.fronts = pn.pane.Bokeh(self.front_fig)
        self.reports = pn.pane.HTML("", max_height=300, styles={"overflow-y": "auto"})
        self.suspects = pn.pane.HTML("")
        self.series_fig, self.series_src = figures.series_figure()
        self.series = pn.pane.Bokeh(self.series_fig)
        self.chronicle = pn.pane.HTML("", sizing_mode="stretch_width", max_height=400, styles={"overflow-y": "auto"})
        self.end_view = pn.Column(visible=False, sizing_mode="stretch_width")
        self.play_area = pn.Column(visible=False, sizing_mode="stretch_width")

        self.new_button.on_click(lambda _: self._guard(self.new_game))
        self.upload.param.watch(lambda _: self._guard(self.load_upload), "value")
        self.branch_button.on_click(lambda _: self._guard(self.branch))
        self.add_button.on_click(lambda _: self._guard(self.add_act))
        self.clear_button.on_click(lambda _: self._guard(self.clear_acts))
        self.end_button.on_click(lambda _: self._guard(self.end_month))
        self.finish_button.on_click(lambda _: self._guard(self.finish))
        self.act.param.watch(lambda _: self._show_cost(), "value")
        self.officer.param.watch(lambda _: self._show_cost(), "value")
        self.explain_what.param.watch(lambda _: self._guard(self._explain), "value")

    # --- layout ----------------------------------------------------------------------------------------

    def layout(self) -> pn.viewable.Viewable:
        setup = pn.Card(
            pn.Row(self.start, self.seed, self.fallback),
            pn.Row(self.record_month, self.generated, self.new_button),
            pn.Row(self.upload, self.download),
            pn.Row(self.branch_month, self.branch_button),
            title="Game",
            collapsed=False,
            sizing_mode="stretch_width",
        )
        decisions = pn.Column(
            pn.pane.HTML("<h3>Decisions</h3>"),
            pn.Row(self.officer, self.act, self.post),
            self.cost,
            pn.Row(self.add_button, self.clear_button),
            self.pending_html,
            pn.Row(pn.Column(pn.pane.HTML("<b>Hold position</b> (unticked: initiative)"), self.hold), self.credit),
            pn.Row(self.end_button, self.finish_button),
            sizing_mode="stretch_width",
        )
        self.play_area[:] = [
            pn.Row(
                pn.Column(
                    pn.pane.HTML("<h3>The fronts</h3>"),
                    self.fronts,
                    pn.pane.HTML("<h3>What the organ suspects</h3>"),
                    self.suspects,
                ),
                pn.Column(decisions, pn.pane.HTML("<h3>This month's reports</h3>"), self.reports),
                sizing_mode="stretch_width",
            ),
            pn.pane.HTML("<h3>The corps, as the ruler sees it</h3>"),
            self.corps,
            pn.Row(self.explain_what),
            self.explain_html,
            pn.pane.HTML("<h3>The record</h3>"),
            self.series,
            self.chronicle,
        ]
        header = pn.Row(pn.pane.HTML("<h2>stavka: the ruler's chair</h2>"), self.month, self.message, sizing_mode="stretch_width")
        return pn.Column(header, setup, self.end_view, self.play_area, sizing_mode="stretch_width")

    @staticmethod
    def _month_html(label: str) -> str:
        return f'<span aria-label="Current month" role="status" style="font-size:1.4em;font-weight:bold">{label}</span>'

    def say(self, text: str, error: bool = False) -> None:
        colour = "#a00" if error else "#333"
        self.message.object = f'<span role="alert" aria-label="Message" style="color:{colour}">{html.escape(text)}</span>'

    def _guard(self, fn: Any) -> None:
        """A player's mistake (a bad file, an impossible order) is a message; the game is left as it was."""
        try:
            fn()
        except GameError as exc:
            self.say(str(exc), error=True)

    # --- games -----------------------------------------------------------------------------------------

    def resume(self, game_id: str) -> bool:
        game = self.store.load(game_id) if game_id else None
        if game is None:
            return False
        self._adopt(game, game_id)
        self.say(f"Resumed game {game_id} at {game.month}.")
        return True

    def new_game(self) -> None:
        text = (self.seed.value or "0").strip()
        if not text.isdigit() or int(text) > MAX_SEED:
            raise GameError(f"seed: expected an integer from 0 to {MAX_SEED} (got {text!r})")
        record = (self.record_month.value or "").strip() or None
        try:
            spec = GameFile(
                format="stavka-game",
                version=1,
                start="1937-01" if record else self.start.value,
                record_until=record,
                seed=int(text),
                fallback=self.fallback.value,
                generated_corps="generated" in self.generated.value,
            )
        except ValidationError as exc:
            raise GameError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        self._begin(spec, "New game")

    def _begin(self, spec: GameFile, what: str) -> None:
        game = Game(spec)  # a bad record raises here, before anything changes
        game_id = new_id()
        self.store.save(game_id, game)
        self._adopt(game, game_id)
        start = f"the record's state of {spec.record_until}" if spec.record_until else f"{spec.start} start"
        self.say(f"{what}: {start}, seed {spec.seed}, staff {spec.fallback}; game {game_id}.")

    def _adopt(self, game: Game, game_id: str) -> None:
        self.game, self.game_id, self.pending = game, game_id, []
        scen = game.sim.scenario
        self.names = game.slot_names()
        self.costs = explain.act_costs(scen.config)
        if pn.state.location is not None:
            pn.state.location.update_query(game=game_id)  # type: ignore[arg-type]  # (its stub is wrong)
        self.redraw()

    def _file(self) -> io.StringIO:
        if self.game is None:
            return io.StringIO("")
        return io.StringIO(self.game.to_json())

    def load_upload(self) -> None:
        data = self.upload.value
        if not data:
            return
        spec = parse_game(data, f"uploaded file {self.upload.filename or ''}".strip())
        self._begin(spec, f"Loaded {self.upload.filename}")

    def branch(self) -> None:
        if self.game is None or not self.branch_month.value:
            raise GameError("branch: start or load a game first")
        month = self.branch_month.value
        spec = self.game.branch(month)
        self._begin(spec, f"Branched at {month}")

    # --- decisions -------------------------------------------------------------------------------------

    def _need_game(self) -> Game:
        if self.game is None:
            raise GameError("start a new game or load one first")
        return self.game

    def budget(self) -> int:
        g = self._need_game()
        c = g.sim.scenario.config.ruler
        return int(c.attention + c.crisis_attention * int(g.sim.view().run["crisis"][0]))

    def add_act(self) -> None:
        g = self._need_game()
        if self.officer.value is None:
            raise GameError("choose an officer first")
        ident, act = int(self.officer.value), str(self.act.value)
        if any(a.officer == ident for a in self.pending):
            raise GameError(f"{self._name(ident)} already has an act this month; clear the acts to change it")
        if len(self.pending) >= self.budget():
            raise GameError(f"the month's attention is spent: {self.budget()} acts at most")
        post = int(self.post.value) if act in POSTED and self.post.value is not None else None  # (index)
        new = Act(officer=ident, act=act, post=post)  # type: ignore[arg-type]
        g.to_engine(MonthOrders(month=g.month, acts=[*self.pending, new]))  # refused here if it cannot be played
        self.pending.append(new)
        self.say(f"Added: {act} {self._name(ident)}.")
        self._draw_pending()

    def clear_acts(self) -> None:
        self.pending = []
        self._draw_pending()

    def orders(self) -> MonthOrders:
        g = self._need_game()
        view = g.sim.view()
        active = view.front["active"][0]
        ticked = {int(f) for f in self.hold.value}
        hold = [
            Hold(front=f, hold=f in ticked)
            for f in range(len(active))
            if active[f] and (f in ticked) != bool(view.front["hold"][0][f])
        ]
        credit = float(self.credit.value) if self.credit.value else None
        return MonthOrders(month=g.month, acts=list(self.pending), hold=hold, credit=credit)

    def end_month(self) -> None:
        g = self._need_game()
        if g.done:
            raise GameError("the game has ended")
        t0 = time.perf_counter()
        g.play(self.orders())
        t1 = time.perf_counter()
        self.store.save(self.game_id, g)
        t2 = time.perf_counter()
        self.pending = []
        self.redraw()
        t3 = time.perf_counter()
        self.timing = f"step {1000 * (t1 - t0):.0f} ms, redraw {1000 * (t3 - t2):.0f} ms, saved in {1000 * (t2 - t1):.0f} ms"
        self.say(f"Month played ({self.timing}).")

    def finish(self) -> None:
        g = self._need_game()
        while not g.done:
            g.play()
        self.store.save(self.game_id, g)
        self.pending = []
        self.redraw()
        self.say("The staff played the rest of the war.")

    # --- drawing ---------------------------------------------------------------------------------------

    def _name(self, ident: int) -> str:
        return self._need_game().names_of([ident])[0]

    def _show_cost(self) -> None:
        if self.game is None:
            return
        act = str(self.act.value)
        used = len(self.pending)
        preview = ""
        if self.officer.value is not None:
            v = self.game.sim.view()
            k = np.flatnonzero(v.officer["ident"][0] == int(self.officer.value))
            if len(k):
                j = int(k[0])
                cfg = self.game.sim.scenario.config
                preview = explain.act_preview(cfg, act, float(v.officer["bl_mu"][0][j]), float(v.officer["bl_var"][0][j]))
        self.cost.object = (
            f'<div aria-label="Cost of the act"><b>Cost of {html.escape(act)}:</b> one of this month\'s '
            f"{self.budget()} attention slots ({used} taken); {html.escape(self.costs[act])}.{html.escape(preview)}</div>"
        )

    def _draw_pending(self) -> None:
        self._show_cost()
        if self.game is None:
            return
        rows = "".join(
            f"<li>{html.escape(a.act)} {html.escape(self._name(a.officer))}"
            + (f" to {html.escape(self.game.sim.scenario.posts.names[a.post])}" if a.post is not None else "")
            + "</li>"
            for a in self.pending
        )
        self.pending_html.object = (
            f'<div aria-label="Acts this month">Acts this month: {len(self.pending)} of {self.budget()} '
            f"(the staff uses what is left)<ul>{rows}</ul></div>"
        )

    def redraw(self) -> None:
        g = self.game
        if g is None:
            return
        with pn.io.hold():
            last = g.sim.scenario.calendar.label(len(g.months) - 1) if g.months else g.month
            self.month.object = self._month_html(g.month if not g.done else f"{last} (ended)")
            self.play_area.visible = True
            self.branch_month.options = [g.sim.scenario.calendar.label(k) for k in range(len(g.months) + 1)]
            self._draw_corps(g)
            self._draw_fronts(g)
            self._draw_record(g)
            self._draw_pending()
            self._explain()
            self.end_button.disabled = self.finish_button.disabled = g.done
            self.end_view.visible = g.done
            if g.done:
                self._draw_end(g)

    def _draw_corps(self, g: Game) -> None:
        v = g.sim.view()
        o = {k: v.officer[k][0] for k in v.officer}
        posts = g.sim.scenario.posts
        status = o["status"]
        order = np.lexsort((o["post"] < 0, -o["rank"], status))
        rows = []
        options: dict[str, int] = {}
        for i in order:
            if status[i] in (Status.EXECUTED, Status.KILLED, Status.DEAD, Status.RETIRED, Status.DEFECTED):
                continue
            post = posts.names[o["post"][i]] if o["post"][i] >= 0 else ("custody" if status[i] == Status.ARRESTED else "reserve")
            name = self.names[i]
            ident = int(o["ident"][i])
            options[f"{name} ({RANK_NAMES[o['rank'][i]]}, {post})"] = ident
            rows.append(
                {
                    "id": ident,
                    "name": name,
                    "rank": RANK_NAMES[o["rank"][i]],
                    "post": post,
                    "status": STATUS_TEXT[int(status[i])],
                    "record": f"{o['wins'][i]} won, {o['defeats'][i]} lost, {o['exper'][i]:.0f} months",
                    "popularity": f"{o['pop'][i]:.2f}",
                    "competence (believed, 90%)": explain.fmt_range(o["bc_mu"][i], o["bc_var"][i]),
                    "loyalty (believed, 90%)": explain.fmt_range(o["bl_mu"][i], o["bl_var"][i]),
                    "organ's suspicion": f"{o['susp'][i]:.2f}",
                }
            )
        self.corps.object = '<div aria-label="The corps">' + _table(rows) + "</div>"
        if self.officer.options != options:
            keep = self.officer.value
            self.officer.options = options
            if keep in options.values():
                self.officer.value = keep
        post_options = {posts.names[p]: p for p in range(posts.n)}  # (who holds each: the corps table)
        if self.post.options != post_options:
            self.post.options = post_options
        top = np.argsort(-np.where(status == Status.ACTIVE, o["susp"], -1))[:8]
        self.suspects.object = (
            '<ol aria-label="What the organ suspects">'
            + "".join(f"<li>{html.escape(self.names[i])}: suspicion {o['susp'][i]:.2f}</li>" for i in top)
            + "</ol>"
        )
        fronts = self._front_names(g)
        explain_options = {
            "(nothing)": "",
            **{f"front: {n}": f"f{f}" for f, n in fronts.items()},
            **{f"officer: {k}": f"o{v}" for k, v in options.items()},
        }
        if self.explain_what.options != explain_options:  # (options are sent to the browser only when they change)
            keep_what = self.explain_what.value
            self.explain_what.options = explain_options
            if keep_what in explain_options.values():
                self.explain_what.value = keep_what

    def _front_names(self, g: Game) -> dict[int, str]:
        posts = g.sim.scenario.posts
        from ..engine.codes import PostKind

        names = {int(posts.front[p]): posts.names[p] for p in range(posts.n) if posts.kind[p] == PostKind.FRONT}
        active = g.sim.view().front["active"][0]
        return {f: n for f, n in sorted(names.items()) if f < len(active) and active[f]}

    def _draw_fronts(self, g: Game) -> None:
        v = g.sim.view()
        names = self._front_names(g)
        data = figures.front_data(names, v.front["depth"][0], v.front["own"][0], v.front["hold"][0])
        figures.update_fronts(self.front_fig, self.front_src, data)
        self.hold.options = {n: f for f, n in names.items()}
        self.hold.value = [f for f in names if v.front["hold"][0][f]]

    def _draw_record(self, g: Game) -> None:
        out = g.outcome()
        ev, off = out.events, out.official
        last = g.sim.scenario.calendar.label(len(g.months) - 1) if g.months else None
        month_ev = ev[ev["month"] == last] if last else ev.iloc[:0]
        den = int((month_ev["kind"] == "denunciation").sum())
        items = "".join(f"<li>{_sentence(r)}</li>" for _, r in month_ev[month_ev["kind"] != "denunciation"].iterrows())
        self.reports.object = (
            f'<div aria-label="This month\'s reports"><p>{last or "No month played yet"}: {den} denunciations reached the '
            f"organ.</p><ul>{items}</ul></div>"
        )
        self.series_src.data = figures.series_data(out.series)
        self.chronicle.object = _chronicle_html(ev, off)

    def _explain(self) -> None:
        g = self.game
        what = self.explain_what.value
        if g is None or not what:
            self.explain_html.object = ""
            return
        if what[0] == "f":
            f = int(what[1:])
            text = explain.explain_front(g, f, self._front_names(g).get(f, f"front {f}"))
        else:
            ident = int(what[1:])
            text = explain.explain_officer(g, ident, self._name(ident))
        self.explain_html.object = f'<div aria-label="Explanation">{text}</div>'

    def _draw_end(self, g: Game) -> None:
        self.end_view[:] = [pn.pane.HTML("<h2>The end</h2>"), *placement(g), pn.pane.HTML(_revealed(g, self.names))]


def _table(rows: list[dict[str, Any]]) -> str:
    """An HTML table of rows (dicts with the same keys), escaped; far cheaper than DataFrame.to_html."""
    if not rows:
        return "<table></table>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r.values()) + "</tr>" for r in rows)
    return f'<table style="font-size:0.85em;text-align:left"><tr>{head}</tr>{body}</table>'


def _sentence(row: pd.Series) -> str:
    from ..history import sentence

    return html.escape(sentence(row)[9:])


def chronicle_lines(events: pd.DataFrame) -> dict[str, list[str]]:
    """A ledger told as the page tells it: month -> sentences (denunciations, which are many, left out)."""
    from ..history import sentence

    out: dict[str, list[str]] = {}
    cols = ["month", "kind", "officer", "cause", "detail"]
    for row in events[events["kind"] != "denunciation"][cols].to_dict("records"):  # (dicts: iterrows is slow)
        out.setdefault(str(row["month"]), []).append(sentence(row)[9:])  # type: ignore[arg-type]
    return out


def _chronicle_html(ev: pd.DataFrame, off: pd.DataFrame) -> str:
    """The two histories side by side, newest month first."""
    by_t, by_o = chronicle_lines(ev), chronicle_lines(off)
    rows = []
    for m in sorted(set(by_t) | set(by_o), reverse=True):
        t = "<br>".join(html.escape(x) for x in by_t.get(m, []))
        o = "<br>".join(html.escape(x) for x in by_o.get(m, []))
        rows.append(f'<tr><td>{m}</td><td aria-label="What happened in {m}">{t}</td><td>{o}</td></tr>')
    return (
        '<table aria-label="Chronicle" style="width:100%;font-size:0.85em"><tr><th>Month</th><th>What happened</th>'
        "<th>What the official history says</th></tr>" + "".join(rows) + "</table>"
    )


def _revealed(g: Game, names: list[str]) -> str:
    """Hidden traits, revealed: the truth beside what the ruler believed."""
    off = g.sim.engine.world.off[0]
    rows = []
    for i in np.argsort(-off["rank"] * 10 - off["comp"])[:40]:
        rows.append(
            {
                "name": names[i],
                "rank": RANK_NAMES[off["rank"][i]],
                "status": STATUS_TEXT[int(off["status"][i])],
                "competence (true)": f"{off['comp'][i]:.2f}",
                "competence (believed)": explain.fmt_range(off["bc_mu"][i], off["bc_var"][i]),
                "loyalty (true)": f"{off['loyal'][i]:.2f}",
                "loyalty (believed)": explain.fmt_range(off["bl_mu"][i], off["bl_var"][i]),
                "ambition (true)": f"{off['ambition'][i]:.2f}",
                "fear (true)": f"{off['fear'][i]:.2f}",
            }
        )
    table = _table(rows)
    return f'<div aria-label="Hidden traits revealed"><h3>Hidden traits, revealed (the 40 most senior)</h3>{table}</div>'


def serve(store: GameStore, host: str, port: int, show: bool = False) -> None:
    """Serve the app until interrupted; each browser session gets a `Page` (resuming `?game=` if stored)."""
    pn.extension(design="native", notifications=False)
    # One month played before the port opens: the engine's month and the ledgers' kernels are compiled (or
    # loaded from the kernel cache) now, not in the first player's first month.
    warm = Game(GameFile(format="stavka-game", version=1))
    warm.play()
    warm.outcome()

    def page() -> pn.viewable.Viewable:
        p = Page(store)
        view = p.layout()
        args = pn.state.session_args or {}
        wanted = (args.get("game") or [b""])[0].decode("utf-8", "replace")
        if wanted and not p.resume(wanted):
            p.say(f"No saved game {wanted}: start a new one.", error=True)
        return view

    pn.serve(
        {"/": page},
        address=host,
        port=port,
        show=show,
        title="stavka: the ruler's chair",
        # Loopback: only pages served from here may connect; another --host is the user's choice of exposure.
        websocket_origin=[f"{host}:{port}", f"localhost:{port}"] if host in ("127.0.0.1", "localhost") else "*",
        print_url=False,
    )
