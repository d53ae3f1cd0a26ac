"""ISO 4217 currency codes and their minor-unit exponents."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator

# Exponents that differ from the common 2. Source: ISO 4217 list maintained by SIX.
_MINOR_UNITS_EXCEPTIONS: dict[str, int] = {
    # zero-decimal
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    # three-decimal
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four-decimal
    "CLF": 4, "UYW": 4,
}  # fmt: skip

# The active ISO 4217 alphabetic codes with a minor unit (funds and metals left out).
_ISO_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES VND VUV WST XAF XCD XCG XOF
    XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 - a table is easier to audit than a list literal
)


# The most decimals any currency has (CLF, UYW): a scale below it may round some money.
MAX_MINOR_UNITS = max(_MINOR_UNITS_EXCEPTIONS.values())


class UnknownCurrencyError(ValueError):
    """A currency code that is not an active ISO 4217 code."""


def minor_units(code: str) -> int:
    """Number of decimal places of ``code`` (2 for most, 0 for JPY, 3 for KWD...)."""
    return _MINOR_UNITS_EXCEPTIONS.get(code, 2)


@lru_cache(maxsize=256)
def quantum(code: str) -> Decimal:
    """The smallest amount of ``code``, e.g. ``Decimal("0.01")`` for EUR, ``1`` for JPY."""
    return Decimal(1).scaleb(-minor_units(code))


def check_currency(code: str) -> str:
    """Validate and normalise a currency code to upper-case ISO 4217."""
    upper = code.upper()
    if upper not in _ISO_CODES:
        raise UnknownCurrencyError(f"unknown ISO 4217 currency code {code!r}")
    return upper


CurrencyCode = Annotated[str, AfterValidator(check_currency)]
"""An ISO 4217 alphabetic code, upper-case once validated."""
