"""The recurring invoice and the MRR it gives, against hand-computed figures.

Every expected figure is worked out in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from connector.schema import (
    DISCOUNT_PRODUCT_CODE,
    BillingInterval,
    Discount,
    DiscountDuration,
    IntervalUnit,
    InvoiceLineKind,
    Money,
    PriceTier,
    RoundDirection,
    Subscription,
    SubscriptionItem,
    TaxRate,
    TiersMode,
    TransformQuantity,
    UsageType,
    monthly,
)
from tests.factories import forever_percent, item, subscription

VAT_20_INCLUSIVE = TaxRate(
    id="txr_fr_incl", display_name="TVA", percentage=Decimal(20), inclusive=True
)
VAT_7 = TaxRate(id="txr_de_7", display_name="VAT 7", percentage=Decimal(7))
TIERS = (
    PriceTier(up_to=5, unit_amount=Decimal("10.00"), flat_amount=Decimal("20.00")),
    PriceTier(up_to=10, unit_amount=Decimal("8.00")),
    PriceTier(up_to=None, unit_amount=Decimal("5.00")),
)


def _priced(quantity: int = 1, currency: str = "EUR", **price: Any) -> SubscriptionItem:
    """A monthly item whose price is given by ``price`` (replacing the plan's unit amount)."""
    values = {"unit_amount": None, "tax_rates": (), **price}
    return item(quantity=quantity, currency=currency).replace(**values)


def _sub(*items: SubscriptionItem, currency: str = "EUR", **overrides: Any) -> Subscription:
    return subscription(1, items=items, currency=currency, **overrides)


def _fixed(amount: str, currency: str = "EUR", coupon: str = "tenoff") -> Discount:
    return Discount(
        id=f"di_{coupon}",
        coupon_id=coupon,
        amount_off=Money.of(amount, currency),
        duration=DiscountDuration.FOREVER,
    )


def test_tax_inclusive_price_counts_net_of_tax() -> None:
    """120.00 EUR including 20 % VAT is 120 / 1.2 = 100.00 EUR of MRR."""
    sub = _sub(_priced(unit_amount=Money.of("120.00", "EUR"), tax_rates=(VAT_20_INCLUSIVE,)))
    (line,) = sub.recurring_lines
    assert (line.quantity, line.unit_amount, line.amount) == (
        Decimal(1),
        Decimal("100.00"),
        Money.of("100.00", "EUR"),
    )
    assert sub.mrr == Money.of("100.00", "EUR")


def test_tax_inclusive_discount_comes_off_net_of_tax_too() -> None:
    """3 x 120.00 incl. 20 % with 10 % off: gross 360.00 - 36.00; net 300.00 - 30.00 = 270.00."""
    sub = _sub(
        _priced(3, unit_amount=Money.of("120.00", "EUR"), tax_rates=(VAT_20_INCLUSIVE,)),
        discounts=(forever_percent("10"),),
    )
    assert [line.amount.amount for line in sub.recurring_lines] == [
        Decimal("300.00"),
        Decimal("-30.00"),
    ]
    assert sub.recurring_lines[0].unit_amount == Decimal("100.00")  # 3 x 100.00 = 300.00
    assert sub.mrr == Money.of("270.00", "EUR")


def test_exclusive_tax_does_not_change_mrr() -> None:
    """An exclusive 7 % rate is added on the invoice, not part of revenue: 99.00 stays 99.00."""
    sub = _sub(_priced(unit_amount=Money.of("99.00", "EUR"), tax_rates=(VAT_7,)))
    assert sub.mrr == Money.of("99.00", "EUR")
    assert sub.recurring_lines[0].tax_rates == (VAT_7,)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (0, "0.00"),  # nothing bought, no tier reached
        (3, "50.00"),  # 3 x 10.00 + flat 20.00
        (5, "70.00"),  # 5 x 10.00 + 20.00
        (7, "86.00"),  # 70.00 + 2 x 8.00
        (12, "120.00"),  # 70.00 + 5 x 8.00 + 2 x 5.00
    ],
)
def test_graduated_tiers(quantity: int, expected: str) -> None:
    """Each unit at its own tier's price, plus the flat amount of every tier reached."""
    sub = _sub(_priced(quantity, tiers=TIERS, tiers_mode=TiersMode.GRADUATED))
    assert sub.mrr == Money.of(expected, "EUR")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (3, "50.00"),  # first tier: 3 x 10.00 + flat 20.00
        (7, "56.00"),  # second tier for all: 7 x 8.00
        (12, "60.00"),  # third tier for all: 12 x 5.00
    ],
)
def test_volume_tiers(quantity: int, expected: str) -> None:
    """Every unit at the price of the tier the whole quantity falls in, plus its flat amount."""
    sub = _sub(_priced(quantity, tiers=TIERS, tiers_mode=TiersMode.VOLUME))
    assert sub.mrr == Money.of(expected, "EUR")


def test_tiered_line_shows_one_unit_when_its_unit_price_is_not_exact() -> None:
    """7 seats graduated = 86.00 = 12.2857... each: the line is 1 x 86.00, naming the seats."""
    (line,) = _sub(_priced(7, tiers=TIERS, tiers_mode=TiersMode.GRADUATED)).recurring_lines
    assert (line.quantity, line.unit_amount) == (Decimal(1), Decimal("86.00"))
    assert "7 units" in line.description


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        (RoundDirection.UP, "150.00"),  # 25 seats in packs of 10, rounded up: 3 x 50.00
        (RoundDirection.DOWN, "100.00"),  # rounded down: 2 x 50.00
    ],
)
def test_transform_quantity(direction: RoundDirection, expected: str) -> None:
    """A price per pack bills the quantity divided by the pack size, rounded as told."""
    sub = _sub(
        _priced(
            25,
            unit_amount=Money.of("50.00", "EUR"),
            transform_quantity=TransformQuantity(divide_by=10, round=direction),
        )
    )
    assert sub.mrr == Money.of(expected, "EUR")


def test_sub_cent_price_times_quantity() -> None:
    """0.125 USD per API call x 1,000 = 125.00 USD; a unit price finer than the cent would be
    rounded by a target that holds cents, so the line is 1 x 125.00, naming the 1,000 units."""
    sub = _sub(_priced(1000, currency="USD", unit_amount_decimal=Decimal("0.125")), currency="USD")
    (line,) = sub.recurring_lines
    assert line.amount == Money.of("125.00", "USD")
    assert (line.quantity, line.unit_amount) == (Decimal(1), Decimal("125.00"))
    assert "1,000 units" in line.description
    assert sub.mrr == Money.of("125.00", "USD")


def test_sub_cent_total_is_rounded_once_on_the_invoice_line() -> None:
    """0.125 x 3 = 0.375 USD, rounded half-to-even on the line: 0.38 (1 x 0.38)."""
    sub = _sub(_priced(3, currency="USD", unit_amount_decimal=Decimal("0.125")), currency="USD")
    (line,) = sub.recurring_lines
    assert (line.quantity, line.unit_amount, line.amount.amount) == (
        Decimal(1),
        Decimal("0.38"),
        Decimal("0.38"),
    )


def test_three_decimal_currency_keeps_its_precision() -> None:
    """123.456 KWD a year is 10.288 KWD a month, to the fils; quarterly 37.035 -> 12.345."""
    yearly = item(currency="KWD", unit=IntervalUnit.YEAR, amount="123.456").replace(tax_rates=())
    assert _sub(yearly, currency="KWD").mrr == Money.of("10.288", "KWD")
    quarterly = item(currency="KWD", unit=IntervalUnit.MONTH, count=3, amount="37.035").replace(
        tax_rates=()
    )
    assert _sub(quarterly, currency="KWD").mrr == Money.of("12.345", "KWD")


def test_zero_decimal_currency_with_a_percent_discount() -> None:
    """3 x 1,000 JPY with 15 % off: 3,000 - 450 = 2,550 JPY."""
    sub = _sub(
        item(quantity=3, currency="JPY", amount="1000").replace(tax_rates=()),
        currency="JPY",
        discounts=(forever_percent("15"),),
    )
    assert sub.mrr == Money.of("2550", "JPY")


def test_subscription_percent_discount_over_two_items() -> None:
    """99.00 + 29.00 = 128.00, 20 % off = 25.60: 102.40, one discount line."""
    sub = _sub(
        item("pro").replace(tax_rates=()),
        item("starter", item_id="si_2").replace(tax_rates=()),
        discounts=(forever_percent("20"),),
    )
    discount_lines = [x for x in sub.recurring_lines if x.kind is InvoiceLineKind.DISCOUNT]
    assert [(x.amount.amount, x.product_code) for x in discount_lines] == [
        (Decimal("-25.60"), DISCOUNT_PRODUCT_CODE)
    ]
    assert sub.mrr == Money.of("102.40", "EUR")


def test_item_discount_then_subscription_discount() -> None:
    """Pro 99.00 with 10 % item coupon (9.90), plus starter 29.00 = 118.10; then 20 % off the
    subscription: 23.62; 94.48."""
    sub = _sub(
        item("pro", discounts=(forever_percent("10", "item10"),)).replace(tax_rates=()),
        item("starter", item_id="si_2").replace(tax_rates=()),
        discounts=(forever_percent("20"),),
    )
    assert [line.amount.amount for line in sub.recurring_lines] == [
        Decimal("99.00"),
        Decimal("-9.90"),
        Decimal("29.00"),
        Decimal("-23.62"),
    ]
    assert sub.mrr == Money.of("94.48", "EUR")


def test_fixed_amount_coupon_on_an_annual_plan() -> None:
    """1,200.00 a year, 10.00 off each invoice: 1,190.00 / 12 = 99.1666... -> 99.17."""
    yearly = item(unit=IntervalUnit.YEAR, amount="1200.00").replace(tax_rates=())
    sub = _sub(yearly, discounts=(_fixed("10.00"),))
    assert sub.mrr == Money.of("99.17", "EUR")


def test_fixed_amount_coupon_is_shared_between_tax_groups() -> None:
    """10.00 off 75.00 (19 % group) + 25.00 (7 % group): 7.50 and 2.50, one line per group."""
    sub = _sub(
        item("pro", amount="75.00"),  # the factory's VAT DE 19 %
        item("starter", item_id="si_2", amount="25.00").replace(tax_rates=(VAT_7,)),
        discounts=(_fixed("10.00"),),
    )
    discount_lines = [x for x in sub.recurring_lines if x.kind is InvoiceLineKind.DISCOUNT]
    assert [(x.amount.amount, x.tax_rates[0].id) for x in discount_lines] == [
        (Decimal("-7.50"), "txr_de"),
        (Decimal("-2.50"), "txr_de_7"),
    ]
    assert len({x.key for x in discount_lines}) == 2
    assert sub.mrr == Money.of("90.00", "EUR")


def test_once_and_ended_coupons_are_not_recurring() -> None:
    """A once coupon and a repeating one that ended before the period give no line."""
    once = forever_percent("50", "once").replace(duration=DiscountDuration.ONCE)
    ended = forever_percent("50", "ended").replace(
        duration=DiscountDuration.REPEATING,
        duration_in_months=3,
        end=dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
    )
    sub = _sub(item().replace(tax_rates=()), discounts=(once, ended))
    assert [line.kind for line in sub.recurring_lines] == [InvoiceLineKind.ITEM]
    assert sub.mrr == Money.of("99.00", "EUR")


def test_one_off_and_metered_items_give_no_line() -> None:
    """A setup fee and a metered usage price add nothing to the recurring invoice."""
    setup = item("enterprise", item_id="si_setup").replace(interval=None)
    metered = item("starter", item_id="si_usage", quantity=0).replace(usage_type=UsageType.METERED)
    sub = _sub(item().replace(tax_rates=()), setup, metered)
    assert [line.key for line in sub.recurring_lines] == ["si_1"]
    assert sub.mrr == Money.of("99.00", "EUR")


def test_a_discount_never_takes_the_invoice_below_zero() -> None:
    """200.00 off a 99.00 invoice takes 99.00: MRR 0.00."""
    sub = _sub(item().replace(tax_rates=()), discounts=(_fixed("200.00"),))
    assert sub.recurring_net == Money.of("0.00", "EUR")
    assert sub.mrr == Money.of("0.00", "EUR")


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2),
    quantity=st.integers(min_value=0, max_value=400),
    percent=st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
    fixed=st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2),
    inclusive=st.booleans(),
)
# Two discounts, each rounded on its own, once took a tax-inclusive invoice to -0.01.
@example(
    amount=Decimal("3.64"),
    quantity=235,
    percent=Decimal("99.99"),
    fixed=Decimal("0.09"),
    inclusive=True,
)
def test_property_every_line_multiplies_back_to_its_amount(
    amount: Decimal, quantity: int, percent: Decimal, fixed: Decimal, inclusive: bool
) -> None:
    """quantity x unit price is each line's amount exactly, and the lines sum to the net."""
    rates = (VAT_20_INCLUSIVE,) if inclusive else ()
    sub = _sub(
        item(quantity=quantity, amount=str(amount)).replace(tax_rates=rates),
        item("starter", item_id="si_2").replace(tax_rates=(VAT_7,)),
        discounts=(forever_percent(str(percent)), _fixed(str(fixed))),
    )
    for line in sub.recurring_lines:
        assert line.quantity * line.unit_amount == line.amount.amount
    assert sum(line.amount.amount for line in sub.recurring_lines) == sub.recurring_net.amount
    assert sub.recurring_net.amount >= 0
    assert sub.mrr.amount == monthly(
        sub.recurring_net.amount, BillingInterval(unit=IntervalUnit.MONTH)
    )


def test_fixed_coupon_over_tax_groups_that_cost_nothing() -> None:
    """Nothing left to discount in two tax groups (0 seats): no discount line, MRR 0.00."""
    sub = _sub(
        item(quantity=0),
        item("starter", item_id="si_2", quantity=0).replace(tax_rates=(VAT_7,)),
        discounts=(_fixed("10.00"),),
    )
    assert [line.kind for line in sub.recurring_lines] == [InvoiceLineKind.ITEM] * 2
    assert sub.mrr == Money.of("0.00", "EUR")
