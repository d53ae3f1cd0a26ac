"""Monthly recurring revenue: normalisation of any billing interval to one month.

Conventions (documented for finance teams in the README):

- one calendar rule for every interval: a month is 1/12 of a year of 365 days and a week is
  7 days, so a daily amount counts x365/12 and a weekly one x365/84 (4.345 weeks a month):
  7 EUR "every week" and 7 EUR "every 7 days" are the same 30.42 EUR; an amount billed every
  N units counts 1/N of that; months and years are exact (x1, /12);
- MRR is the recurring invoice (``invoice.py``: lines rounded to the minor unit, net of tax
  and of the discounts that apply) normalised to one month, rounded half-to-even at the end;
- discounts count while they apply to the current period: ``forever`` always, ``repeating``
  until their end, ``once`` never (a one-time credit is not recurring).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from connector.schema.enums import DiscountDuration, IntervalUnit
from connector.schema.pricing import BillingInterval, Discount

# Months per one unit of each interval, as exact fractions (numerator, denominator):
# a day is 12/365 of a month, a week 7 x 12/365 = 84/365.
_MONTHS_PER_UNIT: dict[IntervalUnit, tuple[Decimal, Decimal]] = {
    IntervalUnit.DAY: (Decimal(12), Decimal(365)),
    IntervalUnit.WEEK: (Decimal(84), Decimal(365)),
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
