"""PostgreSQL backend of the state store, for several workers on several machines.

Selected by a ``postgresql://`` URL. Queue items are leased with ``FOR UPDATE SKIP LOCKED``
so that concurrent workers never take the same key, and migrations take an advisory lock so
that workers starting together do not migrate twice.
"""

from __future__ import annotations

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
        conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)
        if schema is not None:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.execute(f'SET search_path TO "{schema}"')
        super().__init__(conn, _without_password(url))
        if migrate:
            self.migrate()

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
