"""The state store interface. SQLite is the default backend; PostgreSQL follows it.

What the store keeps, and why:

- **canonical snapshots**: the last subscription state synced to every target, to classify
  what changed (upgrade, pause, ...) and to notice subscriptions that vanished from billing;
- **record snapshots**: per target record, the field values last synced, the base of the
  three-way diff that tells billing changes from edits made in the target;
- **bindings**: our key <-> the target's record id, so records are never created twice;
- **cursors**, **runs**, the **audit trail** and **dead letters**.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Protocol

from connector.records import FieldValues, SnapshotRow
from connector.schema import Subscription
from connector.store.queue_rows import QueueStats, WorkItem
from connector.store.records import (
    AuditEntry,
    AuditIntent,
    AuditQuery,
    DaemonRecord,
    DeadLetter,
    LedgerRow,
    RunRecord,
    RunStatus,
    SystemDown,
)


class StateStore(Protocol):
    def close(self) -> None: ...

    def schema_version(self) -> int: ...

    def migrate(self) -> int:
        """Bring the schema to the current version; return the version reached."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes so that they commit together (or not at all)."""
        ...

    # canonical snapshots
    def load_canonical(self, keys: Sequence[str]) -> dict[str, Subscription]: ...

    def load_fingerprints(self, keys: Sequence[str]) -> dict[str, str]:
        """Fingerprints of the stored canonical snapshots (see connector.store.fingerprint)."""
        ...

    def save_canonical(self, subscriptions: Iterable[Subscription]) -> None: ...

    def known_keys(self) -> Iterator[str]: ...

    def count_known(self) -> int: ...

    # record snapshots and bindings
    def load_snapshots(
        self, system: str, object_name: str, keys: Sequence[str]
    ) -> dict[str, FieldValues]: ...

    def load_agreements(
        self, system: str, object_name: str, keys: Sequence[str]
    ) -> dict[str, tuple[str, str]]:
        """Per key, the (modstamp, mapping digest) at which the record last agreed."""
        ...

    def save_snapshots(
        self, system: str, object_name: str, snapshots: Mapping[str, SnapshotRow]
    ) -> None: ...

    def load_bindings(
        self, system: str, object_name: str, keys: Sequence[str]
    ) -> dict[str, str]: ...

    def save_bindings(self, system: str, object_name: str, bindings: Mapping[str, str]) -> None: ...

    # cursors
    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str) -> None: ...

    def cursors(self) -> dict[str, str]: ...

    # runs
    def start_run(self, run: RunRecord) -> None: ...

    def finish_run(self, run_id: str, status: RunStatus, summary: Mapping[str, object]) -> None: ...

    def recent_runs(self, limit: int = 10, offset: int = 0) -> list[RunRecord]: ...

    def get_run(self, run_id: str) -> RunRecord | None: ...

    # audit
    def append_audit(self, entries: Sequence[AuditEntry]) -> None: ...

    def query_audit(self, query: AuditQuery) -> list[AuditEntry]: ...

    # revenue ledger
    def history_opened_at(self) -> dt.datetime | None:
        """When the connector's recorded history began: its first applied audit entry."""
        ...

    def ledger_totals(self) -> dict[str, Decimal]:
        """The sum of every recorded movement per currency: the MRR the ledger stands at."""
        ...

    def ledger(self, until: dt.datetime | None = None) -> Iterator[LedgerRow]:
        """Every recorded revenue movement before ``until`` (all if None), oldest first."""
        ...

    # dead letters
    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Record failures; an open letter for the same key and system is updated in place."""
        ...

    def list_dead_letters(
        self, status: str | None = "open", limit: int = 100, offset: int = 0
    ) -> list[DeadLetter]: ...

    def get_dead_letter(self, letter_id: int) -> DeadLetter | None: ...

    def open_dead_letters(self, keys: Sequence[str]) -> dict[str, frozenset[str]]:
        """Per key of ``keys`` with open letters, the systems those letters are for."""
        ...

    def resolve_dead_letters(self, key: str, systems: Sequence[str], run_id: str) -> int:
        """Close the open letters of ``key`` for ``systems``; return how many were closed."""
        ...

    def resolve_dead_letter(self, letter_id: int, resolved_by: str) -> bool:
        """Close one letter by its id; False when it was not open (or does not exist)."""
        ...

    def count_dead_letters(self, status: str = "open") -> int: ...

    # work queue (see connector.queue for the policy around these)
    def enqueue(self, keys: Sequence[str], reason: str, now: dt.datetime) -> None: ...

    def accept_webhooks(
        self, events: Sequence[tuple[str, str, Sequence[str]]], now: dt.datetime
    ) -> set[str]: ...

    def keys_for_customer(self, customer_id: str) -> list[str]: ...

    def lease(
        self, owner: str, limit: int, now: dt.datetime, lease_seconds: float
    ) -> list[WorkItem]: ...

    def ready_count(self, now: dt.datetime) -> int: ...

    def extend_leases(
        self, keys: Sequence[str], owner: str, now: dt.datetime, lease_seconds: float
    ) -> int: ...

    def complete(self, key: str, owner: str, now: dt.datetime) -> bool: ...

    def retry_later(
        self, key: str, owner: str, error: str, not_before: dt.datetime, now: dt.datetime
    ) -> int | None: ...

    def postpone(
        self, key: str, owner: str, error: str, not_before: dt.datetime, now: dt.datetime
    ) -> bool: ...

    def release(self, key: str, owner: str, now: dt.datetime) -> bool: ...

    def remove_from_queue(self, key: str, owner: str) -> bool: ...

    # leases taken by a run outside the queue (see connector.claims)
    def claim(
        self, keys: Sequence[str], owner: str, now: dt.datetime, lease_seconds: float
    ) -> set[str]: ...

    def release_claims(self, keys: Sequence[str], owner: str, now: dt.datetime) -> None: ...

    def audit_mark(self) -> int: ...

    # runs' liveness and audit intents (see connector.intents)
    def beat_run(self, run_id: str, now: dt.datetime) -> None: ...

    def abort_dead_runs(
        self,
        now: dt.datetime,
        host: str,
        alive: Callable[[int], bool],
        stale_after: dt.timedelta,
    ) -> list[str]: ...

    def add_intents(self, intents: Sequence[AuditIntent]) -> None: ...

    def drop_intents(self, run_id: str) -> None: ...

    def orphaned_intents(self, limit: int = 1000) -> list[AuditIntent]: ...

    def settle_intent(
        self, intent: AuditIntent, entry: AuditEntry | None, canonical: Subscription | None
    ) -> None: ...

    # systems found down (see connector.pauses)
    def set_system_down(
        self, system: str, reason: str, since: dt.datetime, resume_at: dt.datetime
    ) -> None: ...

    def set_system_up(self, system: str, now: dt.datetime) -> None: ...

    def systems_down(self) -> list[SystemDown]: ...

    def audited_since(self, mark: int, keys: Sequence[str]) -> set[str]: ...

    def queue_stats(self, now: dt.datetime) -> QueueStats: ...

    # -- daemons alive, last syncs (connector.store.sql_liveness) ----------------------------

    def beat_daemon(self, daemon: DaemonRecord) -> None: ...

    def forget_daemon(self, daemon_id: str) -> None: ...

    def live_daemons(self, now: dt.datetime, within: dt.timedelta) -> list[DaemonRecord]: ...

    def last_synced(self) -> dict[str, dt.datetime]: ...
