"""Runs' liveness and audit intents, in SQL: what makes the audit trail survive a crash.

A run records, before it writes to any target, the audit entry each subscription will get
if its writes land (an *intent*), and deletes its intents in the transaction that records
the audit. A run killed in between leaves its intents behind; once the run is known dead
(its process is gone, or it stopped beating), the next run settles them by reading the
targets (see :mod:`connector.intents`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from connector.schema import Subscription
from connector.store.records import AuditEntry, AuditIntent, SystemDown, values_digest
from connector.store.timestamps import from_text, to_text

Row = Any


class _Sql(Protocol):
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def transaction(self) -> contextlib.AbstractContextManager[None]: ...

    def append_audit(self, entries: Sequence[AuditEntry]) -> None: ...

    def save_canonical(self, subscriptions: Sequence[Subscription]) -> None: ...


def entry_json(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "at": to_text(entry.at),
            "run_id": entry.run_id,
            "correlation_id": entry.correlation_id,
            "subscription_id": entry.subscription_id,
            "customer_id": entry.customer_id,
            "event_types": list(entry.event_types),
            "outcome": entry.outcome,
            "dry_run": entry.dry_run,
            "mapping_version": entry.mapping_version,
            "mrr_before": entry.mrr_before,
            "mrr_after": entry.mrr_after,
            "mrr_delta": entry.mrr_delta,
            "currency": entry.currency,
            "detail": entry.detail,
            "movements": [[kind, cur, f"{amount:f}"] for kind, cur, amount in entry.movements],
        }
    )


def entry_from_json(text: str) -> AuditEntry:
    data = json.loads(text)
    return AuditEntry(
        at=from_text(data["at"]) or dt.datetime.now(dt.UTC),
        run_id=data["run_id"],
        correlation_id=data["correlation_id"],
        subscription_id=data["subscription_id"],
        customer_id=data["customer_id"],
        event_types=tuple(data["event_types"]),
        outcome=data["outcome"],
        dry_run=bool(data["dry_run"]),
        mapping_version=data["mapping_version"],
        mrr_before=data["mrr_before"],
        mrr_after=data["mrr_after"],
        mrr_delta=data["mrr_delta"],
        currency=data["currency"],
        detail=data["detail"],
        movements=tuple((k, c, Decimal(a)) for k, c, a in data["movements"]),
    )


def _written(row: list[Any]) -> tuple[str, str, str, list[str], str]:
    """One written record of an intent; an intent kept before digests (the values
    themselves) is read as the digest of those values."""
    if len(row) == 4 and isinstance(row[3], dict):
        fields = list(row[3])
        return row[0], row[1], row[2], fields, values_digest(row[3], fields)
    return row[0], row[1], row[2], list(row[3]), str(row[4])


class RunsAndIntents:
    """Mixed into :class:`connector.store.sql.SqlStore`."""

    def beat_run(self: _Sql, run_id: str, now: dt.datetime) -> None:
        with self.transaction():
            self._execute(
                "UPDATE run SET heartbeat_at = ? WHERE id = ? AND status = 'running'",
                (to_text(now), run_id),
            )

    def abort_dead_runs(
        self: _Sql,
        now: dt.datetime,
        host: str,
        alive: Callable[[int], bool],
        stale_after: dt.timedelta,
    ) -> list[str]:
        """Mark as aborted the runs still shown running whose process is gone: on this host,
        its pid no longer lives; anywhere, it stopped beating ``stale_after`` ago. The abort
        time is its last sign of life."""
        rows = self._rows(
            "SELECT id, owner_host, owner_pid, heartbeat_at, started_at FROM run"
            " WHERE status = 'running'"
        )
        dead: list[tuple[str, str]] = []
        for row in rows:
            last = row["heartbeat_at"] or row["started_at"]
            here = row["owner_host"] == host and row["owner_pid"] is not None
            gone = here and not alive(int(row["owner_pid"]))
            silent = (from_text(last) or now) < now - stale_after
            if gone or silent:
                dead.append((str(row["id"]), str(last)))
        with self.transaction():
            for run_id, last in dead:
                self._execute(
                    "UPDATE run SET status = 'aborted', finished_at = ?, summary = ?"
                    " WHERE id = ? AND status = 'running'",
                    (
                        last,
                        json.dumps({"aborted": "the run's process died before it finished"}),
                        run_id,
                    ),
                )
        return [run_id for run_id, _last in dead]

    def add_intents(self: _Sql, intents: Sequence[AuditIntent]) -> None:
        if not intents:
            return
        rows = [
            (
                intent.run_id,
                intent.key,
                entry_json(intent.entry),
                intent.canonical.model_dump_json() if intent.canonical else None,
                json.dumps(intent.records),
                to_text(intent.created_at),
            )
            for intent in intents
        ]
        with self.transaction():
            self._executemany(
                "INSERT INTO audit_intent (run_id, key, entry, canonical, records, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET"
                " entry = excluded.entry, canonical = excluded.canonical,"
                " records = excluded.records",
                rows,
            )

    def drop_intents(self: _Sql, run_id: str) -> None:
        self._execute("DELETE FROM audit_intent WHERE run_id = ?", (run_id,))

    def orphaned_intents(self: _Sql, limit: int = 1000) -> list[AuditIntent]:
        """Intents of runs no longer running (aborted, or failed after writing)."""
        rows = self._rows(
            "SELECT i.* FROM audit_intent i JOIN run r ON r.id = i.run_id"
            " WHERE r.status <> 'running' ORDER BY i.created_at, i.key LIMIT ?",
            (limit,),
        )
        return [
            AuditIntent(
                run_id=str(row["run_id"]),
                key=str(row["key"]),
                entry=entry_from_json(row["entry"]),
                canonical=(
                    Subscription.model_validate_json(row["canonical"]) if row["canonical"] else None
                ),
                records=[_written(r) for r in json.loads(row["records"])],
                created_at=from_text(row["created_at"]) or dt.datetime.now(dt.UTC),
            )
            for row in rows
        ]

    def settle_intent(
        self: _Sql,
        intent: AuditIntent,
        entry: AuditEntry | None,
        canonical: Subscription | None,
    ) -> None:
        """Record what a dead run's intent became (or nothing) and forget the intent."""
        with self.transaction():
            if entry is not None:
                self.append_audit([entry])
            if canonical is not None:
                self.save_canonical([canonical])
            self._execute(
                "DELETE FROM audit_intent WHERE run_id = ? AND key = ?",
                (intent.run_id, intent.key),
            )


class SystemStates:
    """Systems found down, kept where ``connector status`` and every process can see them."""

    def set_system_down(
        self: _Sql, system: str, reason: str, since: dt.datetime, resume_at: dt.datetime
    ) -> None:
        with self.transaction():
            self._execute(
                "INSERT INTO system_state (system, down, reason, since, resume_at, updated_at)"
                " VALUES (?, 1, ?, ?, ?, ?) ON CONFLICT (system) DO UPDATE SET down = 1,"
                " reason = excluded.reason, resume_at = excluded.resume_at,"
                " updated_at = excluded.updated_at,"
                " since = CASE WHEN system_state.down = 1 THEN system_state.since"
                " ELSE excluded.since END",
                (system, reason, to_text(since), to_text(resume_at), to_text(since)),
            )

    def set_system_up(self: _Sql, system: str, now: dt.datetime) -> None:
        with self.transaction():
            self._execute(
                "UPDATE system_state SET down = 0, resume_at = NULL, updated_at = ?"
                " WHERE system = ? AND down = 1",
                (to_text(now), system),
            )

    def systems_down(self: _Sql) -> list[SystemDown]:
        rows = self._rows(
            "SELECT system, reason, since, resume_at FROM system_state WHERE down = 1"
            " ORDER BY system"
        )
        return [
            SystemDown(
                system=str(row["system"]),
                reason=str(row["reason"] or ""),
                since=from_text(row["since"]) or dt.datetime.now(dt.UTC),
                resume_at=from_text(row["resume_at"]),
            )
            for row in rows
        ]
