"""Billing intervals, tax rates and discounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, model_validator

from connector.schema.base import CanonicalModel, UtcDatetime
from connector.schema.enums import DiscountDuration, IntervalUnit, RoundDirection
from connector.schema.money import Money

Percentage = Annotated[Decimal, Field(ge=0, le=100)]
# A price per unit in major units, possibly finer than the currency's minor unit (Stripe's
# ``unit_amount_decimal`` allows twelve decimal places of the minor unit).
UnitPrice = Annotated[Decimal, Field(ge=0)]


class PriceTier(CanonicalModel):
    """One tier of a tiered price: units up to ``up_to`` (None: no upper bound)."""

    up_to: Annotated[int, Field(ge=1)] | None = None
    unit_amount: UnitPrice = Decimal(0)
    flat_amount: UnitPrice = Decimal(0)


class TransformQuantity(CanonicalModel):
    """Bill ``quantity / divide_by`` units, rounded up or down (e.g. per pack of 10 seats)."""

    divide_by: Annotated[int, Field(ge=1)]
    round: RoundDirection = RoundDirection.UP


class BillingInterval(CanonicalModel):
    """How often an item bills: every ``count`` ``unit``s (e.g. every 3 months)."""

    unit: IntervalUnit
    count: Annotated[int, Field(ge=1, le=3650)] = 1

    def __str__(self) -> str:
        return f"{self.count} {self.unit.value}" if self.count != 1 else self.unit.value


class TaxRate(CanonicalModel):
    id: Annotated[str, Field(min_length=1)]
    display_name: str
    percentage: Percentage
    inclusive: bool = False
    country: str | None = None
    jurisdiction: str | None = None


class Discount(CanonicalModel):
    """A coupon applied to a subscription or one of its items.

    Exactly one of ``percent_off`` and ``amount_off`` is set. ``amount_off`` is taken off each
    invoice, like Stripe's fixed-amount coupons.
    """

    id: Annotated[str, Field(min_length=1)]
    coupon_id: Annotated[str, Field(min_length=1)]
    name: str | None = None
    percent_off: Percentage | None = None
    amount_off: Money | None = None
    duration: DiscountDuration
    duration_in_months: Annotated[int, Field(ge=1)] | None = None
    start: UtcDatetime | None = None
    end: UtcDatetime | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.percent_off is None) == (self.amount_off is None):
            raise ValueError(
                f"discount {self.id}: exactly one of percent_off and amount_off must be set"
            )
        if self.duration is DiscountDuration.REPEATING and self.duration_in_months is None:
            raise ValueError(f"discount {self.id}: a repeating discount needs duration_in_months")
        return self
