"""Stripe amounts (integers in the currency's smallest unit) to canonical :class:`Money`.

Stripe's exponent is not always ISO 4217's (https://docs.stripe.com/currencies#zero-decimal and
#three-decimal, and the "special cases" there): MGA is zero-decimal for Stripe but has two
ISO decimals; ISK is sent with two decimals ("500" is 5 ISK, for backwards compatibility) though
ISO gives it none. So the amount is scaled with *Stripe's* exponent, then held to the ISO
precision that :class:`Money` enforces, refusing (never rounding) a value that does not fit.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from connector.schema import Money, UnknownCurrencyError, quantum
from connector.schema.currency import check_currency

ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905
)
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())  # noqa: SIM905


class AmountError(ValueError):
    """An amount that cannot be represented as canonical money."""


def stripe_exponent(currency: str) -> int:
    """Decimal places Stripe uses for ``currency`` in API amounts."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def canonical_currency(currency: object) -> str:
    """Stripe's lower-case code as upper-case ISO 4217, or :class:`AmountError`."""
    if not isinstance(currency, str):
        raise AmountError(f"currency must be a string, got {currency!r}")
    try:
        return check_currency(currency)
    except UnknownCurrencyError as exc:
        raise AmountError(str(exc)) from exc


# Money is immutable, and a catalogue has few price points: a full scan builds each one once
# instead of validating the same amount for every item that carries it.
@lru_cache(maxsize=16384)
def money_from_minor(minor: Decimal | int, currency: str) -> Money:
    """``minor`` smallest units of ``currency`` (as Stripe counts them) as canonical money."""
    code = canonical_currency(currency)
    amount = Decimal(minor).scaleb(-stripe_exponent(code))
    step = quantum(code)
    try:
        exact = amount.quantize(step)
    except InvalidOperation as exc:
        raise AmountError(f"{minor} is not a usable amount of {code}") from exc
    if exact != amount:
        raise AmountError(
            f"{minor} minor units of {code} is {amount:f}, finer than {code}'s smallest unit "
            f"{step:f}; refusing to round a price"
        )
    # Always at the ISO precision, so that equal prices serialise (and fingerprint) equally.
    return Money(amount=exact, currency=code)


def money_from_decimal_string(raw: str, currency: str) -> Money:
    """Stripe's ``*_decimal`` fields: a decimal string of minor units (up to 12 places)."""
    try:
        minor = Decimal(raw)
    except InvalidOperation as exc:
        raise AmountError(f"{raw!r} is not a decimal number") from exc
    if not minor.is_finite():
        raise AmountError(f"{raw!r} is not a finite number")
    return money_from_minor(minor, currency)
