"""A revert's audit: one entry per subscription, naming the run it reverts.

The entry has the shape of any run's (per target, each record with its action, the target's
answer and the differences written, before and after), so a revert shows like any change and
can itself be reverted. Its event type is ``reverted``; ``reverts_run`` and the correlation id
name the run reverted. Like a run's, each entry is first recorded as an intent (see
:mod:`connector.intents`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from connector.apply import RecordId, RecordOutcome
from connector.planner import RecordPlan, SubscriptionPlan
from connector.redaction import redact
from connector.revert_plan import PutBack, RevertPlan
from connector.store import AuditEntry, AuditIntent
from connector.store.records import values_digest

EVENT = "reverted"


def revert_entries(
    plan: RevertPlan,
    outcomes: Mapping[RecordId, RecordOutcome],
    run_id: str,
    reverted_run: str,
    mapping_version: str,
    at: dt.datetime,
) -> list[AuditEntry]:
    """The entry of each subscription the revert wrote to, with the targets' answers."""
    return [
        _entry(sub, plan, outcomes, run_id, reverted_run, mapping_version, at) for sub in plan.plans
    ]


def revert_intents(
    plan: RevertPlan, run_id: str, reverted_run: str, mapping_version: str, at: dt.datetime
) -> list[AuditIntent]:
    """Each entry as recorded if every write lands, and the values those writes leave."""
    intents: list[AuditIntent] = []
    for sub in plan.plans:
        landed = {_id(r): RecordOutcome(ok=True) for r in sub.records}
        entry = _entry(sub, plan, landed, run_id, reverted_run, mapping_version, at)
        records = [
            (
                r.system,
                r.object_name,
                r.key,
                list(r.writes),
                values_digest(r.writes, list(r.writes)),
            )
            for r in sub.records
        ]
        intents.append(AuditIntent(run_id, sub.key, entry, None, records, at))
    return intents


def _id(record: RecordPlan) -> RecordId:
    return record.system, record.object_name, record.key


def _entry(
    sub: SubscriptionPlan,
    plan: RevertPlan,
    outcomes: Mapping[RecordId, RecordOutcome],
    run_id: str,
    reverted_run: str,
    mapping_version: str,
    at: dt.datetime,
) -> AuditEntry:
    targets: dict[str, list[dict[str, Any]]] = {}
    landed: list[bool] = []
    for record in sub.records:
        outcome = outcomes.get(_id(record))
        landed.append(outcome is not None and outcome.ok)
        detail = _record_detail(record, plan.fields[_id(record)], outcome)
        targets.setdefault(record.system, []).append(detail)
    label = "applied" if all(landed) else "partial" if any(landed) else "failed"
    return AuditEntry(
        at=at,
        run_id=run_id,
        correlation_id=reverted_run,
        subscription_id=sub.key,
        customer_id=sub.customer_id,
        event_types=(EVENT,),
        outcome=label,
        dry_run=False,
        mapping_version=mapping_version,
        mrr_before=None,
        mrr_after=None,
        mrr_delta=None,
        currency=None,
        detail=redact({"reverts_run": reverted_run, "changes": [], "targets": targets}),
    )


def _record_detail(
    record: RecordPlan, put: Sequence[PutBack], outcome: RecordOutcome | None
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "object": record.object_name,
        "key": record.key,
        "action": record.action.value,
        "result": "not_applied" if outcome is None else "ok" if outcome.ok else "failed",
    }
    remote_id = (outcome.remote_id if outcome is not None else None) or record.remote_id
    if remote_id:
        detail["remote_id"] = remote_id
    if outcome is not None and outcome.error is not None:
        detail["error"] = {
            "code": outcome.error.code,
            "message": outcome.error.message,
            "retryable": outcome.error.retryable,
        }
    detail["diffs"] = [
        {"field": p.field, "before": p.now, "after": p.back, "reason": EVENT, "resolution": "write"}
        for p in put
    ]
    return detail
