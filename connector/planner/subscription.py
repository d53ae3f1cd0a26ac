"""Plan one subscription across every target: render, three-way diff, classify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from connector.mapping import CompiledMapping, RenderError
from connector.planner.classify import classify, field_changes
from connector.planner.model import ChangeKind, DiffReason, SubscriptionPlan
from connector.planner.three_way import plan_record
from connector.records import FieldValues, TargetRecord
from connector.revenue import derive_movements
from connector.schema import Subscription, SubscriptionStatus


@dataclass(frozen=True, slots=True)
class TargetState:
    """What one target holds for the records of a chunk of subscriptions.

    Every mapping is keyed by object name, then by match key. ``records`` are as the target
    returned them; they are normalised only for the subscriptions that need a full diff.
    ``agreements`` are the (modstamp, mapping digest) pairs at which records last agreed.
    """

    mapping: CompiledMapping
    records: Mapping[str, Mapping[str, TargetRecord]]
    snapshots: Mapping[str, Mapping[str, FieldValues]] = field(default_factory=dict)
    bindings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    agreements: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)

    def settled_check(self) -> Callable[[Subscription], bool]:
        """A check, with its look-ups prepared once for a whole chunk, of whether every
        record of a subscription is untouched since it last agreed.

        Only meaningful for a subscription whose canonical state is also unchanged since its
        last sync: then its desired records are the ones that agreed, and nothing is to do.
        """
        digest = self.mapping.digest
        lookups = [
            (obj.key_of, self.records.get(name, _EMPTY), self.agreements.get(name, _EMPTY))
            for name, obj in self.mapping.objects.items()
        ]

        def check(subscription: Subscription) -> bool:
            for key_of, records, agreements in lookups:
                key = key_of(subscription)
                record = records.get(key) if key is not None else None
                if record is None or record.modstamp is None:
                    return False
                agreed = agreements.get(key)
                if agreed is None or agreed[0] != record.modstamp or agreed[1] != digest:
                    return False
            return True

        return check


_EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class PlanPolicy:
    """Choices the operator makes in configuration."""

    # A subscription first seen already cancelled: create it as cancelled, or leave it out.
    create_cancelled: bool = True
    # A subscription that vanished from billing: mark it cancelled in the targets, or only
    # report it.
    cancel_missing: bool = True
    # When the connector's recorded history began (its first applied run; None before it):
    # a subscription first seen that billing created later is new business, an older one is
    # part of the opening balance. Set by the reconciler for each run.
    history_opened_at: dt.datetime | None = None


def cancelled_copy(previous: Subscription, now: dt.datetime) -> Subscription:
    """The last known state of a subscription that billing no longer has, as cancelled."""
    return previous.replace(
        status=SubscriptionStatus.CANCELLED,
        cancelled_at=previous.cancelled_at or now,
        ended_at=previous.ended_at or now,
    )


def plan_subscription(
    *,
    key: str,
    current: Subscription | None,
    previous: Subscription | None,
    targets: Mapping[str, TargetState],
    policy: PlanPolicy,
    now: dt.datetime,
) -> SubscriptionPlan:
    """Everything needed to bring every target in line with ``current``.

    ``current`` None means the billing system no longer has the subscription.
    """
    missing = current is None
    effective = current
    if current is None and previous is not None and policy.cancel_missing:
        effective = cancelled_copy(previous, now)
    known = effective or previous
    plan = SubscriptionPlan(
        key=key,
        customer_id=known.customer.id if known is not None else None,
        current=effective,
        mrr_before=previous.mrr if previous is not None else None,
        mrr_after=effective.mrr if effective is not None else None,
        source_missing=missing,
    )
    if effective is None:
        plan.errors["billing"] = "not found in the billing system and never synced"
        return plan
    plan.changes = classify(previous=previous, current=effective)
    plan.field_changes = field_changes(previous=previous, current=effective)
    new_in_billing = _new_in_billing(effective, policy.history_opened_at)
    plan.movements = derive_movements(previous, effective, new_in_billing=new_in_billing)
    skip_new = (
        previous is None
        and effective.status is SubscriptionStatus.CANCELLED
        and not policy.create_cancelled
    )
    for system, state in targets.items():
        try:
            rendered = state.mapping.render(effective)
        except RenderError as exc:
            plan.errors[system] = str(exc)
            continue
        for name, (record_key, desired) in rendered.items():
            obj = state.mapping.objects[name]
            found = state.records.get(name, {}).get(record_key)
            if found is None and skip_new:
                continue
            record = plan_record(
                system=system,
                obj=obj,
                key=record_key,
                desired=desired,
                actual=obj.normalise(found.fields) if found is not None else None,
                last=state.snapshots.get(name, {}).get(record_key),
                remote_id=(found.remote_id if found is not None else None)
                or state.bindings.get(name, {}).get(record_key),
                modstamp=found.modstamp if found is not None else None,
            )
            if record.agreed_modstamp is not None and not record.snapshot_stale:
                agreed = state.agreements.get(name, {}).get(record_key)
                if agreed != (record.agreed_modstamp, state.mapping.digest):
                    record = replace(record, snapshot_stale=True)
            plan.records.append(record)
    plan.changes = _labels(plan, previous, effective, new_in_billing)
    return plan


def _new_in_billing(subscription: Subscription, opened_at: dt.datetime | None) -> bool:
    """Created in billing after the connector's history began (before it: opening balance)."""
    created = subscription.created or subscription.start
    return opened_at is not None and created >= opened_at


def _labels(
    plan: SubscriptionPlan,
    previous: Subscription | None,
    current: Subscription,
    new_in_billing: bool,
) -> tuple[ChangeKind, ...]:
    """The change's names: billing's own changes first; a target's drift or a new mapping
    only when billing did not change."""
    if previous is None:
        first = ChangeKind.CREATED if new_in_billing else ChangeKind.BASELINE
        return (first, *plan.changes)
    writes = [r for r in plan.records if r.needs_write]
    if plan.changes:
        return plan.changes
    if previous != current:
        return (ChangeKind.BILLING_UPDATED,) if writes or plan.movements else ()
    if not writes:
        return ()
    reasons = {d.reason for r in writes for d in r.diffs}
    labels: list[ChangeKind] = []
    if DiffReason.SOURCE_CHANGED in reasons or DiffReason.TARGET_OWNED in reasons:
        # What billing says did not change, yet what the mapping makes of it did.
        labels.append(ChangeKind.MAPPING_CHANGED)
    if DiffReason.DRIFT in reasons or DiffReason.CONFLICT in reasons or not labels:
        labels.append(ChangeKind.DRIFT_CORRECTED)
    return tuple(labels)
