"""The audit trail: one structured event per subscription per run, in the store and the logs.

An entry names the change in revenue terms (upgraded, paused, ...), the canonical fields
before and after, the MRR before, after and the delta, and for every target what was
planned, what was written and what the target answered. Dry runs are audited too, flagged.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from connector.apply import RecordId, RecordOutcome
from connector.logs import record_level
from connector.planner import RecordPlan, SubscriptionPlan
from connector.records import JsonValue
from connector.redaction import redact
from connector.revenue import Movement
from connector.store import AuditEntry, StateStore


def _money_text(plan: SubscriptionPlan) -> tuple[str | None, str | None, str | None]:
    before = f"{plan.mrr_before.amount:f}" if plan.mrr_before is not None else None
    after = f"{plan.mrr_after.amount:f}" if plan.mrr_after is not None else None
    delta = plan.mrr_delta
    return before, after, (f"{delta:f}" if delta is not None else None)


def _record_detail(
    record: RecordPlan, outcome: RecordOutcome | None, dry_run: bool, brief: bool = False
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "object": record.object_name,
        "key": record.key,
        "action": record.action.value,
    }
    if record.needs_write:
        if dry_run:
            detail["result"] = "planned"
        elif outcome is None:
            detail["result"] = "not_applied"
        else:
            detail["result"] = "ok" if outcome.ok else "failed"
            if outcome.remote_id:
                detail["remote_id"] = outcome.remote_id
            if outcome.error is not None:
                detail["error"] = {
                    "code": outcome.error.code,
                    "message": outcome.error.message,
                    "retryable": outcome.error.retryable,
                }
    if brief:
        return detail
    if record.action.value == "create":
        detail["fields"] = dict(record.writes)
    if record.diffs:
        detail["diffs"] = [
            {
                "field": d.field,
                "before": d.before,
                "after": d.after,
                "last_synced": d.last_synced,
                "reason": d.reason.value,
                "resolution": d.resolution.value,
            }
            for d in record.diffs
        ]
    return detail


def build_entry(
    plan: SubscriptionPlan,
    outcomes: Mapping[RecordId, RecordOutcome],
    *,
    outcome: str,
    run_id: str,
    correlation_id: str,
    dry_run: bool,
    mapping_version: str,
    at: dt.datetime,
    movements: Sequence[Movement] = (),
    brief: bool = False,
) -> AuditEntry:
    """The entry of one subscription's change. ``brief``: each record named with its action
    and result, without the values written (an intent's entry, see connector.intents)."""
    targets: dict[str, list[dict[str, Any]]] = {}
    for record in plan.records:
        if record.action.value == "noop" and not record.diffs:
            continue
        found = outcomes.get((record.system, record.object_name, record.key))
        targets.setdefault(record.system, []).append(_record_detail(record, found, dry_run, brief))
    changes: list[dict[str, JsonValue]] = [
        {"field": c.field, "before": c.before, "after": c.after} for c in plan.field_changes
    ]
    detail: dict[str, Any] = {"changes": changes, "targets": targets}
    if plan.errors:
        detail["errors"] = dict(plan.errors)
    if plan.source_missing:
        detail["source_missing"] = True
    if movements:
        detail["movements"] = [
            {"kind": m.kind.value, "currency": m.currency, "amount": f"{m.amount:f}"}
            for m in movements
        ]
    before, after, delta = _money_text(plan)
    return AuditEntry(
        at=at,
        run_id=run_id,
        correlation_id=correlation_id,
        subscription_id=plan.key,
        customer_id=plan.customer_id,
        event_types=tuple(kind.value for kind in plan.changes),
        outcome=outcome,
        dry_run=dry_run,
        mapping_version=mapping_version,
        mrr_before=before,
        mrr_after=after,
        mrr_delta=delta,
        currency=plan.currency,
        detail=redact(detail, bounded=True),
        movements=tuple((m.kind.value, m.currency, m.amount) for m in movements),
    )


class AuditTrail:
    """Writes entries to the store and to the log stream: one line per entry (at INFO in
    JSON lines, at DEBUG on a terminal) and one summary line per batch of entries."""

    def __init__(self, store: StateStore, logger: Any) -> None:
        self._store = store
        self._logger = logger

    def record(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        self._store.append_audit(entries)
        level = record_level()
        for entry in entries:
            self._logger.log(
                level,
                "audit",
                run_id=entry.run_id,
                correlation_id=entry.correlation_id,
                subscription_id=entry.subscription_id,
                customer_id=entry.customer_id,
                event_types=list(entry.event_types),
                outcome=entry.outcome,
                dry_run=entry.dry_run,
                mrr_before=entry.mrr_before,
                mrr_after=entry.mrr_after,
                mrr_delta=entry.mrr_delta,
                currency=entry.currency,
                mapping_version=entry.mapping_version,
                detail=entry.detail,
            )
        self._logger.info("audit.recorded", **summarise(entries))


def summarise(entries: Sequence[AuditEntry]) -> dict[str, Any]:
    """What a batch of entries says in one line: how many, which changes, which outcomes."""
    changes = Counter(kind for entry in entries for kind in entry.event_types)
    outcomes = Counter(entry.outcome for entry in entries)
    return {
        "entries": len(entries),
        "changes": dict(sorted(changes.items())),
        "outcomes": dict(sorted(outcomes.items())),
        "dry_run": any(entry.dry_run for entry in entries),
    }
