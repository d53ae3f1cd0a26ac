"""Stripe subscription objects to canonical subscriptions, and the records that cannot be."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from adapters.stripe.translate import Lookups, translate_subscription
from connector.records import RecordError
from connector.schema import (
    DiscountDuration,
    IntervalUnit,
    Money,
    PauseBehavior,
    RoundDirection,
    Subscription,
    SubscriptionStatus,
    TaxBehavior,
    TiersMode,
)
from tests.adapters.stripe import payloads as p

CATALOG = Lookups(products={"prod_pro": p.product()})


def ok(raw: Any, lookups: Lookups = CATALOG) -> Subscription:
    result = translate_subscription(raw, lookups)
    assert isinstance(result, Subscription), result
    return result


def error(raw: Any, lookups: Lookups = CATALOG) -> RecordError:
    result = translate_subscription(raw, lookups)
    assert isinstance(result, RecordError), result
    return result


def utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def test_a_plain_subscription() -> None:
    sub = ok(p.subscription(metadata={"crm": "x"}))
    assert sub.id == "sub_1"
    assert sub.status is SubscriptionStatus.ACTIVE
    assert sub.currency == "EUR"
    assert sub.start == utc(p.T0)
    assert sub.current_period_start == utc(p.T0)
    assert sub.current_period_end == utc(p.T0 + p.MONTH)
    assert sub.metadata == {"crm": "x"}
    assert sub.customer.id == "cus_1"
    assert sub.customer.name == "Ada"
    assert sub.customer.email == "ada@example.com"
    assert sub.customer.country == "FR"
    assert sub.customer.currency == "EUR"
    (line,) = sub.items
    assert line.id == "si_1"
    assert line.price_id == "price_pro_monthly"
    assert line.product_id == "prod_pro"
    assert line.product_name == "Pro"
    assert line.plan_code == "pro_monthly"
    assert line.unit_amount == Money.of("20.00", "EUR")
    assert line.quantity == 1
    assert line.interval is not None
    assert line.interval.unit is IntervalUnit.MONTH
    assert sub.mrr == Money.of("20.00", "EUR")


@pytest.mark.parametrize(
    ("stripe_status", "canonical"),
    [
        ("trialing", SubscriptionStatus.TRIALING),
        ("active", SubscriptionStatus.ACTIVE),
        ("past_due", SubscriptionStatus.PAST_DUE),
        ("unpaid", SubscriptionStatus.UNPAID),
        ("paused", SubscriptionStatus.PAUSED),
        ("canceled", SubscriptionStatus.CANCELLED),
        ("incomplete", SubscriptionStatus.INCOMPLETE),
        ("incomplete_expired", SubscriptionStatus.CANCELLED),
    ],
)
def test_every_status(stripe_status: str, canonical: SubscriptionStatus) -> None:
    assert ok(p.subscription(status=stripe_status)).status is canonical


def test_paused_status_has_a_pause_without_resume_date() -> None:
    sub = ok(p.subscription(status="paused"))
    assert sub.pause is not None
    assert sub.pause.resumes_at is None


def test_active_with_pause_collection_is_paused() -> None:
    raw = p.subscription(
        pause_collection={"behavior": "mark_uncollectible", "resumes_at": p.T0 + 3600}
    )
    sub = ok(raw)
    assert sub.status is SubscriptionStatus.PAUSED
    assert sub.pause is not None
    assert sub.pause.behavior is PauseBehavior.MARK_UNCOLLECTIBLE
    assert sub.pause.resumes_at == utc(p.T0 + 3600)
    assert sub.paused_until == utc(p.T0 + 3600)


def test_pause_collection_keeps_a_past_due_status() -> None:
    raw = p.subscription(status="past_due", pause_collection={"behavior": "void"})
    sub = ok(raw)
    assert sub.status is SubscriptionStatus.PAST_DUE
    assert sub.pause is not None
    assert sub.pause.behavior is PauseBehavior.VOID


def test_unknown_status_is_a_record_error() -> None:
    assert error(p.subscription(status="frozen")).reason.startswith("status: unknown status")


def test_cancellation_fields() -> None:
    raw = p.subscription(
        status="canceled",
        cancel_at=p.T0 + 10,
        cancel_at_period_end=True,
        canceled_at=p.T0 + 5,
        ended_at=p.T0 + 10,
        trial_end=p.T0 + 1,
    )
    sub = ok(raw)
    assert sub.cancel_at == utc(p.T0 + 10)
    assert sub.cancel_at_period_end is True
    assert sub.cancelled_at == utc(p.T0 + 5)
    assert sub.ended_at == utc(p.T0 + 10)
    assert sub.trial_end == utc(p.T0 + 1)


@pytest.mark.parametrize(
    ("currency", "minor", "amount"),
    [
        ("jpy", 500, "500"),  # zero-decimal: 500 is ¥500
        ("krw", 12000, "12000"),
        ("kwd", 12345, "12.345"),  # three-decimal
        ("bhd", 1000, "1.000"),
        ("usd", 1999, "19.99"),
        ("mga", 4000, "4000"),  # zero-decimal for Stripe, two ISO decimals
        ("isk", 50000, "500"),  # two decimals for Stripe ("500" is 5 ISK), none in ISO
    ],
)
def test_amounts_use_stripe_exponents(currency: str, minor: int, amount: str) -> None:
    raw = p.subscription(
        currency=currency,
        customer_obj=p.customer(currency=currency),
        items=[p.item(price_obj=p.price(unit_amount=minor, currency=currency))],
    )
    line = ok(raw).items[0]
    assert line.unit_amount == Money.of(amount, currency.upper())
    assert line.unit_amount.to_minor() * 1 == Money.of(amount, currency.upper()).to_minor()


def test_fractional_isk_is_refused_not_rounded() -> None:
    raw = p.subscription(
        currency="isk",
        items=[p.item(price_obj=p.price(unit_amount=50050, currency="isk"))],
    )
    reason = error(raw).reason
    assert reason.startswith("items.data[0].price.unit_amount:")
    assert "refusing to round" in reason


def test_unit_amount_decimal_when_unit_amount_is_null() -> None:
    price = p.price(unit_amount=None, unit_amount_decimal="1234.000000")
    assert ok(p.subscription(items=[p.item(price_obj=price)])).items[0].unit_amount == Money.of(
        "12.34", "EUR"
    )


def test_sub_cent_unit_amount_decimal_is_kept_exact() -> None:
    """0.5 cent per unit (unit_amount_decimal "0.5") is 0.005 EUR, kept exact; 1,000 units
    cost 5.00 EUR."""
    price = p.price(unit_amount=None, unit_amount_decimal="0.5")
    sub = ok(p.subscription(items=[p.item(price_obj=price, quantity=1000)]))
    (item,) = sub.items
    assert (item.unit_amount, item.unit_amount_decimal) == (None, Decimal("0.005"))
    assert sub.mrr == Money.of("5.00", "EUR")


def test_whole_cent_unit_amount_decimal_is_an_ordinary_price() -> None:
    """unit_amount_decimal "1250" with a null unit_amount is 12.50 EUR per unit."""
    price = p.price(unit_amount=None, unit_amount_decimal="1250")
    (item,) = ok(p.subscription(items=[p.item(price_obj=price)])).items
    assert item.unit_amount == Money.of("12.50", "EUR")


TIERS = [
    {"up_to": 5, "unit_amount": 1000, "unit_amount_decimal": "1000", "flat_amount": 2000,
     "flat_amount_decimal": "2000"},
    {"up_to": None, "unit_amount": None, "unit_amount_decimal": "800.5", "flat_amount": None,
     "flat_amount_decimal": None},
]  # fmt: skip


def test_graduated_price_with_expanded_tiers() -> None:
    """7 seats: 5 x 10.00 + 20.00 flat, then 2 x 8.005 = 16.01: 86.01 EUR."""
    price = p.price(unit_amount=None, billing_scheme="tiered", tiers_mode="graduated", tiers=TIERS)
    sub = ok(p.subscription(items=[p.item(price_obj=price, quantity=7)]))
    (item,) = sub.items
    assert item.tiers_mode is TiersMode.GRADUATED
    assert [t.up_to for t in item.tiers] == [5, None]
    assert item.tiers[1].unit_amount == Decimal("8.005")
    assert sub.mrr == Money.of("86.01", "EUR")


def test_listed_tiered_price_takes_its_tiers_from_the_catalogue() -> None:
    """A listed price has no tiers (not expandable from a list): they come from the price read
    with expand[]=tiers; volume pricing of 7 seats: 7 x 8.005 = 56.035 -> 56.04 EUR."""
    listed = p.price(unit_amount=None, billing_scheme="tiered", tiers_mode="volume")
    raw = p.subscription(items=[p.item(price_obj=listed, quantity=7)])
    lookups = Lookups(
        products=CATALOG.products, prices={"price_pro_monthly": {**listed, "tiers": TIERS}}
    )
    assert ok(raw, lookups).mrr == Money.of("56.04", "EUR")
    reason = error(raw).reason
    assert reason == (
        "items.data[0].price.tiers: not included: the price must be read with expand[]=tiers"
    )


def test_packaged_price_and_tax_behaviour() -> None:
    """transform_quantity (packs of 10, rounded up) and tax_behavior reach the schema."""
    price = p.price(transform_quantity={"divide_by": 10, "round": "up"}, tax_behavior="inclusive")
    (item,) = ok(p.subscription(items=[p.item(price_obj=price, quantity=25)])).items
    assert item.transform_quantity is not None
    assert (item.transform_quantity.divide_by, item.transform_quantity.round) == (
        10,
        RoundDirection.UP,
    )
    assert item.tax_behavior is TaxBehavior.INCLUSIVE


def test_unknown_billing_scheme_names_the_field() -> None:
    """A billing scheme the connector does not know is a record error at its path."""
    price = p.price(billing_scheme="by_weight")
    reason = error(p.subscription(items=[p.item(price_obj=price)])).reason
    assert reason == "items.data[0].price.billing_scheme: unknown billing scheme 'by_weight'"


def test_plan_code_falls_back_to_product_metadata_then_price_id() -> None:
    lookups = Lookups(products={"prod_pro": p.product(metadata={"plan_code": "PRO"})})
    no_key = p.subscription(items=[p.item(price_obj=p.price(lookup_key=None))])
    assert ok(no_key, lookups).items[0].plan_code == "PRO"
    assert ok(no_key).items[0].plan_code == "price_pro_monthly"


def test_expanded_product_needs_no_lookup() -> None:
    price = p.price(product_ref=p.product("prod_x", "Extra"))
    line = ok(p.subscription(items=[p.item(price_obj=price)]), Lookups()).items[0]
    assert (line.product_id, line.product_name) == ("prod_x", "Extra")


def test_unreadable_product_is_a_record_error() -> None:
    reason = error(p.subscription(), Lookups()).reason
    assert reason == "items.data[0].price.product: product prod_pro could not be read"


def test_interval_count_and_one_off_items() -> None:
    quarterly = p.item("si_q", price_obj=p.price("price_q", interval="month", interval_count=3))
    setup = p.item(
        "si_setup", price_obj=p.price("price_setup", interval=None, lookup_key="setup_fee")
    )
    sub = ok(p.subscription(items=[quarterly, setup]))
    assert sub.items[0].interval is not None
    assert (sub.items[0].interval.unit, sub.items[0].interval.count) == (IntervalUnit.MONTH, 3)
    assert sub.items[1].interval is None
    assert sub.plan_code == "pro_monthly"


def test_metered_item_without_quantity_counts_zero() -> None:
    price = p.price(recurring={"interval": "month", "interval_count": 1, "usage_type": "metered"})
    assert ok(p.subscription(items=[p.item(price_obj=price, quantity=None)])).items[0].quantity == 0


def test_tax_rates_on_items_and_defaults() -> None:
    raw = p.subscription(
        default_tax_rates=[p.tax_rate(percentage=8.25)],
        items=[p.item(tax_rates=[p.tax_rate("txr_de", 19, country="DE", inclusive=True)])],
    )
    sub = ok(raw)
    (default,) = sub.tax_rates
    assert default.percentage == Decimal("8.25")
    (own,) = sub.items[0].tax_rates
    assert (own.id, own.percentage, own.inclusive, own.country) == (
        "txr_de",
        Decimal("19"),
        True,
        "DE",
    )


def test_percent_coupon_float_becomes_exact_decimal() -> None:
    raw = p.subscription(discounts=[p.discount(coupon_ref=p.coupon(percent_off=25.5))])
    (discount,) = ok(raw).discounts
    assert discount.percent_off == Decimal("25.5")
    assert discount.amount_off is None
    assert discount.coupon_id == "LOYAL"
    assert discount.duration is DiscountDuration.FOREVER
    assert discount.start == utc(p.T0)


def test_amount_coupon_in_minor_units_repeating() -> None:
    coupon = p.coupon(
        "TENOFF",
        percent_off=None,
        amount_off=1000,
        currency="eur",
        duration="repeating",
        duration_in_months=3,
    )
    raw = p.subscription(discounts=[p.discount(coupon_ref=coupon, end=p.T0 + 3 * p.MONTH)])
    (discount,) = ok(raw).discounts
    assert discount.amount_off == Money.of("10.00", "EUR")
    assert discount.percent_off is None
    assert discount.duration is DiscountDuration.REPEATING
    assert discount.duration_in_months == 3
    assert discount.end == utc(p.T0 + 3 * p.MONTH)
    assert ok(raw).mrr == Money.of("10.00", "EUR")


def test_amount_coupon_in_a_zero_decimal_currency() -> None:
    coupon = p.coupon(percent_off=None, amount_off=300, currency="jpy")
    raw = p.subscription(
        currency="jpy",
        customer_obj=p.customer(currency="jpy"),
        items=[p.item(price_obj=p.price(unit_amount=1000, currency="jpy"))],
        discounts=[p.discount(coupon_ref=coupon)],
    )
    sub = ok(raw)
    assert sub.discounts[0].amount_off == Money.of("300", "JPY")
    assert sub.mrr == Money.of("700", "JPY")


def test_amount_coupon_uses_the_currency_option_of_the_subscription() -> None:
    coupon = p.coupon(
        percent_off=None,
        amount_off=1000,
        currency="usd",
        currency_options={"eur": {"amount_off": 900}},
    )
    raw = p.subscription(discounts=[p.discount(coupon_ref=coupon)])
    assert ok(raw).discounts[0].amount_off == Money.of("9.00", "EUR")


def test_coupon_by_id_is_resolved_from_lookups() -> None:
    raw = p.subscription(items=[p.item(discounts=[p.discount("di_item", coupon_ref="LOYAL")])])
    lookups = Lookups(products={"prod_pro": p.product()}, coupons={"LOYAL": p.coupon()})
    assert ok(raw, lookups).items[0].discounts[0].coupon_id == "LOYAL"
    reason = error(raw).reason
    assert reason == "items.data[0].discounts[0].source.coupon: coupon LOYAL could not be read"


def test_unexpanded_discount_and_customer_are_record_errors() -> None:
    assert error(p.subscription(discounts=["di_1"])).reason.startswith("discounts[0]: not expanded")
    assert error(p.subscription(customer_obj="cus_1")).reason.startswith("customer: not expanded")


def test_customer_tax_id_from_expanded_tax_ids() -> None:
    """The VAT id is the customer's first tax id; metadata is not a tax id by default."""
    with_ids = p.customer(tax_ids={"object": "list", "data": [{"value": "FR123"}]})
    assert ok(p.subscription(customer_obj=with_ids)).customer.tax_id == "FR123"
    with_meta = p.customer(metadata={"tax_id": "DE999"})
    assert ok(p.subscription(customer_obj=with_meta)).customer.tax_id is None


def test_customer_tax_id_from_a_configured_metadata_key() -> None:
    """An account that kept VAT ids in metadata names the key; a real tax id still wins."""
    lookups = Lookups(products=CATALOG.products, tax_id_metadata_key="vat")
    with_meta = p.customer(metadata={"vat": "DE999"})
    assert ok(p.subscription(customer_obj=with_meta), lookups).customer.tax_id == "DE999"
    both = p.customer(
        metadata={"vat": "DE999"}, tax_ids={"object": "list", "data": [{"value": "FR123"}]}
    )
    assert ok(p.subscription(customer_obj=both), lookups).customer.tax_id == "FR123"


def test_deleted_customer_keeps_its_id() -> None:
    raw = p.subscription(
        status="canceled", customer_obj={"id": "cus_gone", "object": "customer", "deleted": True}
    )
    assert ok(raw).customer.id == "cus_gone"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (p.subscription(start_date="yesterday"), "start_date: expected an integer, got str"),
        (
            p.subscription(items=[p.item(), p.item("si_2", price_obj={"id": "price_x"})]),
            "items.data[1].price.product: expected an id or an object, got null",
        ),
        (p.subscription(currency="zzz"), "currency: unknown ISO 4217 currency code 'zzz'"),
        (
            p.subscription(items=[]),
            "items.data: a subscription needs at least one item",
        ),
        (
            p.subscription(customer_obj=p.customer(address={"country": "France"})),
            "customer: country: String should match pattern",
        ),
        (
            p.subscription(metadata={"n": 1}),
            "metadata.n: expected a string, got int 1",
        ),
    ],
)
def test_bad_records_name_the_field(raw: Any, reason: str) -> None:
    result = error(raw)
    assert result.key == "sub_1"
    assert result.reason.startswith(reason), result.reason


def test_not_an_object_at_all() -> None:
    assert error(["sub_1"]) == RecordError("(no id)", "(record): expected an object, got a list")


def test_items_in_another_currency_are_refused() -> None:
    raw = p.subscription(items=[p.item(price_obj=p.price(currency="usd"))])
    assert "priced in USD, the subscription in EUR" in error(raw).reason


@pytest.mark.parametrize(
    ("value", "text"), [(10.0, "10"), (10, "10"), (25.50, "25.5"), (8.25, "8.25")]
)
def test_percentages_have_one_spelling(value: float, text: str) -> None:
    raw = p.subscription(discounts=[p.discount(coupon_ref=p.coupon(percent_off=value))])
    assert str(ok(raw).discounts[0].percent_off) == text
