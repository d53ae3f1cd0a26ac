"""PostgreSQL schema: the SQLite migrations, translated to PostgreSQL's dialect.

Both backends must carry the same tables at the same version, so the PostgreSQL scripts are
derived from the SQLite ones rather than kept as a second copy. The translation is small and
explicit; a test checks the result against a real server.
"""

from __future__ import annotations

from connector.store.migrations_sqlite import MIGRATIONS as SQLITE_MIGRATIONS

_TRANSLATIONS: tuple[tuple[str, str], ...] = (
    # SQLite's clustered-by-key tables are plain tables with a primary key here.
    (") WITHOUT ROWID;", ");"),
    (
        "id INTEGER PRIMARY KEY AUTOINCREMENT,",
        "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,",
    ),
    (
        "audit_id INTEGER NOT NULL REFERENCES audit (id)",
        "audit_id BIGINT NOT NULL REFERENCES audit (id)",
    ),
)


def translate(script: str) -> str:
    for sqlite_text, postgres_text in _TRANSLATIONS:
        script = script.replace(sqlite_text, postgres_text)
    return script


MIGRATIONS: tuple[tuple[int, str], ...] = tuple(
    (version, translate(script)) for version, script in SQLITE_MIGRATIONS
)
