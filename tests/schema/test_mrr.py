"""MRR normalisation: every interval, every discount kind, every status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.schema import (
    BillingInterval,
    Discount,
    DiscountDuration,
    IntervalUnit,
    Money,
    SubscriptionStatus,
    monthly,
)
from tests.factories import T0, forever_percent, item, subscription


@pytest.mark.parametrize(
    ("unit", "count", "amount", "expected"),
    [
        (IntervalUnit.MONTH, 1, "100.00", "100.00"),
        (IntervalUnit.YEAR, 1, "1200.00", "100.00"),  # annual / 12
        (IntervalUnit.MONTH, 6, "600.00", "100.00"),  # semi-annual / 6
        (IntervalUnit.MONTH, 3, "300.00", "100.00"),  # quarterly / 4 per year
        (IntervalUnit.WEEK, 1, "12.00", "52.14"),  # weekly x 365 / 84 = 52.142857...
        (IntervalUnit.WEEK, 2, "24.00", "52.14"),
        (IntervalUnit.WEEK, 1, "7.00", "30.42"),  # 7 x 365 / 84 = 30.4166...: one rule,
        (IntervalUnit.DAY, 7, "7.00", "30.42"),  # the same as 7.00 every 7 days
        (IntervalUnit.DAY, 1, "12.00", "365.00"),  # daily x 365 / 12
        (IntervalUnit.YEAR, 2, "2400.00", "100.00"),
        (IntervalUnit.DAY, 30, "30.00", "30.42"),  # 30 x 365 / 12 / 30 = 30.4166...
    ],
)
def test_every_interval_normalises_to_a_month(
    unit: IntervalUnit, count: int, amount: str, expected: str
) -> None:
    """An amount billed every ``count`` ``unit`` counts as its monthly equivalent."""
    sub = subscription(1, items=(item(unit=unit, count=count, amount=amount),))
    assert sub.mrr == Money.of(expected, "EUR")
    assert sub.arr == Money(amount=Decimal(expected) * 12, currency="EUR")


def test_quantity_multiplies_and_items_add_up() -> None:
    """Seats multiply the unit price; several recurring items add."""
    sub = subscription(
        1,
        items=(item("pro", 3), item("starter", 2, item_id="si_2")),
    )
    assert sub.mrr == Money.of("355.00", "EUR")  # 3 x 99 + 2 x 29


def test_one_off_items_do_not_count() -> None:
    """A set-up fee billed once is not recurring revenue."""
    fee = item("starter", amount="500.00", item_id="si_fee").replace(interval=None)
    sub = subscription(1, items=(item("pro"), fee))
    assert sub.mrr == Money.of("99.00", "EUR")


@pytest.mark.parametrize(
    "status",
    [
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.PAUSED,
        SubscriptionStatus.CANCELLED,
        SubscriptionStatus.INCOMPLETE,
    ],
)
def test_no_mrr_unless_billing(status: SubscriptionStatus) -> None:
    """Trialing, paused, cancelled and incomplete subscriptions bring zero MRR."""
    assert subscription(1, status=status).mrr == Money.zero("EUR")


@pytest.mark.parametrize(
    "status", [SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID]
)
def test_mrr_while_billing(status: SubscriptionStatus) -> None:
    """Active, past-due and unpaid subscriptions are still billed, so they count."""
    assert subscription(1, status=status).mrr == Money.of("99.00", "EUR")


def test_forever_percent_discount_on_the_subscription() -> None:
    """A forever 20 % coupon takes 20 % off the MRR."""
    sub = subscription(1, discounts=(forever_percent("20"),))
    assert sub.mrr == Money.of("79.20", "EUR")
    assert sub.discount_percent == Decimal("20.00")


def test_percent_discount_on_one_item() -> None:
    """An item-level coupon reduces only that item."""
    sub = subscription(
        1,
        items=(
            item("pro", discounts=(forever_percent("50"),)),
            item("starter", item_id="si_2"),
        ),
    )
    assert sub.mrr == Money.of("78.50", "EUR")  # 49.50 + 29


def test_fixed_amount_discount_is_normalised_with_the_invoice_interval() -> None:
    """10 EUR off each annual invoice is 10/12 EUR off per month."""
    coupon = Discount(
        id="di_1",
        coupon_id="tenoff",
        amount_off=Money.of("10.00", "EUR"),
        duration=DiscountDuration.FOREVER,
    )
    sub = subscription(
        1, items=(item(unit=IntervalUnit.YEAR, amount="1200.00"),), discounts=(coupon,)
    )
    assert sub.mrr == Money.of("99.17", "EUR")  # (1200 - 10) / 12 = 99.1666...


def test_fixed_discount_never_makes_mrr_negative() -> None:
    """A coupon larger than the invoice brings MRR to zero, not below."""
    coupon = Discount(
        id="di_1",
        coupon_id="big",
        amount_off=Money.of("500.00", "EUR"),
        duration=DiscountDuration.FOREVER,
    )
    assert subscription(1, discounts=(coupon,)).mrr == Money.zero("EUR")


def test_once_discount_is_not_recurring() -> None:
    """A one-time coupon does not reduce MRR."""
    coupon = Discount(
        id="di_1", coupon_id="welcome", percent_off=Decimal("100"), duration=DiscountDuration.ONCE
    )
    assert subscription(1, discounts=(coupon,)).mrr == Money.of("99.00", "EUR")


def test_repeating_discount_counts_until_it_ends() -> None:
    """A 3-month coupon counts while the current period starts before its end."""
    coupon = Discount(
        id="di_1",
        coupon_id="q1",
        percent_off=Decimal("50"),
        duration=DiscountDuration.REPEATING,
        duration_in_months=3,
        start=T0,
        end=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )
    during = subscription(1, discounts=(coupon,))
    after = subscription(
        1,
        discounts=(coupon,),
        current_period_start=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        current_period_end=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )
    assert during.mrr == Money.of("49.50", "EUR")
    assert after.mrr == Money.of("99.00", "EUR")


def test_zero_decimal_currency() -> None:
    """JPY MRR is a whole number of yen."""
    sub = subscription(
        1,
        currency="JPY",
        items=(item(unit=IntervalUnit.YEAR, currency="JPY", amount="10000"),),
    )
    assert sub.mrr == Money.of("833", "JPY")


amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)
units = st.sampled_from(list(IntervalUnit))
counts = st.integers(min_value=1, max_value=36)


@given(amount=amounts, unit=units, count=counts)
def test_property_monthly_times_months_per_interval_gives_back_the_amount(
    amount: Decimal, unit: IntervalUnit, count: int
) -> None:
    """Normalising and scaling back by the interval's length in months is exact."""
    months = {
        IntervalUnit.DAY: Decimal(12) / Decimal(365),
        IntervalUnit.WEEK: Decimal(84) / Decimal(365),
        IntervalUnit.MONTH: Decimal(1),
        IntervalUnit.YEAR: Decimal(12),
    }[unit] * count
    per_month = monthly(amount, BillingInterval(unit=unit, count=count))
    assert abs(per_month * months - amount) < Decimal("1e-20")


@given(amount=amounts, count=st.integers(min_value=1, max_value=10))
def test_property_n_months_equals_n_twelfths_of_years(amount: Decimal, count: int) -> None:
    """Every 12 x N months bills the same MRR as every N years."""
    in_months = monthly(amount, BillingInterval(unit=IntervalUnit.MONTH, count=12 * count))
    in_years = monthly(amount, BillingInterval(unit=IntervalUnit.YEAR, count=count))
    assert in_months == in_years


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=2),
    quantity=st.integers(min_value=0, max_value=500),
    percent=st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
    unit=units,
    count=counts,
)
def test_property_mrr_is_bounded_and_arr_is_twelve_times(
    amount: Decimal, quantity: int, percent: Decimal, unit: IntervalUnit, count: int
) -> None:
    """MRR is never negative, never above the undiscounted MRR, and ARR = 12 x MRR."""
    plain = subscription(
        1, items=(item(quantity=quantity, unit=unit, count=count, amount=str(amount)),)
    )
    discounted = plain.replace(discounts=(forever_percent(str(percent)),))
    assert Money.zero("EUR").amount <= discounted.mrr.amount <= plain.mrr.amount
    assert discounted.arr.amount == discounted.mrr.amount * 12
    exact = monthly(amount * quantity, BillingInterval(unit=unit, count=count))
    assert abs(plain.mrr.amount - exact) <= Decimal("0.005")
