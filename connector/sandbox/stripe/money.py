"""Amounts: Stripe takes integers in the currency's smallest unit.

Zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal) have no minor unit:
``unit_amount=500`` in JPY is ¥500, whereas in USD it is $5.00.
"""

from __future__ import annotations

from decimal import Decimal

ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)

#: Currencies with three decimals; Stripe requires amounts that are multiples of 10.
THREE_DECIMAL_CURRENCIES = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})

MAX_AMOUNT = 99_999_999


def minor_unit_exponent(currency: str) -> int:
    currency = currency.lower()
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_minor_units(amount: Decimal | str | int, currency: str) -> int:
    """Convert a major-unit amount (``"12.50"`` USD) to Stripe's integer (``1250``)."""
    return int(Decimal(str(amount)).scaleb(minor_unit_exponent(currency)))


def from_minor_units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_unit_exponent(currency))
