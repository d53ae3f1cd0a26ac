"""Builders of realistic canonical subscriptions for tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from connector.mapping import CompiledMapping, compile_mapping
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

REPO = Path(__file__).resolve().parents[1]
MAPPINGS = REPO / "mappings"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

PLANS: dict[str, tuple[str, str]] = {
    # plan code -> (price id, unit amount)
    "starter": ("price_starter", "29.00"),
    "pro": ("price_pro", "99.00"),
    "enterprise": ("price_enterprise", "499.00"),
}

VAT_DE = TaxRate(id="txr_de", display_name="VAT DE", percentage=Decimal("19"), country="DE")


def load_default_mappings() -> dict[str, CompiledMapping]:
    return {
        "salesforce": compile_mapping(MAPPINGS / "salesforce.yaml"),
        "odoo": compile_mapping(MAPPINGS / "odoo.yaml"),
    }


def customer(n: int, **overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "id": f"cus_{n:05d}",
        "name": f"Customer {n}",
        "email": f"billing{n}@example.com",
        "country": "DE",
        "tax_id": f"DE{n:09d}",
        "currency": "EUR",
    }
    values.update(overrides)
    return Customer(**values)


def item(
    plan: str = "pro",
    quantity: int = 1,
    *,
    unit: IntervalUnit = IntervalUnit.MONTH,
    count: int = 1,
    currency: str = "EUR",
    amount: str | None = None,
    item_id: str = "si_1",
    discounts: tuple[Discount, ...] = (),
) -> SubscriptionItem:
    price_id, list_amount = PLANS[plan]
    return SubscriptionItem(
        id=item_id,
        product_id=f"prod_{plan}",
        product_name=plan.title(),
        plan_code=plan,
        price_id=f"{price_id}_{unit.value}_{count}",
        unit_amount=Money.of(amount or list_amount, currency),
        quantity=quantity,
        interval=BillingInterval(unit=unit, count=count),
        tax_rates=(VAT_DE,),
        discounts=discounts,
    )


def subscription(n: int, **overrides: Any) -> Subscription:
    """Subscription ``sub_{n}`` of customer ``n``: active, pro plan, monthly, EUR."""
    values: dict[str, Any] = {
        "id": f"sub_{n:05d}",
        "customer": customer(n),
        "status": SubscriptionStatus.ACTIVE,
        "currency": "EUR",
        "items": (item(),),
        "start": T0,
        "current_period_start": T0,
        "current_period_end": dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        "metadata": {},
    }
    values.update(overrides)
    return Subscription(**values)


def paused(sub: Subscription, until: dt.datetime | None = None) -> Subscription:
    return sub.replace(status=SubscriptionStatus.PAUSED, pause=Pause(resumes_at=until))


def forever_percent(percent: str, coupon: str = "loyal") -> Discount:
    return Discount(
        id=f"di_{coupon}",
        coupon_id=coupon,
        name=f"{percent}% off",
        percent_off=Decimal(percent),
        duration=DiscountDuration.FOREVER,
    )
