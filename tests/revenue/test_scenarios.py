"""Every kind of billing change, with the label(s) it is audited under and its movements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from adapters.memory import MemoryTarget
from connector.mapping import compile_mapping
from connector.planner import ChangeKind, PlanPolicy, TargetState, plan_subscription
from connector.planner.classify import classify
from connector.revenue import Movement, MovementKind, derive_movements
from connector.schema import IntervalUnit, Subscription, SubscriptionStatus
from tests.factories import MAPPINGS, T0, forever_percent, item, paused, subscription

FEB = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
BASE = subscription(1)  # pro, 1 seat, 99.00 EUR a month (VAT 19 % exclusive)
_K = MovementKind
_C = ChangeKind


def _m(kind: MovementKind, amount: str, currency: str = "EUR") -> Movement:
    return Movement(kind, currency, Decimal(amount))


def _status(status: SubscriptionStatus, **more: Any) -> Subscription:
    return BASE.replace(status=status, **more)


CASES: list[tuple[str, Subscription, Subscription, set[ChangeKind], tuple[Movement, ...]]] = [
    (
        "seat increase",
        BASE,
        BASE.replace(items=(item("pro", 3),)),
        {_C.UPGRADED, _C.QUANTITY_CHANGED},
        (_m(_K.EXPANSION, "198.00"),),  # 3 x 99.00 - 99.00
    ),
    (
        "price increase",
        BASE,
        BASE.replace(items=(item("pro", amount="119.00"),)),
        {_C.UPGRADED},
        (_m(_K.EXPANSION, "20.00"),),
    ),
    (
        "cheaper plan",
        BASE,
        BASE.replace(items=(item("starter"),)),
        {_C.DOWNGRADED, _C.PLAN_CHANGED},
        (_m(_K.CONTRACTION, "-70.00"),),  # 29.00 - 99.00
    ),
    (
        "trial conversion",
        _status(SubscriptionStatus.TRIALING),
        BASE,
        {_C.TRIAL_CONVERTED},
        (_m(_K.NEW_BUSINESS, "99.00"),),
    ),
    (
        "incomplete -> active",
        _status(SubscriptionStatus.INCOMPLETE),
        BASE,
        {_C.ACTIVATED},
        (_m(_K.NEW_BUSINESS, "99.00"),),
    ),
    ("pause", BASE, paused(BASE), {_C.PAUSED}, (_m(_K.CHURN, "-99.00"),)),
    ("resume", paused(BASE), BASE, {_C.RESUMED}, (_m(_K.REACTIVATION, "99.00"),)),
    (
        "cancel now",
        BASE,
        _status(SubscriptionStatus.CANCELLED, cancelled_at=FEB),
        {_C.CANCELLED},
        (_m(_K.CHURN, "-99.00"),),
    ),
    (
        "cancel at period end: scheduled (still billing until then)",
        BASE,
        BASE.replace(cancel_at_period_end=True),
        {_C.CANCELLATION_SCHEDULED},
        (),
    ),
    (
        "cancel at period end: the period ended",
        BASE.replace(cancel_at_period_end=True),
        _status(SubscriptionStatus.CANCELLED, cancel_at_period_end=True, cancelled_at=FEB),
        {_C.CANCELLED},
        (_m(_K.CHURN, "-99.00"),),
    ),
    (
        "withdrawn cancellation",
        BASE.replace(cancel_at_period_end=True),
        BASE,
        {_C.CANCELLATION_WITHDRAWN},
        (),
    ),
    (
        "reactivation",
        _status(SubscriptionStatus.CANCELLED, cancelled_at=FEB),
        BASE,
        {_C.REACTIVATED},
        (_m(_K.REACTIVATION, "99.00"),),
    ),
    (
        "item coupon added",
        BASE,
        BASE.replace(items=(item("pro", discounts=(forever_percent("10", "item10"),)),)),
        {_C.DISCOUNT_ADDED, _C.DOWNGRADED},
        (_m(_K.CONTRACTION, "-9.90"),),
    ),
    (
        "item coupon removed",
        BASE.replace(items=(item("pro", discounts=(forever_percent("10", "item10"),)),)),
        BASE,
        {_C.DISCOUNT_REMOVED, _C.UPGRADED},
        (_m(_K.EXPANSION, "9.90"),),
    ),
    (
        "subscription coupon added",
        BASE,
        BASE.replace(discounts=(forever_percent("20"),)),
        {_C.DISCOUNT_ADDED, _C.DOWNGRADED},
        (_m(_K.CONTRACTION, "-19.80"),),
    ),
    (
        "subscription coupon removed",
        BASE.replace(discounts=(forever_percent("20"),)),
        BASE,
        {_C.DISCOUNT_REMOVED, _C.UPGRADED},
        (_m(_K.EXPANSION, "19.80"),),
    ),
    (
        "currency change: churn in the old currency, new business in the new one",
        BASE,
        BASE.replace(currency="USD", items=(item("pro", currency="USD", amount="109.00"),)),
        {_C.CURRENCY_CHANGED},
        (_m(_K.CHURN, "-99.00"), _m(_K.NEW_BUSINESS, "109.00", "USD")),
    ),
    (
        "interval change with equal MRR",
        BASE,
        BASE.replace(items=(item("pro", unit=IntervalUnit.YEAR, amount="1188.00"),)),
        {_C.INTERVAL_CHANGED},
        (),
    ),
    (
        "past due is still billed",
        BASE,
        _status(SubscriptionStatus.PAST_DUE),
        {_C.STATUS_CHANGED},
        (),
    ),
    (
        "back to a trial stops revenue",
        BASE,
        _status(SubscriptionStatus.TRIALING),
        {_C.STATUS_CHANGED},
        (_m(_K.CHURN, "-99.00"),),
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "labels", "movements"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_billing_change_label_and_movement(
    before: Subscription,
    after: Subscription,
    labels: set[ChangeKind],
    movements: tuple[Movement, ...],
) -> None:
    """Each billing change has its own name (never drift_corrected) and its movements."""
    assert set(classify(previous=before, current=after)) == labels
    assert _C.DRIFT_CORRECTED not in labels
    assert derive_movements(before, after, new_in_billing=False) == movements
    assert sum(m.amount for m in movements if m.currency == "EUR") == (
        (after.mrr.amount if after.currency == "EUR" else 0) - before.mrr.amount
    )


def _plan(previous: Subscription | None, current: Subscription, opened: dt.datetime | None) -> Any:
    crm = MemoryTarget(compile_mapping(MAPPINGS / "salesforce.yaml"))
    state = TargetState(mapping=crm.mapping, records={})
    policy = PlanPolicy(history_opened_at=opened)
    return plan_subscription(
        key=current.id,
        current=current,
        previous=previous,
        targets={"crm": state},
        policy=policy,
        now=FEB,
    )


def test_first_sight_of_an_existing_subscription_is_a_baseline() -> None:
    """Seen for the first time, but billing had it before the history began: opening balance."""
    plan = _plan(None, BASE.replace(created=T0), opened=FEB)
    assert plan.changes == (_C.BASELINE,)
    assert plan.movements == (_m(_K.BASELINE, "99.00"),)


def test_a_subscription_new_in_billing_is_created_as_new_business() -> None:
    """Created in billing after the history began: created, new business."""
    plan = _plan(None, BASE.replace(created=FEB + dt.timedelta(hours=1)), opened=FEB)
    assert plan.changes == (_C.CREATED,)
    assert plan.movements == (_m(_K.NEW_BUSINESS, "99.00"),)


def test_before_any_history_every_first_sight_is_a_baseline() -> None:
    """On the very first run nothing is new business, however recent."""
    plan = _plan(None, BASE.replace(created=FEB), opened=None)
    assert plan.changes == (_C.BASELINE,)


def test_a_mapping_change_is_named_and_moves_no_revenue() -> None:
    """Billing unchanged, the target agreed with the last sync, the mapping now renders
    something else: mapping_changed, no movement."""
    crm = MemoryTarget(compile_mapping(MAPPINGS / "salesforce.yaml"))
    obj = crm.mapping.objects["subscription"]
    key, desired = obj.render(BASE)
    old = {**desired, "Plan__c": "PRO-OLD"}  # what the previous mapping wrote
    from connector.records import TargetRecord

    state = TargetState(
        mapping=crm.mapping,
        records={"subscription": {key: TargetRecord(key=key, fields=old, modstamp="1")}},
        snapshots={"subscription": {key: old}},
    )
    plan = plan_subscription(
        key=BASE.id,
        current=BASE,
        previous=BASE,
        targets={"crm": state},
        policy=PlanPolicy(),
        now=FEB,
    )
    assert plan.changes == (_C.MAPPING_CHANGED,)
    assert plan.movements == ()
