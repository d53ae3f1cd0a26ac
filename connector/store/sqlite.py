"""SQLite backend of the state store: one file, WAL journal, safe across threads."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from connector.store.migrations_sqlite import MIGRATIONS
from connector.store.sql import SqlStore

# How long opening a store waits for another connection opening the same new file.
WAL_PATIENCE_SECONDS = 30.0


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
        _switch_to_wal(conn)
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


def _switch_to_wal(conn: sqlite3.Connection, patience: float = WAL_PATIENCE_SECONDS) -> None:
    """WAL mode, waiting for another process or thread that is opening the same file.

    Switching a new file to WAL needs its exclusive lock, and when another connection holds a
    lock it is waiting to upgrade, SQLite answers "database is locked" at once instead of
    calling the busy handler (its deadlock avoidance: https://sqlite.org/c3ref/busy_handler.html).
    A daemon and a command opening a new store together then fail; try again instead.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
