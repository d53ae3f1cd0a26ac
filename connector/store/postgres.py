"""PostgreSQL backend of the state store, for several workers on several machines.

Selected by a ``postgresql://`` URL. Queue items are leased with ``FOR UPDATE SKIP LOCKED``
so that concurrent workers never take the same key, and migrations take an advisory lock so
that workers starting together do not migrate twice.
"""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg
from psycopg.rows import dict_row

from connector.store.migrations_postgres import MIGRATIONS
from connector.store.sql import SqlStore

# An arbitrary constant shared by every connector process: the migration lock's id.
_MIGRATION_LOCK = 720_511_337


class PostgresStore(SqlStore):
    name = "postgresql"
    migrations = MIGRATIONS
    begin_statement = "BEGIN"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, *, migrate: bool = True, schema: str | None = None) -> None:
        self._url = url
        self._schema = schema
        super().__init__(self._connect(), _without_password(url))
        if migrate:
            self.migrate()

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self._url, autocommit=True, row_factory=dict_row, connect_timeout=10)
        if self._schema is not None:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"')
            conn.execute(f'SET search_path TO "{self._schema}"')
        return conn

    def _ensure_connected(self) -> None:
        # A restarted or failed-over server, or a killed backend, leaves the connection
        # broken; the operation that noticed it failed (and is retried by its caller), and
        # the next one starts on a fresh connection.
        if self._conn.closed or self._conn.broken:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = self._connect()

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def _has_table(self, name: str) -> bool:
        return self._one("SELECT to_regclass(?) AS found", (name,)) not in (None, {"found": None})

    def _lock_for_migration(self) -> None:
        self._execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))


def _without_password(url: str) -> str:
    """The URL for messages, with any password masked."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
