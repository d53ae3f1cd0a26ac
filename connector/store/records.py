"""Rows of the state store, as plain dataclasses shared by every backend."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from connector.schema import Subscription

RunStatus = Literal[
    "running", "clean", "dead_letters", "failed", "stopped_by_safety_valve", "aborted"
]
DeadLetterStatus = Literal["open", "resolved"]
# The audit outcome of a dead letter an operator closed by hand (connector.dead_letters):
# not a sync, so it never opens the connector's recorded history.
RESOLVED_BY_HAND = "resolved_by_hand"


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    kind: str
    started_at: dt.datetime
    dry_run: bool
    mapping_version: str
    status: RunStatus = "running"
    finished_at: dt.datetime | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    owner_host: str | None = None  # where the run's process runs, to tell when it died
    owner_pid: int | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited change of one subscription in one run (see :mod:`connector.audit`)."""

    at: dt.datetime
    run_id: str
    correlation_id: str
    subscription_id: str
    customer_id: str | None
    event_types: tuple[str, ...]
    outcome: str
    dry_run: bool
    mapping_version: str
    mrr_before: str | None
    mrr_after: str | None
    mrr_delta: str | None
    currency: str | None
    detail: dict[str, Any]
    id: int | None = None
    # Revenue movements this change made (kind, currency, signed amount), written to the
    # ledger in the same transaction as the entry; only for changes billing's state moved by.
    movements: tuple[tuple[str, str, Decimal], ...] = ()


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One revenue movement as recorded: what moved MRR, when, for which subscription."""

    at: dt.datetime
    run_id: str
    subscription_id: str
    customer_id: str | None
    currency: str
    kind: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AuditQuery:
    subscription_id: str | None = None
    event_type: str | None = None
    since: dt.datetime | None = None
    run_id: str | None = None
    include_dry_runs: bool = False
    limit: int = 100
    until: dt.datetime | None = None  # entries strictly before
    outcome: str | None = None  # applied, failed, partial, planned, reported, recorded...
    system: str | None = None  # entries that planned or wrote something in this target
    customer_id: str | None = None
    offset: int = 0  # entries skipped, newest first (paging)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A subscription that could not be brought in line with one system, and why."""

    key: str
    system: str
    reason: str
    error_code: str
    retryable: bool
    run_id: str
    payload: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    attempts: int = 1
    status: DeadLetterStatus = "open"
    resolved_at: dt.datetime | None = None
    resolved_by_run: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AuditIntent:
    """What a run is about to write for one subscription, recorded before it writes.

    ``entry`` is the audit entry it records if the writes land, with ``canonical`` (billing's
    state then synced); ``records`` are the records written as (system, object, key, the
    fields written and a digest of their values as the target will read them back; see
    :func:`values_digest`).
    """

    run_id: str
    key: str
    entry: AuditEntry
    canonical: Subscription | None
    records: list[tuple[str, str, str, list[str], str]]
    created_at: dt.datetime


def values_digest(values: Mapping[str, Any], fields: Sequence[str]) -> str:
    """A digest of some fields' values, the same on both sides of a JSON round trip.

    An intent keeps this instead of the values: a first load records one intent per
    subscription, and the values would double what it stores only to be compared once.
    """
    # Keys sorted: a value read back from the audit trail (stored with sorted keys) and the
    # same value as a target's record normalises it give one digest.
    text = json.dumps(
        [values.get(name) for name in fields], default=str, separators=(",", ":"), sort_keys=True
    )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class SystemDown:
    """A system the connector cannot use (credentials, permissions, quota) and pauses."""

    system: str
    reason: str
    since: dt.datetime
    resume_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DaemonRecord:
    """A running daemon as it last reported itself (``connector run``), beating while alive."""

    id: str
    host: str
    pid: int
    started_at: dt.datetime
    heartbeat_at: dt.datetime
    workers: int
