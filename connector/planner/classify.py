"""Classify what happened to a subscription between the last sync and now."""

from __future__ import annotations

from connector.planner.model import CanonicalChange, ChangeKind
from connector.records import JsonValue
from connector.schema import MRR_BEARING_STATUSES, Subscription, SubscriptionStatus

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
    *, previous: Subscription | None, current: Subscription | None
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


def _status_change(before: SubscriptionStatus, after: SubscriptionStatus) -> ChangeKind:
    if after is _S.CANCELLED:
        return ChangeKind.CANCELLED
    if before is _S.CANCELLED:
        return ChangeKind.REACTIVATED
    if after is _S.PAUSED:
        return ChangeKind.PAUSED
    if before is _S.PAUSED:
        return ChangeKind.RESUMED
    if before is _S.TRIALING and after in MRR_BEARING_STATUSES:
        return ChangeKind.TRIAL_CONVERTED
    if before is _S.INCOMPLETE and after in MRR_BEARING_STATUSES:
        return ChangeKind.ACTIVATED
    return ChangeKind.STATUS_CHANGED


def _discount_ids(subscription: Subscription) -> set[str]:
    ids = {f"subscription:{d.coupon_id}" for d in subscription.discounts}
    ids.update(f"{item.id}:{d.coupon_id}" for item in subscription.items for d in item.discounts)
    return ids


def _discount_changes(previous: Subscription, current: Subscription) -> tuple[bool, bool]:
    before, after = _discount_ids(previous), _discount_ids(current)
    return bool(after - before), bool(before - after)


def _priced_items(subscription: Subscription) -> dict[str, tuple[str, int, str, object]]:
    return {
        item.id: (item.price_id, item.quantity, str(item.unit_price), item.tiers)
        for item in subscription.items
    }


def classify(
    *, previous: Subscription | None, current: Subscription | None
) -> tuple[ChangeKind, ...]:
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
        kinds.append(_status_change(before, after))
    kinds.extend(_scheduling_change(previous, current))
    if previous.currency != current.currency:
        kinds.append(ChangeKind.CURRENCY_CHANGED)
    if previous.interval != current.interval:
        kinds.append(ChangeKind.INTERVAL_CHANGED)
    added, removed = _discount_changes(previous, current)
    if added:
        kinds.append(ChangeKind.DISCOUNT_ADDED)
    if removed:
        kinds.append(ChangeKind.DISCOUNT_REMOVED)
    if previous.plan_code != current.plan_code:
        kinds.append(ChangeKind.PLAN_CHANGED)
    if previous.total_quantity != current.total_quantity:
        kinds.append(ChangeKind.QUANTITY_CHANGED)
    kinds.extend(_price_change(previous, current))
    if before == after and _renewed(previous, current):
        kinds.append(ChangeKind.RENEWED)
    return tuple(dict.fromkeys(kinds))


def _scheduling_change(previous: Subscription, current: Subscription) -> tuple[ChangeKind, ...]:
    """A cancellation scheduled or withdrawn, while neither state is cancelled."""
    if current.status is _S.CANCELLED or previous.status is _S.CANCELLED:
        return ()
    scheduled_before = previous.cancel_at_period_end or previous.cancel_at is not None
    scheduled_after = current.cancel_at_period_end or current.cancel_at is not None
    if scheduled_after and not scheduled_before:
        return (ChangeKind.CANCELLATION_SCHEDULED,)
    if scheduled_before and not scheduled_after:
        # Stripe calls it "reactivating", but nothing had stopped: no reactivation.
        return (ChangeKind.CANCELLATION_WITHDRAWN,)
    return ()


def _price_change(previous: Subscription, current: Subscription) -> tuple[ChangeKind, ...]:
    """Upgraded or downgraded: the priced items or discounts changed, and list MRR with them
    (compared only within one currency)."""
    priced_changed = (
        _priced_items(previous) != _priced_items(current)
        or previous.discounts != current.discounts
        or _discount_ids(previous) != _discount_ids(current)
    )
    if not priced_changed or previous.currency != current.currency:
        return ()
    delta = current.list_mrr.amount - previous.list_mrr.amount
    if delta > 0:
        return (ChangeKind.UPGRADED,)
    if delta < 0:
        return (ChangeKind.DOWNGRADED,)
    return ()


def _renewed(previous: Subscription, current: Subscription) -> bool:
    """A new billing period started."""
    return (
        previous.current_period_start is not None
        and current.current_period_start is not None
        and current.current_period_start > previous.current_period_start
    )
