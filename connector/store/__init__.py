"""Durable state of the connector, behind one interface with several backends."""

from connector.store.base import StateStore
from connector.store.records import (
    AuditEntry,
    AuditIntent,
    AuditQuery,
    DaemonRecord,
    DeadLetter,
    LedgerRow,
    RunRecord,
    RunStatus,
)
from connector.store.sql import SchemaTooNewError
from connector.store.sqlite import SqliteStore
from connector.store.timestamps import utcnow


def open_store(url: str) -> StateStore:
    """Open the store a URL names: ``sqlite:///path/to/file.db``, a plain file path, or
    ``postgresql://user@host:5432/db`` for several workers sharing one store."""
    if url.startswith(("postgresql://", "postgres://")):
        from connector.store.postgres import PostgresStore

        return PostgresStore(url)
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    return SqliteStore(path)


__all__ = [
    "AuditEntry",
    "AuditIntent",
    "AuditQuery",
    "DaemonRecord",
    "DeadLetter",
    "LedgerRow",
    "RunRecord",
    "RunStatus",
    "SchemaTooNewError",
    "SqliteStore",
    "StateStore",
    "SystemDown",
    "open_store",
    "utcnow",
]
