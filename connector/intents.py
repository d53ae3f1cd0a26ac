"""A crash-safe audit trail: intents recorded before writing, settled after a crash.

Before a run writes to any target it records, per subscription, the audit entry it will
record if every write lands (``AuditIntent``); the transaction that records the audit drops
them. A run killed between its writes and that transaction leaves intents behind. Once that
run is known dead (``abort_dead_runs``), the next run settles each intent by reading the
targets:

- every record reads back as intended: the writes landed, so the entry is recorded as the
  dead run would have (marked as settled after the crash), with billing's state as synced
  and its revenue movements: the change has its one audit entry;
- otherwise the intent is dropped: the change is planned again from the targets as they are,
  and audited once, when it is applied.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from adapters.base import Target
from connector.apply import RecordId, RecordOutcome
from connector.audit import build_entry
from connector.outcome import KeyOutcome
from connector.planner import SubscriptionPlan
from connector.recording import audit_outcome
from connector.redaction import redact_text
from connector.store import AuditIntent, StateStore
from connector.store.records import values_digest

# A run beats every RUN_BEAT_SECONDS; one silent for RUN_STALE is dead, wherever it ran.
RUN_BEAT_SECONDS = 30.0
RUN_STALE = dt.timedelta(minutes=5)

OutcomeOf = Callable[[SubscriptionPlan], str | None]


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user's
    return True


def _as_landed(plan: SubscriptionPlan) -> str | None:
    """The audit outcome a plan is recorded with when every write lands: no failure."""
    return audit_outcome(plan, KeyOutcome(), False, False)


def intents_for(
    plans: Sequence[SubscriptionPlan],
    *,
    run_id: str,
    correlation_id: str,
    mapping_version: str,
    at: dt.datetime,
    outcome_of: OutcomeOf | None = None,
) -> list[AuditIntent]:
    """The intents of the plans that write something: each one's entry if all its writes
    land."""
    intents: list[AuditIntent] = []
    for plan in plans:
        writes = [record for record in plan.records if record.needs_write]
        if not writes:
            continue
        landed: Mapping[RecordId, RecordOutcome] = {
            (r.system, r.object_name, r.key): RecordOutcome(ok=True) for r in writes
        }
        label = (outcome_of or _as_landed)(plan)
        if label is None:
            continue
        entry = build_entry(
            plan,
            landed,
            outcome=label,
            run_id=run_id,
            correlation_id=correlation_id,
            dry_run=False,
            mapping_version=mapping_version,
            at=at,
            movements=plan.movements if plan.current is not None else (),
            # The values written are the records' own (below); the entry names them.
            brief=True,
        )
        records = [
            (
                r.system,
                r.object_name,
                r.key,
                list(r.writes),  # only what is sent: see connector.read_back
                values_digest(r.synced, list(r.writes)),
            )
            for r in writes
        ]
        intents.append(AuditIntent(run_id, plan.key, entry, plan.current, records, at))
    return intents


def settle_orphans(
    store: StateStore, targets: Mapping[str, Target], log: Any, batch: int = 1000
) -> int:
    """Settle the intents of dead runs; return how many entries they gave."""
    recorded = 0
    while intents := store.orphaned_intents(batch):
        for intent in intents:
            landed = _landed(intent, targets, log)
            entry = None
            if landed:
                detail = {**intent.entry.detail, "settled_after_crash": True}
                entry = replace(intent.entry, detail=detail)
                recorded += 1
            store.settle_intent(intent, entry, intent.canonical if landed else None)
    return recorded


def _landed(intent: AuditIntent, targets: Mapping[str, Target], log: Any) -> bool:
    for system, object_name, key, fields, digest in intent.records:
        target = targets.get(system)
        if target is None:
            return False
        try:
            found = target.read(object_name, [key]).get(key)
        except Exception as exc:  # unreadable now: the change is planned again instead
            log.warning("run.intent_unreadable", key=intent.key, error=redact_text(str(exc)))
            return False
        if found is None:
            return False
        actual = target.mapping.objects[object_name].normalise(found.fields)
        if values_digest(actual, fields) != digest:
            return False
    return True


def settle_dead_runs(
    store: StateStore, targets: Mapping[str, Target], now: dt.datetime, log: Any
) -> None:
    """Runs whose process died are shown aborted; what they wrote gets its audit."""
    aborted = store.abort_dead_runs(now, this_host(), pid_alive, RUN_STALE)
    if aborted:
        log.warning("run.aborted_runs_found", runs=aborted)
    settled = settle_orphans(store, targets, log)
    if settled:
        log.warning("run.intents_settled", entries=settled)
