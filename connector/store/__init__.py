"""Durable state of the connector, behind one interface with several backends."""

from connector.store.base import StateStore
from connector.store.records import AuditEntry, AuditQuery, DeadLetter, RunRecord, RunStatus
from connector.store.sqlite import SchemaTooNewError, SqliteStore
from connector.store.timestamps import utcnow


def open_store(url: str) -> StateStore:
    """Open the store a URL names: ``sqlite:///path/to/file.db`` or a plain file path."""
    if url.startswith(("postgresql://", "postgres://")):
        raise ValueError("the PostgreSQL store is not available in this version")
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    return SqliteStore(path)


__all__ = [
    "AuditEntry",
    "AuditQuery",
    "DeadLetter",
    "RunRecord",
    "RunStatus",
    "SchemaTooNewError",
    "SqliteStore",
    "StateStore",
    "open_store",
    "utcnow",
]
