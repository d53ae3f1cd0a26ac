"""A realistic, reproducible data set of canonical subscriptions.

Several currencies (EUR, USD, GBP, JPY), monthly, quarterly and annual plans, trials, past-due,
paused and cancelled subscriptions, and the money cases finance checks first:

- discounts on about a third of the book: a loyalty 15 % forever on every fifth subscription,
  a launch offer of 25 % for 24 months (``repeating``), 50 % off the first invoice of some
  annual contracts (``once``), a fixed EUR 10 monthly credit (an amount-off coupon, defined in
  other currencies too, see ``COUPON_CURRENCY_OPTIONS``), and a 10 % volume coupon on the seats
  item of large accounts (an item-level discount);
- customers in Germany, France, the Netherlands, Spain, Italy, the UK and the US (and yen-paying
  ones without an address); most are businesses with a VAT (or EIN) number, the rest consumers;
- VAT at each country's standard rate: exclusive for businesses, inclusive for consumers (their
  prices include it), and Japan's consumption tax inclusive; no VAT in the US.

The same number always gives the same subscription, so demos, seeds and benchmarks are
repeatable. Draws that existed before are made first and in the same order, so a subscription's
plan, seats and status do not change when new cases are added after them.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from connector.sandbox.addons import make_addon
from connector.schema import (
    BillingInterval,
    Customer,
    Discount,
    DiscountDuration,
    IntervalUnit,
    Money,
    Pause,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
    TaxRate,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
#: Sign-ups still in their trial: a recent cohort with 90-day trials.
TRIAL_COHORT = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
TRIAL_DAYS = 90
CURRENCIES = ("EUR", "USD", "GBP", "JPY")
PLANS = {"starter": 29, "pro": 99, "business": 249, "enterprise": 999}
INTERVALS = (
    BillingInterval(unit=IntervalUnit.MONTH),
    BillingInterval(unit=IntervalUnit.MONTH, count=3),
    BillingInterval(unit=IntervalUnit.YEAR),
)
COUNTRIES = {"EUR": ("DE", "FR", "NL", "ES", "IT"), "USD": ("US",), "GBP": ("GB",), "JPY": ("JP",)}
#: Standard VAT (Japan: consumption tax) rates, in percent.
VAT_RATES = {"DE": 19, "FR": 20, "NL": 21, "ES": 21, "IT": 22, "GB": 20, "JP": 10}
BUSINESS_SHARE = 0.75

LOYAL = Discount(
    id="di_loyal",
    coupon_id="loyal",
    name="Loyalty 15%",
    percent_off=Decimal("15"),
    duration=DiscountDuration.FOREVER,
)
LAUNCH = Discount(
    id="di_launch",
    coupon_id="launch24",
    name="Launch offer 25% for 24 months",
    percent_off=Decimal("25"),
    duration=DiscountDuration.REPEATING,
    duration_in_months=24,
    start=T0,
    end=dt.datetime(2028, 1, 1, tzinfo=dt.UTC),
)
#: On annual contracts only: a ``once`` coupon stays on a subscription until its first
#: renewal, which for a contract started on T0 is a year later.
FIRST_INVOICE = Discount(
    id="di_first_invoice",
    coupon_id="first_invoice50",
    name="50% off the first invoice",
    percent_off=Decimal("50"),
    duration=DiscountDuration.ONCE,
)
CREDIT = Discount(
    id="di_credit",
    coupon_id="credit10",
    name="Monthly credit",
    amount_off=Money(amount=Decimal("10"), currency="EUR"),
    duration=DiscountDuration.FOREVER,
)
#: The fixed credit in the other currencies, as the coupon's ``currency_options``.
COUPON_CURRENCY_OPTIONS: dict[str, dict[str, Decimal]] = {
    "credit10": {"USD": Decimal("11"), "GBP": Decimal("9"), "JPY": Decimal("1500")},
}
VOLUME = Discount(
    id="di_volume",
    coupon_id="volume10",
    name="Volume 10% on seats",
    percent_off=Decimal("10"),
    duration=DiscountDuration.FOREVER,
)
VOLUME_MIN_SEATS = 15
STATUSES = (
    [SubscriptionStatus.ACTIVE] * 85
    + [SubscriptionStatus.TRIALING] * 6
    + [SubscriptionStatus.PAST_DUE] * 3
    + [SubscriptionStatus.PAUSED] * 2
    + [SubscriptionStatus.CANCELLED] * 4
)


def vat_number(country: str, n: int) -> str | None:
    """A well-formed business tax number for the country (VAT; EIN in the US), or None."""
    numbers = {
        "DE": f"DE{n:09d}",
        "FR": f"FR{n % 100:02d}{n:09d}",
        "NL": f"NL{n:09d}B01",
        "ES": f"ESB{n % 10**7:07d}{chr(65 + n % 26)}",
        "IT": f"IT{n:011d}",
        "GB": f"GB{n:09d}",
        "US": f"{10 + n % 90:02d}-{n % 10**7:07d}",
    }
    return numbers.get(country)


def tax_rate(country: str, business: bool) -> TaxRate | None:
    """Standard VAT: exclusive for businesses, inclusive in consumer prices and in Japan."""
    percentage = VAT_RATES.get(country)
    if percentage is None:
        return None
    inclusive = not business or country == "JP"
    return TaxRate(
        id=f"txr_{country.lower()}_{'incl' if inclusive else 'excl'}",
        display_name="JCT" if country == "JP" else "VAT",
        percentage=Decimal(percentage),
        inclusive=inclusive,
        country=country,
        jurisdiction=country,
    )


def _discounts(
    n: int, draw: float, currency: str, interval: BillingInterval
) -> tuple[Discount, ...]:
    if n % 5 == 0:
        return (LOYAL,)
    if draw < 0.05:
        return (FIRST_INVOICE,) if interval.unit is IntervalUnit.YEAR else ()
    if draw < 0.10:
        return (LAUNCH,)
    if draw < 0.20 and currency == "EUR":
        return (CREDIT,)
    return ()


def make_subscription(n: int, seed: int = 7, variant: int = 0) -> Subscription:
    """Subscription number ``n``; ``variant`` > 0 gives a changed version (more seats)."""
    rng = random.Random(n * 7919 + seed)
    currency = CURRENCIES[n % len(CURRENCIES)]
    plan = rng.choice(list(PLANS))
    amount = Decimal(PLANS[plan] * (100 if currency == "JPY" else 1))
    interval = INTERVALS[n % len(INTERVALS)]
    quantity = rng.randint(1, 20) + variant
    status = rng.choice(STATUSES)
    country = rng.choice(COUNTRIES[currency])
    business = rng.random() < BUSINESS_SHARE
    discount_draw = rng.random()
    volume_draw = rng.random()
    tax = tax_rate(country, business)
    customer = Customer(
        id=f"cus_{n:07d}",
        name=f"Customer {n}",
        email=f"billing{n}@example.com",
        # Japanese customers gave no billing address (the ERP sandbox's country list stops
        # at Europe and the US); their consumption tax still follows from the currency.
        country=None if country == "JP" else country,
        tax_id=vat_number(country, n) if business else None,
        currency=currency,
    )
    item = SubscriptionItem(
        id=f"si_{n:07d}",
        product_id=f"prod_{plan}",
        plan_code=plan,
        price_id=f"price_{plan}_{currency}_{interval.unit.value}{interval.count}",
        unit_amount=Money(amount=amount, currency=currency),
        quantity=quantity,
        interval=interval,
        tax_rates=(tax,) if tax is not None else (),
        discounts=(VOLUME,) if volume_draw < 0.3 and quantity >= VOLUME_MIN_SEATS else (),
    )
    addon = make_addon(n, seed, currency, interval, tax)
    trialing = status is SubscriptionStatus.TRIALING
    start = TRIAL_COHORT + dt.timedelta(hours=n % 240) if trialing else T0
    return Subscription(
        id=f"sub_{n:07d}",
        customer=customer,
        status=status,
        currency=currency,
        items=(item,) if addon is None else (item, addon),
        discounts=_discounts(n, discount_draw, currency, interval),
        start=start,
        current_period_start=start,
        current_period_end=start + dt.timedelta(days=TRIAL_DAYS if trialing else 30),
        cancelled_at=T0 if status is SubscriptionStatus.CANCELLED else None,
        trial_end=start + dt.timedelta(days=TRIAL_DAYS) if trialing else None,
        pause=Pause(resumes_at=T0 + dt.timedelta(days=60))
        if status is SubscriptionStatus.PAUSED
        else None,
    )
