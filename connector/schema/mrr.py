"""Monthly recurring revenue: normalisation of any billing interval to one month.

Conventions (documented for finance teams in the README):

- a month is 1/12 of a year; a year has 52 weeks or 365 days, so a weekly amount counts
  x52/12 and a daily amount x365/12; an amount billed every N units counts 1/N of that;
- one-off items (no interval) never count;
- discounts count while they apply to the current period: ``forever`` always, ``repeating``
  until their end, ``once`` never (a one-time credit is not recurring);
- percentage discounts multiply, fixed-amount discounts are taken off each invoice and so are
  normalised with the invoice's interval; a discount never takes an amount below zero;
- exact arithmetic throughout, rounded half-to-even to the currency's minor unit at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from connector.schema.enums import DiscountDuration, IntervalUnit
from connector.schema.pricing import BillingInterval, Discount

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)

# Months per one unit of each interval, as exact fractions (numerator, denominator).
_MONTHS_PER_UNIT: dict[IntervalUnit, tuple[Decimal, Decimal]] = {
    IntervalUnit.DAY: (Decimal(12), Decimal(365)),
    IntervalUnit.WEEK: (Decimal(12), Decimal(52)),
    IntervalUnit.MONTH: (Decimal(1), Decimal(1)),
    IntervalUnit.YEAR: (Decimal(12), Decimal(1)),
}


def monthly(amount: Decimal, interval: BillingInterval) -> Decimal:
    """``amount`` billed once per ``interval``, expressed per month (exact, unrounded)."""
    numerator, denominator = _MONTHS_PER_UNIT[interval.unit]
    # amount / (months in one interval) = amount * denominator / (numerator * count)
    return amount * denominator / (numerator * interval.count)


def discount_applies(discount: Discount, period_start: dt.datetime | None) -> bool:
    """Whether ``discount`` reduces the recurring amount of the period starting then."""
    if discount.duration is DiscountDuration.ONCE:
        return False
    if discount.duration is DiscountDuration.FOREVER:
        return True
    if discount.end is None or period_start is None:
        return True
    return discount.end > period_start


def apply_discounts(
    per_invoice: Decimal,
    discounts: Iterable[Discount],
    period_start: dt.datetime | None,
) -> Decimal:
    """Take the applicable ``discounts`` off an invoice amount, in order, never below zero."""
    amount = per_invoice
    for discount in discounts:
        if not discount_applies(discount, period_start):
            continue
        if discount.percent_off is not None:
            amount = amount * (_HUNDRED - discount.percent_off) / _HUNDRED
        elif discount.amount_off is not None:
            amount = amount - discount.amount_off.amount
        amount = max(amount, _ZERO)
    return amount
