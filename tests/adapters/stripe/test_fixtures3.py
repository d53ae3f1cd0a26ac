"""Stripe's own published example objects (fixtures3.json) translate.

The examples are placeholders in places (a period that ends before it starts, a discount with
``source.coupon`` null, the customer as a bare id): those are filled in, the rest is Stripe's.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from adapters.stripe.events import _event
from adapters.stripe.translate import Lookups, translate_subscription
from connector.records import RecordError
from connector.schema import Money, PauseBehavior, Subscription, SubscriptionStatus
from tests.conftest import SHARED, unavailable

FIXTURES = SHARED / "fixtures" / "stripe" / "fixtures3.json"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    if not FIXTURES.exists():
        unavailable(f"{FIXTURES} is missing: the project's shared folder is not beside it")
    loaded: dict[str, Any] = json.loads(FIXTURES.read_text(encoding="utf-8"))["resources"]
    return loaded


def filled_subscription(resources: dict[str, Any]) -> tuple[dict[str, Any], Lookups]:
    sub = copy.deepcopy(resources["subscription"])
    coupon = resources["coupon"]
    discount = copy.deepcopy(resources["discount"])
    discount["source"]["coupon"] = coupon["id"]  # placeholder null in the example
    discount["end"] = None
    sub["customer"] = copy.deepcopy(resources["customer"])  # as expanded
    sub["discounts"] = [discount]
    sub["default_tax_rates"] = [resources["tax_rate"]]
    item = sub["items"]["data"][0]
    item["current_period_start"] = sub["start_date"]  # the example's period is inverted
    item["current_period_end"] = sub["start_date"] + 31 * 86400
    product = resources["product"]
    return sub, Lookups(products={product["id"]: product}, coupons={coupon["id"]: coupon})


def test_the_example_subscription_translates(resources: dict[str, Any]) -> None:
    raw, lookups = filled_subscription(resources)
    sub = translate_subscription(raw, lookups)
    assert isinstance(sub, Subscription), sub
    assert sub.id == resources["subscription"]["id"]
    # "active" with pause_collection {behavior: mark_uncollectible}
    assert sub.status is SubscriptionStatus.PAUSED
    assert sub.pause is not None
    assert sub.pause.behavior is PauseBehavior.MARK_UNCOLLECTIBLE
    assert sub.cancel_at_period_end is True
    assert sub.currency == "USD"
    (line,) = sub.items
    assert line.unit_amount == Money.of("20.00", "USD")
    assert line.product_name == "T-shirt"
    assert line.plan_code == "price_1PgafmB7WZ01zgkW6dKueIc5"  # no lookup_key, no metadata
    assert line.interval is not None
    assert str(line.interval) == "month"
    (discount,) = sub.discounts
    assert discount.percent_off == Decimal("25.5")
    assert discount.name == "25.5% off"
    assert discount.duration_in_months is None  # echoed on a "forever" coupon: ignored
    (tax,) = sub.tax_rates
    assert (tax.percentage, tax.country) == (Decimal("19"), "DE")


def test_the_example_subscription_item_translates(resources: dict[str, Any]) -> None:
    raw, lookups = filled_subscription(resources)
    item = copy.deepcopy(resources["subscription_item"])
    item["current_period_start"] = raw["start_date"]
    item["current_period_end"] = raw["start_date"] + 86400
    raw["items"]["data"] = [item]
    sub = translate_subscription(raw, lookups)
    assert isinstance(sub, Subscription), sub
    assert sub.items[0].id == item["id"]


def test_the_unfilled_example_is_a_record_error_not_a_crash(resources: dict[str, Any]) -> None:
    result = translate_subscription(resources["subscription"], Lookups())
    assert isinstance(result, RecordError)
    assert result.reason.startswith("items.data[0].price.product: product prod_")


def test_the_example_event_is_readable(resources: dict[str, Any]) -> None:
    event = _event(resources["event"])
    assert event is not None
    assert (event.event_id, event.event_type) == ("evt_1Pgc76B7WZ01zgkWwyRHS12y", "plan.created")
