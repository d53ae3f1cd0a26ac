"""SQLite backend of the state store: one file, WAL journal, safe across threads."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from connector.records import FieldValues, SnapshotRow
from connector.schema import Subscription
from connector.store.fingerprint import fingerprint
from connector.store.migrations_sqlite import CURRENT_VERSION, MIGRATIONS
from connector.store.records import AuditEntry, AuditQuery, DeadLetter, RunRecord, RunStatus
from connector.store.timestamps import from_text, to_text, utcnow

# SQLite allows 32,766 host parameters since 3.32; keep IN lists well below it.
_IN_BATCH = 900


def _chunks(keys: Sequence[str], size: int = _IN_BATCH) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


class SchemaTooNewError(RuntimeError):
    """The store was migrated by a newer version of the connector."""


class SqliteStore:
    """The default store. ``path`` may be ``":memory:"`` for tests."""

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute("PRAGMA busy_timeout=30000")
        if migrate:
            self.migrate()

    # -- plumbing ------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN IMMEDIATE")
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

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock, self.transaction():
            self._conn.executemany(sql, rows)

    def schema_version(self) -> int:
        exists = self._execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
        ).fetchone()
        if not exists:
            return 0
        row = self._execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> int:
        with self._lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = self.schema_version()
            if current > CURRENT_VERSION:
                raise SchemaTooNewError(
                    f"state store {self.path} is at schema {current}; this connector knows "
                    f"up to {CURRENT_VERSION}: upgrade the connector"
                )
            for version, script in MIGRATIONS:
                if version <= current:
                    continue
                with self.transaction():
                    for statement in script.split(";"):
                        if statement.strip():
                            self._conn.execute(statement)
                    self._conn.execute(
                        "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                        (version, to_text(utcnow())),
                    )
            return self.schema_version()

    # -- canonical snapshots -------------------------------------------------------------

    def load_canonical(self, keys: Sequence[str]) -> dict[str, Subscription]:
        found: dict[str, Subscription] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._execute(
                f"SELECT key, body FROM canonical_snapshot WHERE key IN ({marks})",
                chunk,
            ):
                found[row["key"]] = Subscription.model_validate_json(row["body"])
        return found

    def load_fingerprints(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._execute(
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
        rows = self._execute("SELECT key FROM canonical_snapshot ORDER BY key").fetchall()
        return (row[0] for row in rows)

    def count_known(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM canonical_snapshot").fetchone()[0])

    # -- record snapshots and bindings ---------------------------------------------------

    def load_snapshots(
        self, system: str, object_name: str, keys: Sequence[str]
    ) -> dict[str, FieldValues]:
        found: dict[str, FieldValues] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            for row in self._execute(
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
            for row in self._execute(
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
            for row in self._execute(
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
        row = self._execute("SELECT value FROM cursor WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

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
                "INSERT INTO run (id, kind, started_at, dry_run, mapping_version, status, summary)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    run.kind,
                    to_text(run.started_at),
                    int(run.dry_run),
                    run.mapping_version,
                    run.status,
                    _dumps(run.summary),
                ),
            )

    def finish_run(self, run_id: str, status: RunStatus, summary: Mapping[str, object]) -> None:
        with self.transaction():
            self._execute(
                "UPDATE run SET status = ?, finished_at = ?, summary = ? WHERE id = ?",
                (status, to_text(utcnow()), _dumps(dict(summary)), run_id),
            )

    def recent_runs(self, limit: int = 10) -> list[RunRecord]:
        rows = self._execute(
            "SELECT * FROM run ORDER BY started_at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [
            RunRecord(
                id=row["id"],
                kind=row["kind"],
                started_at=from_text(row["started_at"]) or utcnow(),
                dry_run=bool(row["dry_run"]),
                mapping_version=row["mapping_version"],
                status=row["status"],
                finished_at=from_text(row["finished_at"]),
                summary=json.loads(row["summary"]),
            )
            for row in rows
        ]

    # -- audit ---------------------------------------------------------------------------

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        with self._lock, self.transaction():
            for entry in entries:
                cursor = self._conn.execute(
                    "INSERT INTO audit (at, run_id, correlation_id, subscription_id, customer_id,"
                    " event_types, outcome, dry_run, mapping_version, mrr_before, mrr_after,"
                    " mrr_delta, currency, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                self._conn.executemany(
                    "INSERT INTO audit_event_type (audit_id, event_type) VALUES (?, ?)",
                    ((cursor.lastrowid, kind) for kind in entry.event_types),
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
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._execute(
            f"SELECT * FROM audit a {where} ORDER BY a.at DESC, a.id DESC LIMIT ?",
            (*params, query.limit),
        ).fetchall()
        return [
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

    def _letter(self, row: sqlite3.Row) -> DeadLetter:
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

    def list_dead_letters(self, status: str | None = "open", limit: int = 100) -> list[DeadLetter]:
        if status is None:
            rows = self._execute(
                "SELECT * FROM dead_letter ORDER BY updated_at DESC LIMIT ?", (limit,)
            ).fetchall()
        else:
            rows = self._execute(
                "SELECT * FROM dead_letter WHERE status = ? ORDER BY updated_at DESC LIMIT ?",
                (status, limit),
            ).fetchall()
        return [self._letter(row) for row in rows]

    def get_dead_letter(self, letter_id: int) -> DeadLetter | None:
        row = self._execute("SELECT * FROM dead_letter WHERE id = ?", (letter_id,)).fetchone()
        return None if row is None else self._letter(row)

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
            return cursor.rowcount

    def count_dead_letters(self, status: str = "open") -> int:
        row = self._execute("SELECT COUNT(*) FROM dead_letter WHERE status = ?", (status,))
        return int(row.fetchone()[0])
