"""Saved games: each game's record (its game file) in a DuckDB file, under a random game id, so that a game
resumes after the server restarts and several players each have their own.  A game is saved after every
month, in one transaction; what is stored is the record, and a game is rebuilt by replaying it."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import duckdb

from .game import Game, GameError, GameFile, parse_game

STORE_FORMAT = "stavka-play-store"
STORE_VERSION = 1
DEFAULT_DB = "stavka_play.duckdb"


class StoreError(ValueError):
    """A file that cannot be used as the games store; one line."""


def new_id() -> str:
    """A game id nobody can guess (it is all that separates one player's game from another's)."""
    return secrets.token_urlsafe(12)


class GameStore:
    """Games by id.  One connection, one writer at a time (a lock: Panel may call from several threads)."""

    def __init__(self, path: str | Path = DEFAULT_DB) -> None:
        self.path = str(path)
        try:
            self.con = duckdb.connect(self.path)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open as a DuckDB games store ({' '.join(str(exc).split())})") from None
        self.lock = threading.Lock()
        tables = {r[0] for r in self.con.execute("select table_name from information_schema.tables").fetchall()}
        if tables and "play_meta" not in tables:
            self.con.close()
            raise StoreError(f"{self.path}: not a stavka games store (it holds other tables); choose another --db")
        if not tables:
            with self.con.cursor() as cur:
                cur.execute("begin")
                cur.execute("create table play_meta (format varchar, version integer)")
                cur.execute("insert into play_meta values (?, ?)", [STORE_FORMAT, STORE_VERSION])
                cur.execute(
                    "create table games (id varchar primary key, created timestamp default current_timestamp, "
                    "updated timestamp default current_timestamp, body varchar not null)"
                )
                cur.execute("commit")
        row = self.con.execute("select format, version from play_meta").fetchone()
        if row != (STORE_FORMAT, STORE_VERSION):
            self.con.close()
            raise StoreError(f"{self.path}: games store {row!r} is not one this stavka reads ({STORE_FORMAT} {STORE_VERSION})")

    def save(self, game_id: str, game: Game | GameFile) -> None:
        body = game.to_json() if isinstance(game, Game) else game.model_dump_json()
        with self.lock, self.con.cursor() as cur:
            cur.execute(
                "insert into games (id, body) values (?, ?) on conflict (id) do update set body = excluded.body, updated = now()",
                [game_id, body],
            )

    def record(self, game_id: str) -> GameFile | None:
        with self.lock, self.con.cursor() as cur:
            row = cur.execute("select body from games where id = ?", [game_id]).fetchone()
        if row is None:
            return None
        try:
            return parse_game(row[0], f"saved game {game_id}")
        except GameError:
            return None  # a record this stavka cannot read is no game to resume

    def load(self, game_id: str) -> Game | None:
        spec = self.record(game_id)
        return Game(spec) if spec is not None else None

    def ids(self) -> list[str]:
        with self.lock, self.con.cursor() as cur:
            return [r[0] for r in cur.execute("select id from games order by created").fetchall()]

    def close(self) -> None:
        self.con.close()
