"""Money: a Decimal amount with its ISO 4217 currency, never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from connector.schema.currency import CurrencyCode, check_currency, minor_units, quantum


class CurrencyMismatchError(ValueError):
    """Arithmetic or comparison between two different currencies."""


class Money(BaseModel):
    """An amount in one currency, held to that currency's minor-unit precision."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    amount: Decimal
    currency: CurrencyCode

    @model_validator(mode="after")
    def _precision(self) -> Self:
        if not self.amount.is_finite():
            raise ValueError(f"amount {self.amount} is not a finite number")
        exponent = self.amount.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > minor_units(self.currency):
            raise ValueError(
                f"amount {self.amount} has more decimals than {self.currency} allows "
                f"({minor_units(self.currency)})"
            )
        return self

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build from a Decimal, an int or a decimal string (never a float)."""
        if isinstance(amount, float):
            raise TypeError("money amounts must not be floats")
        return cls(amount=Decimal(amount), currency=currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """From an integer count of minor units (cents, yen, fils), as Stripe sends them."""
        code = currency.upper()
        return cls(amount=Decimal(minor).scaleb(-minor_units(code)), currency=code)

    @classmethod
    def rounded(cls, amount: Decimal, currency: str) -> Money:
        """Round an exact intermediate result half-to-even to the currency's minor unit."""
        code = check_currency(currency)
        if not amount.is_finite():
            raise ValueError(f"amount {amount} is not a finite number")
        # Valid by construction (a known currency, quantized to its minor unit): skip the
        # validators, which cost more than the arithmetic on the MRR hot path.
        quantized = amount.quantize(quantum(code), rounding=ROUND_HALF_EVEN)
        return _constructed(cls, quantized, code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.rounded(Decimal(0), currency)

    def to_minor(self) -> int:
        """The amount as an integer number of minor units."""
        return int(self.amount.scaleb(minor_units(self.currency)))

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} with {other.currency}")

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"


@lru_cache(maxsize=65_536)
def _constructed(cls: type[Money], amount: Decimal, currency: str) -> Money:
    # Money is immutable, and amounts repeat a lot (plans x seats): share the instances.
    # Keys are exact: amounts of one currency are quantized to the same exponent.
    return cls.model_construct(amount=amount, currency=currency)
