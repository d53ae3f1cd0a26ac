"""Every change class is recognised from the last synced and the current subscription."""

from __future__ import annotations

import datetime as dt

import pytest

from connector.planner import ChangeKind, classify
from connector.schema import Subscription, SubscriptionStatus
from tests.factories import forever_percent, item, paused, subscription

BASE = subscription(1)
FEB = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
MAR = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

CASES: list[tuple[str, Subscription, Subscription, set[ChangeKind]]] = [
    (
        "upgrade by plan",
        BASE,
        BASE.replace(items=(item("enterprise"),)),
        {ChangeKind.UPGRADED, ChangeKind.PLAN_CHANGED},
    ),
    (
        "downgrade by plan",
        BASE,
        BASE.replace(items=(item("starter"),)),
        {ChangeKind.DOWNGRADED, ChangeKind.PLAN_CHANGED},
    ),
    (
        "more seats",
        BASE,
        BASE.replace(items=(item("pro", 5),)),
        {ChangeKind.UPGRADED, ChangeKind.QUANTITY_CHANGED},
    ),
    (
        "fewer seats",
        BASE.replace(items=(item("pro", 5),)),
        BASE,
        {ChangeKind.DOWNGRADED, ChangeKind.QUANTITY_CHANGED},
    ),
    (
        "discount added",
        BASE,
        BASE.replace(discounts=(forever_percent("10"),)),
        {ChangeKind.DISCOUNT_ADDED, ChangeKind.DOWNGRADED},
    ),
    (
        "trial converted",
        BASE.replace(status=SubscriptionStatus.TRIALING),
        BASE,
        {ChangeKind.TRIAL_CONVERTED},
    ),
    ("paused", BASE, paused(BASE), {ChangeKind.PAUSED}),
    ("resumed", paused(BASE), BASE, {ChangeKind.RESUMED}),
    (
        "cancellation scheduled",
        BASE,
        BASE.replace(cancel_at_period_end=True),
        {ChangeKind.CANCELLATION_SCHEDULED},
    ),
    (
        "scheduled cancellation undone",
        BASE.replace(cancel_at_period_end=True),
        BASE,
        {ChangeKind.CANCELLATION_WITHDRAWN},
    ),
    (
        "cancelled",
        BASE,
        BASE.replace(status=SubscriptionStatus.CANCELLED, cancelled_at=FEB),
        {ChangeKind.CANCELLED},
    ),
    (
        "reactivated",
        BASE.replace(status=SubscriptionStatus.CANCELLED, cancelled_at=FEB),
        BASE,
        {ChangeKind.REACTIVATED},
    ),
    (
        "renewed",
        BASE,
        BASE.replace(current_period_start=FEB, current_period_end=MAR),
        {ChangeKind.RENEWED},
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_change_class(before: Subscription, after: Subscription, expected: set[ChangeKind]) -> None:
    """The classification names exactly the changes made."""
    assert set(classify(previous=before, current=after)) == expected


def test_no_change_no_class() -> None:
    """An identical subscription has no change class."""
    assert classify(previous=BASE, current=BASE) == ()


def test_vanished_subscription_is_cancelled() -> None:
    """A subscription billing no longer has counts as cancelled."""
    assert classify(previous=BASE, current=None) == (ChangeKind.CANCELLED,)
