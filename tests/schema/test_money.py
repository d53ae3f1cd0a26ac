"""Money: Decimal amounts held to their currency's precision."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from connector.schema import CurrencyMismatchError, Money


def test_minor_units_round_trip_for_two_zero_and_three_decimal_currencies() -> None:
    """Stripe-style integer minor units convert exactly for EUR, JPY and KWD."""
    assert Money.from_minor(1999, "eur").amount == Decimal("19.99")
    assert Money.from_minor(1999, "JPY").amount == Decimal("1999")
    assert Money.from_minor(1999, "KWD").amount == Decimal("1.999")
    assert Money.from_minor(1999, "KWD").to_minor() == 1999


def test_more_decimals_than_the_currency_allows_is_rejected() -> None:
    """A yen amount with cents is a data error, not something to round silently."""
    with pytest.raises(ValidationError, match="more decimals than JPY allows"):
        Money.of("10.5", "JPY")


def test_floats_are_refused() -> None:
    """Money never passes through a binary float."""
    with pytest.raises(TypeError):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money(amount=0.1, currency="EUR")  # type: ignore[arg-type]


def test_unknown_currency_is_rejected() -> None:
    """Only ISO 4217 codes are accepted."""
    with pytest.raises(ValidationError, match="unknown ISO 4217"):
        Money.of("1", "EUX")


def test_adding_different_currencies_fails() -> None:
    """Amounts in different currencies never combine."""
    with pytest.raises(CurrencyMismatchError):
        _ = Money.of("1", "EUR") + Money.of("1", "USD")


def test_rounding_is_half_even_to_the_minor_unit() -> None:
    """Intermediate results round like accountants expect."""
    assert Money.rounded(Decimal("0.125"), "EUR").amount == Decimal("0.12")
    assert Money.rounded(Decimal("0.135"), "EUR").amount == Decimal("0.14")
    assert Money.rounded(Decimal("2.5"), "JPY").amount == Decimal("2")
