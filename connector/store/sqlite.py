"""SQLite backend of the state store: one file, WAL journal, safe across threads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from connector.store.migrations_sqlite import MIGRATIONS
from connector.store.sql import SqlStore


class SqliteStore(SqlStore):
    """The default store. ``path`` may be ``":memory:"`` for tests.

    Writers serialise on SQLite's database lock (``BEGIN IMMEDIATE``), which is what makes
    leasing queue items safe between processes sharing one file.
    """

    name = "sqlite"
    migrations = MIGRATIONS
    begin_statement = "BEGIN IMMEDIATE"

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        location = str(path)
        if location != ":memory:":
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            location, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        super().__init__(conn, location)
        if migrate:
            self.migrate()

    def _has_table(self, name: str) -> bool:
        return (
            self._one(
                "SELECT 1 AS present FROM sqlite_master WHERE type='table' AND name=?", (name,)
            )
            is not None
        )
