"""Classify what happened to a subscription between the last sync and now."""

from __future__ import annotations

from connector.planner.model import CanonicalChange, ChangeKind
from connector.records import JsonValue
from connector.schema import Subscription, SubscriptionStatus

_S = SubscriptionStatus

# Canonical fields worth naming in the audit trail, with how to show them.
_WATCHED: tuple[str, ...] = (
    "status",
    "plan_code",
    "total_quantity",
    "currency",
    "cancel_at_period_end",
    "cancel_at",
    "cancelled_at",
    "trial_end",
    "current_period_start",
    "current_period_end",
    "paused_until",
    "list_mrr",
    "discount_names",
)


def _shown(subscription: Subscription, name: str) -> JsonValue:
    value = getattr(subscription, name)
    if value is None or isinstance(value, bool | int):
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def field_changes(
    previous: Subscription | None, current: Subscription | None
) -> tuple[CanonicalChange, ...]:
    """The watched canonical fields that differ, with before and after values."""
    if previous is None or current is None:
        return ()
    changes = []
    for name in _WATCHED:
        before, after = _shown(previous, name), _shown(current, name)
        if before != after:
            changes.append(CanonicalChange(name, before, after))
    return tuple(changes)


def _priced_items(subscription: Subscription) -> dict[str, tuple[str, int, str, object]]:
    return {
        item.id: (item.price_id, item.quantity, str(item.unit_price), item.tiers)
        for item in subscription.items
    }


def classify(previous: Subscription | None, current: Subscription | None) -> tuple[ChangeKind, ...]:
    """Name the changes from ``previous`` (last synced) to ``current`` (the billing truth).

    ``current`` is None when the subscription has disappeared from the billing system, which
    the reconciler treats as a cancellation. A first sight (``previous`` None) is classified
    by the caller, which knows whether the targets already had the records.
    """
    if previous is None:
        return ()
    if current is None:
        return () if previous.status is _S.CANCELLED else (ChangeKind.CANCELLED,)
    kinds: list[ChangeKind] = []
    before, after = previous.status, current.status
    if before != after:
        if after is _S.CANCELLED:
            kinds.append(ChangeKind.CANCELLED)
        elif before is _S.CANCELLED:
            kinds.append(ChangeKind.REACTIVATED)
        elif after is _S.PAUSED:
            kinds.append(ChangeKind.PAUSED)
        elif before is _S.PAUSED:
            kinds.append(ChangeKind.RESUMED)
        elif before is _S.TRIALING and after in (_S.ACTIVE, _S.PAST_DUE, _S.UNPAID):
            kinds.append(ChangeKind.TRIAL_CONVERTED)
    if after is not _S.CANCELLED and before is not _S.CANCELLED:
        scheduled_before = previous.cancel_at_period_end or previous.cancel_at is not None
        scheduled_after = current.cancel_at_period_end or current.cancel_at is not None
        if scheduled_after and not scheduled_before:
            kinds.append(ChangeKind.CANCELLATION_SCHEDULED)
        elif scheduled_before and not scheduled_after:
            # Stripe calls undoing a scheduled cancellation "reactivating" the subscription.
            kinds.append(ChangeKind.REACTIVATED)
    if previous.plan_code != current.plan_code:
        kinds.append(ChangeKind.PLAN_CHANGED)
    if previous.total_quantity != current.total_quantity:
        kinds.append(ChangeKind.QUANTITY_CHANGED)
    priced_changed = _priced_items(previous) != _priced_items(current) or (
        previous.discounts != current.discounts
    )
    if priced_changed and previous.currency == current.currency:
        delta = current.list_mrr.amount - previous.list_mrr.amount
        if delta > 0:
            kinds.append(ChangeKind.UPGRADED)
        elif delta < 0:
            kinds.append(ChangeKind.DOWNGRADED)
    if (
        before == after
        and previous.current_period_start is not None
        and current.current_period_start is not None
        and current.current_period_start > previous.current_period_start
    ):
        kinds.append(ChangeKind.RENEWED)
    return tuple(dict.fromkeys(kinds))
