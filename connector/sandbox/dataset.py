"""A realistic, reproducible data set of canonical subscriptions.

Several currencies (EUR, USD, GBP, JPY), monthly, quarterly and annual plans, trials, past-due,
paused and cancelled subscriptions, a loyalty coupon on every fifth and VAT on all. The same
number always gives the same subscription, so demos, seeds and benchmarks are repeatable.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from connector.schema import (
    BillingInterval,
    Customer,
    Discount,
    DiscountDuration,
    IntervalUnit,
    Money,
    Pause,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
    TaxRate,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CURRENCIES = ("EUR", "USD", "GBP", "JPY")
PLANS = {"starter": 29, "pro": 99, "business": 249, "enterprise": 999}
INTERVALS = (
    BillingInterval(unit=IntervalUnit.MONTH),
    BillingInterval(unit=IntervalUnit.MONTH, count=3),
    BillingInterval(unit=IntervalUnit.YEAR),
)
TAX = TaxRate(id="txr_std", display_name="VAT", percentage=Decimal("20"))
COUPON = Discount(
    id="di_loyal",
    coupon_id="loyal",
    name="Loyalty 15%",
    percent_off=Decimal("15"),
    duration=DiscountDuration.FOREVER,
)
STATUSES = (
    [SubscriptionStatus.ACTIVE] * 85
    + [SubscriptionStatus.TRIALING] * 6
    + [SubscriptionStatus.PAST_DUE] * 3
    + [SubscriptionStatus.PAUSED] * 2
    + [SubscriptionStatus.CANCELLED] * 4
)


def make_subscription(n: int, seed: int = 7, variant: int = 0) -> Subscription:
    """Subscription number ``n``; ``variant`` > 0 gives a changed version (more seats)."""
    rng = random.Random(n * 7919 + seed)
    currency = CURRENCIES[n % len(CURRENCIES)]
    plan = rng.choice(list(PLANS))
    amount = Decimal(PLANS[plan] * (100 if currency == "JPY" else 1))
    interval = INTERVALS[n % len(INTERVALS)]
    quantity = rng.randint(1, 20) + variant
    status = rng.choice(STATUSES)
    customer = Customer(
        id=f"cus_{n:07d}",
        name=f"Customer {n}",
        email=f"billing{n}@example.com",
        country="DE",
        tax_id=f"DE{n:09d}",
        currency=currency,
    )
    item = SubscriptionItem(
        id=f"si_{n:07d}",
        product_id=f"prod_{plan}",
        plan_code=plan,
        price_id=f"price_{plan}_{currency}_{interval.unit.value}{interval.count}",
        unit_amount=Money(amount=amount, currency=currency),
        quantity=quantity,
        interval=interval,
        tax_rates=(TAX,),
    )
    return Subscription(
        id=f"sub_{n:07d}",
        customer=customer,
        status=status,
        currency=currency,
        items=(item,),
        discounts=(COUPON,) if n % 5 == 0 else (),
        start=T0,
        current_period_start=T0,
        current_period_end=T0 + dt.timedelta(days=30),
        cancelled_at=T0 if status is SubscriptionStatus.CANCELLED else None,
        trial_end=T0 + dt.timedelta(days=14) if status is SubscriptionStatus.TRIALING else None,
        pause=Pause(resumes_at=T0 + dt.timedelta(days=60))
        if status is SubscriptionStatus.PAUSED
        else None,
    )
