"""The state store's SQL, shared by the SQLite and PostgreSQL backends.

Queries are written once with ``?`` placeholders; a backend says how to connect, how to begin
a write transaction, its migrations, and its paramstyle. Times are stored as UTC ISO-8601
text with microseconds in both, which sorts and compares correctly as text.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from connector.records import FieldValues, SnapshotRow
from connector.schema import Money, Subscription, minor_units
from connector.store.fingerprint import fingerprint
from connector.store.queue_rows import QueueStats, WorkItem
from connector.store.records import (
    RESOLVED_BY_HAND,
    AuditEntry,
    AuditQuery,
    DeadLetter,
    LedgerRow,
    RunRecord,
    RunStatus,
)
from connector.store.sql_intents import RunsAndIntents, SystemStates
from connector.store.sql_liveness import Liveness
from connector.store.timestamps import from_text, to_text, utcnow

# SQLite allows 32,766 host parameters since 3.32; keep IN lists well below it.
_IN_BATCH = 900
CLAIM_CHUNK = 500  # keys per statement when a run claims or gives back its leases


def _chunks(keys: Sequence[str], size: int = _IN_BATCH) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


class SchemaTooNewError(RuntimeError):
    """The store was migrated by a newer version of the connector."""


Row = Mapping[str, Any]


class SqlStore(RunsAndIntents, SystemStates, Liveness, ABC):
    """Everything but the connection: see :class:`SqliteStore` and :class:`PostgresStore`."""

    name = "sql"
    migrations: tuple[tuple[int, str], ...] = ()
    begin_statement = "BEGIN"
    skip_locked = ""  # appended to the queue's row-picking SELECT where the database has it

    def __init__(self, conn: Any, location: str) -> None:
        self.path = location
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0

    # -- plumbing ------------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _ensure_connected(self) -> None:
        """Reconnect a broken connection before a new unit of work (see PostgresStore)."""
        return  # a SQLite file connection does not break

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._ensure_connected()
                self._conn.execute(self.begin_statement)
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            if self._depth == 0:
                self._ensure_connected()
            return self._conn.execute(self._sql(sql), tuple(params))

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return list(self._execute(sql, params).fetchall())

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._lock:
            row: Row | None = self._execute(sql, params).fetchone()
            return row

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._one(sql, params)
        return None if row is None else row[next(iter(row.keys()))]

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(row) for row in rows]
        if not batch:
            return
        with self._lock, self.transaction():
            cursor = self._conn.cursor()
            try:
                cursor.executemany(self._sql(sql), batch)
            finally:
                cursor.close()

    def _lock_for_migration(self) -> None:
        """Serialise concurrent migrations (several workers starting at once)."""
        return  # SQLite's BEGIN IMMEDIATE already serialises them

    def schema_version(self) -> int:
        if not self._has_table("schema_version"):
            return 0
        return int(self._scalar("SELECT MAX(version) AS v FROM schema_version") or 0)

    @abstractmethod
    def _has_table(self, name: str) -> bool:
        """Whether the database has this table (each dialect asks its own catalogue)."""

    def migrate(self) -> int:
        current_version = self.migrations[-1][0]
        with self._lock, self.transaction():
            self._lock_for_migration()
            self._execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = self.schema_version()
            if current > current_version:
                raise SchemaTooNewError(
                    f"state store {self.path} is at schema {current}; this connector knows "
                    f"up to {current_version}: upgrade the connector"
                )
            for version, script in self.migrations:
                if version <= current:
                    continue
                for statement in script.split(";"):
                    if statement.strip():
                        self._execute(statement)
                self._execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, to_text(utcnow())),
                )
        return self.schema_version()

    # -- canonical snapshots -------------------------------------------------------------

    def load_canonical(self, keys: Sequence[str]) -> dict[str, Subscription]:
        found: dict[str, Subscription] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT key, body FROM canonical_snapshot WHERE key IN ({marks})",
                chunk,
            ):
                found[row["key"]] = Subscription.model_validate_json(row["body"])
        return found

    def load_fingerprints(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT key, fingerprint FROM canonical_snapshot WHERE key IN ({marks})",
                chunk,
            ):
                found[row["key"]] = row["fingerprint"]
        return found

    def save_canonical(self, subscriptions: Iterable[Subscription]) -> None:
        now = to_text(utcnow())
        rows = []
        for sub in subscriptions:
            body = sub.model_dump_json()
            rows.append((sub.id, sub.customer.id, sub.status.value, fingerprint(body), body, now))
        self._executemany(
            "INSERT INTO canonical_snapshot (key, customer_id, status, fingerprint, body,"
            " synced_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "customer_id = excluded.customer_id, status = excluded.status, "
            "fingerprint = excluded.fingerprint, body = excluded.body, "
            "synced_at = excluded.synced_at",
            rows,
        )

    def known_keys(self) -> Iterator[str]:
        rows = self._rows("SELECT key FROM canonical_snapshot ORDER BY key")
        return (str(row["key"]) for row in rows)

    def count_known(self) -> int:
        return int(self._scalar("SELECT COUNT(*) AS n FROM canonical_snapshot"))

    # -- record snapshots and bindings ---------------------------------------------------

    def load_snapshots(
        self, system: str, object_name: str, keys: Sequence[str]
    ) -> dict[str, FieldValues]:
        found: dict[str, FieldValues] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                "SELECT key, body FROM record_snapshot WHERE system = ? AND object_name = ? "
                f"AND key IN ({marks})",
                (system, object_name, *chunk),
            ):
                found[row["key"]] = json.loads(row["body"])
        return found

    def load_agreements(
        self, system: str, object_name: str, keys: Sequence[str]
    ) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                "SELECT key, agreed_modstamp, mapping FROM record_snapshot WHERE system = ? "
                f"AND object_name = ? AND agreed_modstamp IS NOT NULL AND key IN ({marks})",
                (system, object_name, *chunk),
            ):
                found[row["key"]] = (row["agreed_modstamp"], row["mapping"])
        return found

    def save_snapshots(
        self, system: str, object_name: str, snapshots: Mapping[str, SnapshotRow]
    ) -> None:
        now = to_text(utcnow())
        self._executemany(
            "INSERT INTO record_snapshot (system, object_name, key, body, agreed_modstamp,"
            " mapping, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (system, object_name, key) DO UPDATE SET body = excluded.body,"
            " agreed_modstamp = excluded.agreed_modstamp, mapping = excluded.mapping,"
            " synced_at = excluded.synced_at",
            (
                (
                    system,
                    object_name,
                    key,
                    _dumps(row.fields),
                    row.agreed_modstamp,
                    row.mapping,
                    now,
                )
                for key, row in snapshots.items()
            ),
        )

    def load_bindings(self, system: str, object_name: str, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                "SELECT key, remote_id FROM binding WHERE system = ? AND object_name = ? "
                f"AND key IN ({marks})",
                (system, object_name, *chunk),
            ):
                found[row["key"]] = row["remote_id"]
        return found

    def save_bindings(self, system: str, object_name: str, bindings: Mapping[str, str]) -> None:
        now = to_text(utcnow())
        # The target is the authority on which key its record carries: a remote record now
        # answering to another key (merged or re-keyed in the target) moves its binding.
        self._executemany(
            "DELETE FROM binding WHERE system = ? AND object_name = ? AND remote_id = ?"
            " AND key <> ?",
            ((system, object_name, remote, key) for key, remote in bindings.items()),
        )
        self._executemany(
            "INSERT INTO binding (system, object_name, key, remote_id, bound_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (system, object_name, key) DO UPDATE SET "
            "remote_id = excluded.remote_id, bound_at = excluded.bound_at",
            ((system, object_name, key, remote, now) for key, remote in bindings.items()),
        )

    # -- cursors -------------------------------------------------------------------------

    def get_cursor(self, name: str) -> str | None:
        row = self._one("SELECT value FROM cursor WHERE name = ?", (name,))
        return None if row is None else str(row["value"])

    def cursors(self) -> dict[str, str]:
        return {row["name"]: row["value"] for row in self._rows("SELECT name, value FROM cursor")}

    def set_cursor(self, name: str, value: str) -> None:
        with self.transaction():
            self._execute(
                "INSERT INTO cursor (name, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (name, value, to_text(utcnow())),
            )

    # -- runs ----------------------------------------------------------------------------

    def start_run(self, run: RunRecord) -> None:
        with self.transaction():
            self._execute(
                "INSERT INTO run (id, kind, started_at, dry_run, mapping_version, status, summary,"
                " owner_host, owner_pid, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    run.kind,
                    to_text(run.started_at),
                    int(run.dry_run),
                    run.mapping_version,
                    run.status,
                    _dumps(run.summary),
                    run.owner_host,
                    run.owner_pid,
                    to_text(run.started_at),
                ),
            )

    def finish_run(self, run_id: str, status: RunStatus, summary: Mapping[str, object]) -> None:
        with self.transaction():
            self._execute(
                "UPDATE run SET status = ?, finished_at = ?, summary = ? WHERE id = ?",
                (status, to_text(utcnow()), _dumps(dict(summary)), run_id),
            )

    def recent_runs(self, limit: int = 10, offset: int = 0) -> list[RunRecord]:
        rows = self._rows(
            "SELECT * FROM run ORDER BY started_at DESC, id LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_run(row) for row in rows]

    def get_run(self, run_id: str) -> RunRecord | None:
        row = self._one("SELECT * FROM run WHERE id = ?", (run_id,))
        return None if row is None else _run(row)

    # -- audit ---------------------------------------------------------------------------

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        with self._lock, self.transaction():
            for entry in entries:
                inserted = self._execute(
                    "INSERT INTO audit (at, run_id, correlation_id, subscription_id, customer_id,"
                    " event_types, outcome, dry_run, mapping_version, mrr_before, mrr_after,"
                    " mrr_delta, currency, detail)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                    (
                        to_text(entry.at),
                        entry.run_id,
                        entry.correlation_id,
                        entry.subscription_id,
                        entry.customer_id,
                        _dumps(list(entry.event_types)),
                        entry.outcome,
                        int(entry.dry_run),
                        entry.mapping_version,
                        entry.mrr_before,
                        entry.mrr_after,
                        entry.mrr_delta,
                        entry.currency,
                        _dumps(entry.detail),
                    ),
                )
                audit_id = inserted.fetchone()["id"]
                for kind in entry.event_types:
                    self._execute(
                        "INSERT INTO audit_event_type (audit_id, event_type) VALUES (?, ?)",
                        (audit_id, kind),
                    )
                for movement_kind, currency, amount in entry.movements:
                    self._execute(
                        "INSERT INTO revenue_movement (audit_id, at, run_id, subscription_id,"
                        " customer_id, currency, kind, amount, amount_minor)"
                        " VALUES (?,?,?,?,?,?,?,?,?)",
                        (
                            audit_id,
                            to_text(entry.at),
                            entry.run_id,
                            entry.subscription_id,
                            entry.customer_id,
                            currency,
                            movement_kind,
                            f"{amount:f}",
                            # Exact integers the database can add up (SQLite has no decimal).
                            Money(amount=amount, currency=currency).to_minor(),
                        ),
                    )

    def history_opened_at(self) -> dt.datetime | None:
        row = self._rows(
            "SELECT MIN(at) AS at FROM audit WHERE dry_run = 0 AND outcome <> ?",
            (RESOLVED_BY_HAND,),
        )
        return from_text(row[0]["at"]) if row and row[0]["at"] else None

    def ledger_totals(self) -> dict[str, Decimal]:
        rows = self._rows(
            "SELECT currency, SUM(amount_minor) AS minor FROM revenue_movement GROUP BY currency",
            (),
        )
        return {
            row["currency"]: Decimal(int(row["minor"])).scaleb(-minor_units(row["currency"]))
            for row in rows
        }

    def ledger(self, until: dt.datetime | None = None) -> Iterator[LedgerRow]:
        where, params = ("WHERE at < ?", (to_text(until),)) if until is not None else ("", ())
        rows = self._rows(
            "SELECT at, run_id, subscription_id, customer_id, currency, kind, amount"
            f" FROM revenue_movement {where} ORDER BY at, id",
            params,
        )
        for row in rows:
            yield LedgerRow(
                at=from_text(row["at"]) or utcnow(),
                run_id=row["run_id"],
                subscription_id=row["subscription_id"],
                customer_id=row["customer_id"],
                currency=row["currency"],
                kind=row["kind"],
                amount=Decimal(row["amount"]),
            )

    def query_audit(self, query: AuditQuery) -> list[AuditEntry]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.subscription_id is not None:
            clauses.append("a.subscription_id = ?")
            params.append(query.subscription_id)
        if query.event_type is not None:
            clauses.append("a.id IN (SELECT audit_id FROM audit_event_type WHERE event_type = ?)")
            params.append(query.event_type)
        if query.since is not None:
            clauses.append("a.at >= ?")
            params.append(to_text(query.since))
        if query.run_id is not None:
            clauses.append("a.run_id = ?")
            params.append(query.run_id)
        if not query.include_dry_runs:
            clauses.append("a.dry_run = 0")
        if query.until is not None:
            clauses.append("a.at < ?")
            params.append(to_text(query.until))
        if query.outcome is not None:
            clauses.append("a.outcome = ?")
            params.append(query.outcome)
        if query.customer_id is not None:
            clauses.append("a.customer_id = ?")
            params.append(query.customer_id)
        if query.system is not None:
            # A target's name is a key of the entry's "targets" object. The text match narrows
            # the rows in SQL (a "_" or "%" in a name only widens it); the parsed entry
            # confirms it below.
            clauses.append("a.detail LIKE ?")
            params.append(f'%"{query.system}":[%')
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(
            f"SELECT * FROM audit a {where} ORDER BY a.at DESC, a.id DESC LIMIT ? OFFSET ?",
            (*params, query.limit, query.offset),
        )
        entries = [
            AuditEntry(
                id=row["id"],
                at=from_text(row["at"]) or utcnow(),
                run_id=row["run_id"],
                correlation_id=row["correlation_id"],
                subscription_id=row["subscription_id"],
                customer_id=row["customer_id"],
                event_types=tuple(json.loads(row["event_types"])),
                outcome=row["outcome"],
                dry_run=bool(row["dry_run"]),
                mapping_version=row["mapping_version"],
                mrr_before=row["mrr_before"],
                mrr_after=row["mrr_after"],
                mrr_delta=row["mrr_delta"],
                currency=row["currency"],
                detail=json.loads(row["detail"]),
            )
            for row in rows
        ]
        if query.system is not None:
            entries = [e for e in entries if query.system in e.detail.get("targets", {})]
        return entries

    # -- dead letters --------------------------------------------------------------------

    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        self._executemany(
            "INSERT INTO dead_letter (key, system, reason, error_code, retryable, run_id,"
            " payload, attempts, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'open', ?, ?)"
            " ON CONFLICT (key, system) WHERE status = 'open' DO UPDATE SET"
            " reason = excluded.reason, error_code = excluded.error_code,"
            " retryable = excluded.retryable, run_id = excluded.run_id,"
            " payload = excluded.payload, attempts = dead_letter.attempts + 1,"
            " updated_at = excluded.updated_at",
            (
                (
                    letter.key,
                    letter.system,
                    letter.reason,
                    letter.error_code,
                    int(letter.retryable),
                    letter.run_id,
                    _dumps(letter.payload),
                    to_text(letter.created_at),
                    to_text(letter.updated_at),
                )
                for letter in letters
            ),
        )

    def _letter(self, row: Row) -> DeadLetter:
        return DeadLetter(
            id=row["id"],
            key=row["key"],
            system=row["system"],
            reason=row["reason"],
            error_code=row["error_code"],
            retryable=bool(row["retryable"]),
            run_id=row["run_id"],
            payload=json.loads(row["payload"]),
            attempts=row["attempts"],
            status=row["status"],
            created_at=from_text(row["created_at"]) or utcnow(),
            updated_at=from_text(row["updated_at"]) or utcnow(),
            resolved_at=from_text(row["resolved_at"]),
            resolved_by_run=row["resolved_by_run"],
        )

    def list_dead_letters(
        self, status: str | None = "open", limit: int = 100, offset: int = 0
    ) -> list[DeadLetter]:
        if status is None:
            rows = self._rows(
                "SELECT * FROM dead_letter ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            )
        else:
            rows = self._rows(
                "SELECT * FROM dead_letter WHERE status = ?"
                " ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
                (status, limit, offset),
            )
        return [self._letter(row) for row in rows]

    def get_dead_letter(self, letter_id: int) -> DeadLetter | None:
        row = self._one("SELECT * FROM dead_letter WHERE id = ?", (letter_id,))
        return None if row is None else self._letter(row)

    def open_dead_letters(self, keys: Sequence[str]) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT key, system FROM dead_letter WHERE status = 'open' AND key IN ({marks})",
                chunk,
            ):
                found.setdefault(row["key"], set()).add(row["system"])
        return {key: frozenset(systems) for key, systems in found.items()}

    def resolve_dead_letter(self, letter_id: int, resolved_by: str) -> bool:
        with self.transaction():
            cursor = self._execute(
                "UPDATE dead_letter SET status = 'resolved', resolved_at = ?, resolved_by_run = ?"
                " WHERE id = ? AND status = 'open'",
                (to_text(utcnow()), resolved_by, letter_id),
            )
            return bool(cursor.rowcount)

    def resolve_dead_letters(self, key: str, systems: Sequence[str], run_id: str) -> int:
        if not systems:
            return 0
        marks = ",".join("?" * len(systems))
        with self.transaction():
            cursor = self._execute(
                "UPDATE dead_letter SET status = 'resolved', resolved_at = ?, resolved_by_run = ?"
                f" WHERE key = ? AND status = 'open' AND system IN ({marks})",
                (to_text(utcnow()), run_id, key, *systems),
            )
            return int(cursor.rowcount)

    def count_dead_letters(self, status: str = "open") -> int:
        return int(
            self._scalar("SELECT COUNT(*) AS n FROM dead_letter WHERE status = ?", (status,))
        )

    # -- work queue ------------------------------------------------------------------------
    # One row per key: queuing a key that is already queued does nothing; queuing a key a
    # worker holds marks it dirty, so it is queued again when that worker is done (it may
    # have read the world before the change that caused the new request).

    def enqueue(self, keys: Sequence[str], reason: str, now: dt.datetime) -> None:
        stamp = to_text(now)
        self._executemany(
            "INSERT INTO work_item (key, state, reason, attempts, not_before, enqueued_at,"
            " updated_at, dirty) VALUES (?, 'queued', ?, 0, ?, ?, ?, 0)"
            " ON CONFLICT (key) DO UPDATE SET"
            " dirty = CASE WHEN work_item.state = 'leased' THEN 1 ELSE work_item.dirty END,"
            " not_before = CASE WHEN work_item.state = 'queued'"
            " AND excluded.not_before < work_item.not_before"
            " THEN excluded.not_before ELSE work_item.not_before END,"
            " updated_at = excluded.updated_at",
            ((key, reason, stamp, stamp, stamp) for key in dict.fromkeys(keys)),
        )

    def accept_webhooks(
        self, events: Sequence[tuple[str, str, Sequence[str]]], now: dt.datetime
    ) -> set[str]:
        """Record webhook events and queue their keys in one transaction.

        Returns the ids recorded now; the others were seen before (or twice in this batch).
        Committing both together is what makes a crash before the 2xx safe: either an event
        is recorded and queued, or neither, and Stripe delivers it again.
        """
        fresh: set[str] = set()
        keys: list[str] = []
        stamp = to_text(now)
        with self.transaction():
            for event_id, event_type, event_keys in events:
                if event_id in fresh:
                    continue
                cursor = self._execute(
                    "INSERT INTO webhook_event (id, type, key, received_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (id) DO NOTHING",
                    (event_id, event_type, ",".join(event_keys) or None, stamp),
                )
                if cursor.rowcount == 1:
                    fresh.add(event_id)
                    keys.extend(event_keys)
            if keys:
                self.enqueue(keys, "webhook", now)
        return fresh

    def keys_for_customer(self, customer_id: str) -> list[str]:
        rows = self._rows(
            "SELECT key FROM canonical_snapshot WHERE customer_id = ? ORDER BY key", (customer_id,)
        )
        return [str(row["key"]) for row in rows]

    def lease(
        self, owner: str, limit: int, now: dt.datetime, lease_seconds: float
    ) -> list[WorkItem]:
        """Take up to ``limit`` ready keys (or keys whose holder's lease ran out)."""
        stamp = to_text(now)
        until = now + dt.timedelta(seconds=lease_seconds)
        with self.transaction():
            rows = self._rows(
                "UPDATE work_item SET state = 'leased', lease_owner = ?, lease_expires_at = ?,"
                " updated_at = ?,"
                " attempts = attempts + CASE WHEN state = 'leased' THEN 1 ELSE 0 END"
                " WHERE key IN (SELECT key FROM work_item WHERE"
                " (state = 'queued' AND not_before <= ?)"
                " OR (state = 'leased' AND lease_expires_at < ?)"
                f" ORDER BY not_before, enqueued_at LIMIT ?{self.skip_locked})"
                " RETURNING key, reason, attempts, enqueued_at, last_error",
                (owner, to_text(until), stamp, stamp, stamp, limit),
            )
        return [
            WorkItem(
                key=row["key"],
                reason=row["reason"],
                attempts=int(row["attempts"]),
                enqueued_at=from_text(row["enqueued_at"]) or now,
                lease_owner=owner,
                lease_expires_at=until,
                last_error=row["last_error"],
            )
            for row in rows
        ]

    def ready_count(self, now: dt.datetime) -> int:
        """Keys a worker could take now (as :meth:`lease` chooses them)."""
        stamp = to_text(now)
        row = self._one(
            "SELECT COUNT(*) AS ready FROM work_item WHERE (state = 'queued' AND not_before <= ?)"
            " OR (state = 'leased' AND lease_expires_at < ?)",
            (stamp, stamp),
        )
        return int(row["ready"]) if row is not None else 0

    def extend_leases(
        self, keys: Sequence[str], owner: str, now: dt.datetime, lease_seconds: float
    ) -> int:
        if not keys:
            return 0
        until = to_text(now + dt.timedelta(seconds=lease_seconds))
        marks = ",".join("?" * len(keys))
        with self.transaction():
            cursor = self._execute(
                "UPDATE work_item SET lease_expires_at = ? WHERE lease_owner = ?"
                f" AND state = 'leased' AND key IN ({marks})",
                (until, owner, *keys),
            )
            return int(cursor.rowcount)

    def complete(self, key: str, owner: str, now: dt.datetime) -> bool:
        """Done with ``key``: forget it, or queue it again if it was asked for meanwhile.

        False when ``owner`` no longer holds the lease (it expired and another took it).
        """
        stamp = to_text(now)
        with self.transaction():
            requeued = self._execute(
                "UPDATE work_item SET state = 'queued', dirty = 0, attempts = 0,"
                " last_error = NULL, lease_owner = NULL, lease_expires_at = NULL,"
                " not_before = ?, updated_at = ?"
                " WHERE key = ? AND lease_owner = ? AND state = 'leased' AND dirty = 1",
                (stamp, stamp, key, owner),
            ).rowcount
            deleted = self._execute(
                "DELETE FROM work_item WHERE key = ? AND lease_owner = ? AND state = 'leased'"
                " AND dirty = 0",
                (key, owner),
            ).rowcount
        return bool(requeued or deleted)

    def retry_later(
        self, key: str, owner: str, error: str, not_before: dt.datetime, now: dt.datetime
    ) -> int | None:
        """Put a failed key back with a backoff; return its failure count (None: not held)."""
        with self.transaction():
            row = self._one(
                "UPDATE work_item SET state = 'queued', attempts = attempts + 1,"
                " last_error = ?, not_before = ?, lease_owner = NULL, lease_expires_at = NULL,"
                " dirty = 0, updated_at = ? WHERE key = ? AND lease_owner = ? AND state = 'leased'"
                " RETURNING attempts",
                (error, to_text(not_before), to_text(now), key, owner),
            )
        return None if row is None else int(row["attempts"])

    def postpone(
        self, key: str, owner: str, error: str, not_before: dt.datetime, now: dt.datetime
    ) -> bool:
        """Put a key back for later without counting an attempt (its system is down)."""
        with self.transaction():
            cursor = self._execute(
                "UPDATE work_item SET state = 'queued', last_error = ?, not_before = ?,"
                " lease_owner = NULL, lease_expires_at = NULL, dirty = 0, updated_at = ?"
                " WHERE key = ? AND lease_owner = ? AND state = 'leased'",
                (error, to_text(not_before), to_text(now), key, owner),
            )
            return bool(cursor.rowcount)

    def release(self, key: str, owner: str, now: dt.datetime) -> bool:
        """Give a key back untouched (shutting down before working it)."""
        with self.transaction():
            cursor = self._execute(
                "UPDATE work_item SET state = 'queued', lease_owner = NULL,"
                " lease_expires_at = NULL, updated_at = ?"
                " WHERE key = ? AND lease_owner = ? AND state = 'leased'",
                (to_text(now), key, owner),
            )
            return bool(cursor.rowcount)

    def remove_from_queue(self, key: str, owner: str) -> bool:
        with self.transaction():
            cursor = self._execute(
                "DELETE FROM work_item WHERE key = ? AND lease_owner = ?", (key, owner)
            )
            return bool(cursor.rowcount)

    # -- leases a run takes outside the queue ------------------------------------------------
    # A run (``connector reconcile``, a cron job) writes only keys it holds, like a worker: it
    # takes the keys nobody holds (or whose holder's lease ran out) as leased rows of its own
    # and gives them back when it is done, queued again if they were asked for meanwhile.

    def claim(
        self, keys: Sequence[str], owner: str, now: dt.datetime, lease_seconds: float
    ) -> set[str]:
        stamp = to_text(now)
        until = to_text(now + dt.timedelta(seconds=lease_seconds))
        claimed: set[str] = set()
        unique = list(dict.fromkeys(keys))
        with self.transaction():
            for start in range(0, len(unique), CLAIM_CHUNK):
                chunk = unique[start : start + CLAIM_CHUNK]
                values = ",".join("(?, 'leased', 'run', 0, ?, ?, ?, 0, ?, ?)" for _ in chunk)
                params: list[Any] = []
                for key in chunk:
                    params.extend((key, stamp, stamp, stamp, owner, until))
                rows = self._rows(
                    "INSERT INTO work_item (key, state, reason, attempts, not_before,"
                    " enqueued_at, updated_at, dirty, lease_owner, lease_expires_at)"
                    f" VALUES {values} ON CONFLICT (key) DO UPDATE SET"
                    " lease_owner = excluded.lease_owner,"
                    " lease_expires_at = excluded.lease_expires_at,"
                    " updated_at = excluded.updated_at"
                    " WHERE work_item.state = 'leased' AND work_item.lease_expires_at < ?"
                    " RETURNING key",
                    (*params, stamp),
                )
                claimed.update(str(row["key"]) for row in rows)
        return claimed

    def release_claims(self, keys: Sequence[str], owner: str, now: dt.datetime) -> None:
        stamp = to_text(now)
        unique = list(dict.fromkeys(keys))
        with self.transaction():
            for start in range(0, len(unique), CLAIM_CHUNK):
                chunk = unique[start : start + CLAIM_CHUNK]
                marks = ",".join("?" * len(chunk))
                self._execute(
                    "UPDATE work_item SET state = 'queued', dirty = 0, attempts = 0,"
                    " last_error = NULL, lease_owner = NULL, lease_expires_at = NULL,"
                    " not_before = ?, updated_at = ?"
                    f" WHERE lease_owner = ? AND state = 'leased' AND dirty = 1"
                    f" AND key IN ({marks})",
                    (stamp, stamp, owner, *chunk),
                )
                self._execute(
                    "DELETE FROM work_item WHERE lease_owner = ? AND state = 'leased'"
                    f" AND dirty = 0 AND key IN ({marks})",
                    (owner, *chunk),
                )

    def audit_mark(self) -> int:
        return int(self._scalar("SELECT COALESCE(MAX(id), 0) AS n FROM audit") or 0)

    def audited_since(self, mark: int, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), CLAIM_CHUNK):
            chunk = unique[start : start + CLAIM_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._rows(
                "SELECT DISTINCT subscription_id FROM audit WHERE id > ? AND dry_run = 0"
                f" AND subscription_id IN ({marks})",
                (mark, *chunk),
            )
            found.update(str(row["subscription_id"]) for row in rows)
        return found

    def queue_stats(self, now: dt.datetime) -> QueueStats:
        row = self._one(
            "SELECT"
            " SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END) AS queued,"
            " SUM(CASE WHEN state = 'leased' THEN 1 ELSE 0 END) AS leased,"
            " SUM(CASE WHEN state = 'queued' AND not_before > ? THEN 1 ELSE 0 END) AS delayed,"
            " MIN(enqueued_at) AS oldest FROM work_item",
            (to_text(now),),
        )
        assert row is not None
        return QueueStats(
            queued=int(row["queued"] or 0),
            leased=int(row["leased"] or 0),
            delayed=int(row["delayed"] or 0),
            oldest_enqueued_at=from_text(row["oldest"]),
        )


def _run(row: Row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        kind=row["kind"],
        started_at=from_text(row["started_at"]) or utcnow(),
        dry_run=bool(row["dry_run"]),
        mapping_version=row["mapping_version"],
        status=row["status"],
        finished_at=from_text(row["finished_at"]),
        summary=json.loads(row["summary"]),
    )
