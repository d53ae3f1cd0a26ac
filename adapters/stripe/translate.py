"""Stripe subscription objects -> the canonical :class:`~connector.schema.Subscription`.

Pure functions: a raw subscription (as listed or retrieved with the expansions in
``expansions.py``) and the catalogue objects the API could not inline (products and coupons
beyond Stripe's four-level expansion limit, see ``catalog.py``) in; a subscription or a
:class:`~connector.records.RecordError` naming the Stripe field path out. Never raises for a
malformed record.

Choices worth knowing (shapes of API version 2026-10-28, see ``stripe`` 16.1.0):

- status: ``canceled`` and ``incomplete_expired`` are both *cancelled* (the latter is terminal,
  its invoice voided); ``active`` with ``pause_collection`` set is *paused* (invoices are still
  drafted but not collected: https://docs.stripe.com/billing/subscriptions/pause-payment);
  ``paused`` (the pause endpoint, or a trial that ended without a payment method) is paused
  with no resume date; the others map one to one.
- billing periods live on the items since API version 2025-03-31 (``current_period_*`` left the
  subscription); the first item's period is the subscription's.
- plan code: the price's ``lookup_key``, else the product's ``metadata.plan_code``, else the
  price id.
- prices (``prices.py``): per-unit, sub-cent (``unit_amount_decimal``), tiered (graduated or
  volume, with flat amounts), packaged (``transform_quantity``); metered items have no
  quantity: 0, and no recurring revenue (usage is billed in arrears).
- customer tax id: the first of ``customer.tax_ids`` (expanded); a metadata key only when the
  operator names one (``Lookups.tax_id_metadata_key``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import ValidationError

from adapters.stripe.amounts import (
    AmountError,
    canonical_currency,
    money_from_minor,
)
from adapters.stripe.fields import FieldError, Fields
from adapters.stripe.prices import price_terms
from connector.records import RecordError
from connector.redaction import redact_text
from connector.schema import (
    BillingInterval,
    Customer,
    Discount,
    DiscountDuration,
    IntervalUnit,
    Money,
    Pause,
    PauseBehavior,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
    TaxRate,
    UsageType,
)

Obj = dict[str, Any]
T = TypeVar("T")

STATUSES: Mapping[str, SubscriptionStatus] = {
    "trialing": SubscriptionStatus.TRIALING,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.UNPAID,
    "paused": SubscriptionStatus.PAUSED,
    "canceled": SubscriptionStatus.CANCELLED,
    "incomplete": SubscriptionStatus.INCOMPLETE,
    "incomplete_expired": SubscriptionStatus.CANCELLED,
}

PLAN_CODE_METADATA_KEY = "plan_code"


@dataclass(frozen=True)
class Lookups:
    """Catalogue objects by id, for references the API returned as bare ids."""

    products: Mapping[str, Obj] = field(default_factory=dict)
    coupons: Mapping[str, Obj] = field(default_factory=dict)
    prices: Mapping[str, Obj] = field(default_factory=dict)  # tiered prices, tiers expanded
    # Accounts that kept VAT ids in customer metadata before Stripe had tax ids name the key.
    tax_id_metadata_key: str | None = None


NO_LOOKUPS = Lookups()


NO_ID = "(no id)"


def record_key(raw: Any) -> str:
    """The subscription id of a raw record, or a placeholder when even that is missing."""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
        return str(raw["id"])
    return NO_ID


def translate_subscription(raw: Any, lookups: Lookups = NO_LOOKUPS) -> Subscription | RecordError:
    """One Stripe subscription as canonical, or the reason it cannot be, with a field path."""
    key = record_key(raw)
    try:
        return _subscription(Fields(raw), lookups)
    except FieldError as exc:
        # Reasons quote field values and end in dead letters and logs: mask secrets in them.
        return RecordError(key, redact_text(str(exc)))
    except ValidationError as exc:
        return RecordError(key, redact_text(_validation_reason(exc)))


def _subscription(sub: Fields, lookups: Lookups) -> Subscription:
    sub_id = sub.text("id")
    currency = _currency(sub, "currency")
    items_list = sub.obj("items")
    if items_list.flag("has_more"):
        # Stripe embeds every item (a subscription holds at most 20); more would be a surprise
        # that must not silently drop revenue.
        raise items_list.error("has_more", "the item list is truncated")
    item_objects = list(items_list.objects("data"))
    if not item_objects:
        raise items_list.error("data", "a subscription needs at least one item")
    items = tuple(_item(item, currency, lookups) for item in item_objects)
    first = item_objects[0]
    status, pause = _status(sub)
    if not isinstance(sub.value("customer"), dict):
        raise sub.error("customer", f"not expanded (got {sub.value('customer')!r})")
    customer = _customer(sub.obj("customer"), lookups.tax_id_metadata_key)
    discounts = tuple(_discounts(sub, currency, lookups))
    tax_rates = tuple(_tax_rate(rate) for rate in sub.objects("default_tax_rates"))
    return _validated(
        sub.path,
        lambda: Subscription(
            id=sub_id,
            customer=customer,
            status=status,
            currency=currency,
            items=items,
            discounts=discounts,
            tax_rates=tax_rates,
            start=sub.time("start_date"),
            created=sub.opt_time("created"),
            trial_end=sub.opt_time("trial_end"),
            current_period_start=first.opt_time("current_period_start"),
            current_period_end=first.opt_time("current_period_end"),
            cancel_at=sub.opt_time("cancel_at"),
            cancel_at_period_end=sub.flag("cancel_at_period_end"),
            cancelled_at=sub.opt_time("canceled_at"),
            ended_at=sub.opt_time("ended_at"),
            pause=pause,
            metadata=sub.metadata(),
        ),
    )


def _status(sub: Fields) -> tuple[SubscriptionStatus, Pause | None]:
    raw = sub.text("status")
    status = STATUSES.get(raw)
    if status is None:
        raise sub.error("status", f"unknown status {raw!r}")
    pause: Pause | None = None
    collection = sub.opt_obj("pause_collection")
    if collection is not None:
        behavior = collection.text("behavior")
        try:
            pause_behavior = PauseBehavior(behavior)
        except ValueError:
            raise collection.error("behavior", f"unknown pause behavior {behavior!r}") from None
        pause = Pause(behavior=pause_behavior, resumes_at=collection.opt_time("resumes_at"))
        if status is SubscriptionStatus.ACTIVE:
            status = SubscriptionStatus.PAUSED
    elif status is SubscriptionStatus.PAUSED:
        # The ``paused`` status has no behaviour or resume date: nothing is invoiced until the
        # subscription is resumed (https://docs.stripe.com/billing/subscriptions/pause).
        pause = Pause()
    return status, pause


def _currency(obj: Fields, name: str) -> str:
    try:
        return canonical_currency(obj.value(name))
    except AmountError as exc:
        raise obj.error(name, str(exc)) from None


def _customer(customer: Fields, tax_id_metadata_key: str | None) -> Customer:
    customer_id = customer.text("id")
    if customer.flag("deleted"):
        # A deleted customer keeps only its id; its subscriptions are cancelled by Stripe.
        return Customer(id=customer_id)
    address = customer.opt_obj("address")
    country = address.opt_text("country") if address is not None else None
    currency = _currency(customer, "currency") if customer.has("currency") else None
    metadata = customer.metadata()
    return _validated(
        customer.path,
        lambda: Customer(
            id=customer_id,
            name=customer.opt_text("name"),
            email=customer.opt_text("email"),
            country=country.upper() if country else None,
            tax_id=_tax_id(customer)
            or (metadata.get(tax_id_metadata_key) if tax_id_metadata_key else None),
            currency=currency,
            metadata=metadata,
        ),
    )


def _tax_id(customer: Fields) -> str | None:
    """The first tax id, present only when ``customer.tax_ids`` was expanded."""
    tax_ids = customer.opt_obj("tax_ids")
    if tax_ids is None:
        return None
    for tax_id in tax_ids.objects("data"):
        return tax_id.text("value")
    return None


def _item(item: Fields, currency: str, lookups: Lookups) -> SubscriptionItem:
    price = item.obj("price")
    product_ref = price.ref_id("product")
    product_raw = price.value("product")
    product = (
        price.obj("product")
        if isinstance(product_raw, dict)
        else _lookup(lookups.products, product_ref, price.at("product"))
    )
    if product is None:
        # Without the product its ``metadata.plan_code`` is unknown: translating anyway could
        # flip the plan code between runs, so the record waits until the product is readable.
        raise price.error("product", f"product {product_ref} could not be read")
    plan_code = (
        price.opt_text("lookup_key")
        or product.metadata().get(PLAN_CODE_METADATA_KEY)
        or price.text("id")
    )
    price_currency = _currency(price, "currency")
    terms = price_terms(price, price_currency, lookups.prices)
    interval = _interval(price)
    quantity = item.opt_integer("quantity")
    if quantity is None:
        # Metered prices have no quantity (usage is reported); licensed ones default to 1.
        metered = interval is not None and terms["usage_type"] is UsageType.METERED
        quantity = 0 if metered else 1
    tax_rates = tuple(_tax_rate(rate) for rate in item.objects("tax_rates"))
    discounts = tuple(_discounts(item, currency, lookups))
    return _validated(
        item.path,
        lambda: SubscriptionItem(
            id=item.text("id"),
            product_id=product_ref,
            product_name=product.opt_text("name"),
            plan_code=plan_code,
            price_id=price.text("id"),
            quantity=quantity,
            **terms,
            interval=interval,
            tax_rates=tax_rates,
            discounts=discounts,
            metadata=item.metadata(),
        ),
    )


def _lookup(objects: Mapping[str, Obj], object_id: str, path: str) -> Fields | None:
    found = objects.get(object_id)
    return Fields(found, path) if found is not None else None


def _interval(price: Fields) -> BillingInterval | None:
    recurring = price.opt_obj("recurring")
    if recurring is None or price.opt_text("type") == "one_time":
        return None
    unit = recurring.text("interval")
    try:
        interval_unit = IntervalUnit(unit)
    except ValueError:
        raise recurring.error("interval", f"unknown interval {unit!r}") from None
    count = recurring.opt_integer("interval_count") or 1
    return _validated(recurring.path, lambda: _billing_interval(interval_unit, count))


@lru_cache(maxsize=256)
def _billing_interval(unit: IntervalUnit, count: int) -> BillingInterval:
    # Immutable and shared: a scan of 100,000 subscriptions meets a handful of intervals.
    return BillingInterval(unit=unit, count=count)


def _tax_rate(rate: Fields) -> TaxRate:
    rate_id = rate.text("id")
    display_name = rate.opt_text("display_name") or rate_id
    percentage = _decimal(rate, "percentage")
    inclusive = rate.flag("inclusive")
    country = rate.opt_text("country")
    jurisdiction = rate.opt_text("jurisdiction")
    return _validated(
        rate.path,
        lambda: _shared_tax_rate(
            rate_id, display_name, percentage, inclusive, country, jurisdiction
        ),
    )


@lru_cache(maxsize=4096)
def _shared_tax_rate(
    rate_id: str,
    display_name: str,
    percentage: Decimal,
    inclusive: bool,
    country: str | None,
    jurisdiction: str | None,
) -> TaxRate:
    # Immutable and shared: an account has few tax rates, applied to many subscriptions.
    return TaxRate(
        id=rate_id,
        display_name=display_name,
        percentage=percentage,
        inclusive=inclusive,
        country=country,
        jurisdiction=jurisdiction,
    )


def _decimal(obj: Fields, name: str) -> Decimal:
    """A JSON number (Stripe sends percentages as floats) as an exact Decimal, via its text."""
    value = obj.value(name)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise obj.error(name, f"expected a number, got {value!r}")
    try:
        # str() of a float is its shortest repr: 25.5 -> "25.5", never 25.499999...
        result = Decimal(str(value))
    except InvalidOperation:
        raise obj.error(name, f"expected a number, got {value!r}") from None
    if not result.is_finite():
        raise obj.error(name, f"expected a finite number, got {value!r}")
    # 10, 10.0 and "10.00" are one percentage: hold it without trailing zeros (and without the
    # exponent ``normalize`` would give 10), so that equal values fingerprint equally.
    return (
        result.quantize(Decimal(1))
        if result == result.to_integral_value()
        else (result.normalize())
    )


def _discounts(owner: Fields, currency: str, lookups: Lookups) -> Iterator[Discount]:
    for index, value in enumerate(owner.array("discounts")):
        path = f"{owner.at('discounts')}[{index}]"
        if not isinstance(value, dict):
            raise owner.error(f"discounts[{index}]", f"not expanded (got {value!r}); expand[] it")
        yield _discount(Fields(value, path), currency, lookups)


def _discount(discount: Fields, currency: str, lookups: Lookups) -> Discount:
    source = discount.obj("source")
    coupon_ref = source.ref_id("coupon")
    coupon = (
        source.obj("coupon")
        if isinstance(source.value("coupon"), dict)
        else _lookup(lookups.coupons, coupon_ref, source.at("coupon"))
    )
    if coupon is None:
        raise source.error("coupon", f"coupon {coupon_ref} could not be read")
    duration_raw = coupon.text("duration")
    try:
        duration = DiscountDuration(duration_raw)
    except ValueError:
        raise coupon.error("duration", f"unknown duration {duration_raw!r}") from None
    percent_off = _decimal(coupon, "percent_off") if coupon.has("percent_off") else None
    amount_off = _amount_off(coupon, currency) if coupon.has("amount_off") else None
    months = coupon.opt_integer("duration_in_months")
    return _validated(
        discount.path,
        lambda: Discount(
            id=discount.text("id"),
            coupon_id=coupon_ref,
            name=coupon.opt_text("name"),
            percent_off=percent_off,
            amount_off=amount_off,
            duration=duration,
            # Only meaningful for ``repeating`` coupons; Stripe may echo it on others.
            duration_in_months=months if duration is DiscountDuration.REPEATING else None,
            start=discount.opt_time("start"),
            end=discount.opt_time("end"),
        ),
    )


def _amount_off(coupon: Fields, currency: str) -> Money:
    """A fixed-amount coupon in the subscription's currency (its own or a currency option)."""
    coupon_currency = _currency(coupon, "currency")
    minor = coupon.integer("amount_off")
    if coupon_currency != currency:
        options = coupon.opt_obj("currency_options")
        option = options.opt_obj(currency.lower()) if options is not None else None
        if option is None:
            raise coupon.error(
                "currency", f"amount_off is in {coupon_currency}, the subscription in {currency}"
            )
        minor = option.integer("amount_off")
        coupon_currency = currency
    try:
        return money_from_minor(minor, coupon_currency)
    except AmountError as exc:
        raise coupon.error("amount_off", str(exc)) from None


def _validated(path: str, build: Callable[[], T]) -> T:
    """Build a canonical model; its validation errors are reported at the Stripe path."""
    try:
        return build()
    except ValidationError as exc:
        raise FieldError(path or "(record)", _validation_reason(exc)) from None


def _validation_reason(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "(model)"
    more = f" (+{error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"
