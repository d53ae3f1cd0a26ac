"""The generated data set, in the Stripe emulator's bulk-load format (``/__sandbox/load``).

Customers' VAT numbers become tax ids (``tax_id_data``), as Stripe keeps them; discounts become
coupons applied to the subscription or to one item; fixed-amount coupons carry their amounts in
other currencies as ``currency_options``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from connector.sandbox.dataset import COUPON_CURRENCY_OPTIONS, T0
from connector.schema import (
    Customer,
    Discount,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
    TaxRate,
)

# Stripe's own exponents: https://docs.stripe.com/currencies#zero-decimal
_ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "XAF", "XOF"})

_STATUS = {
    SubscriptionStatus.ACTIVE: None,
    SubscriptionStatus.TRIALING: None,  # follows from trial_end
    SubscriptionStatus.PAST_DUE: "past_due",
    SubscriptionStatus.UNPAID: "unpaid",
    SubscriptionStatus.PAUSED: "paused",
    SubscriptionStatus.CANCELLED: "canceled",
    SubscriptionStatus.INCOMPLETE: "incomplete",
}


def minor(amount: Decimal, currency: str) -> int:
    exponent = 0 if currency in _ZERO_DECIMAL else 2
    return int(amount.scaleb(exponent))


def _epoch(value: Any) -> int:
    return int(value.timestamp())


def _tax(rate: TaxRate) -> dict[str, Any]:
    tax: dict[str, Any] = {
        "id": rate.id,
        "display_name": rate.display_name,
        "percentage": str(rate.percentage),
        "inclusive": rate.inclusive,
        "created": _epoch(T0),
    }
    if rate.country is not None:
        tax["country"] = rate.country
        tax["tax_type"] = "jct" if rate.country == "JP" else "vat"
    if rate.jurisdiction is not None:
        tax["jurisdiction"] = rate.jurisdiction
    return tax


#: Member states of the EU (VAT ids of type ``eu_vat``); other countries have their own type.
_EU = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
     "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)  # fmt: skip
_TAX_ID_TYPES = {"GB": "gb_vat", "US": "us_ein", "CH": "ch_vat", "NO": "no_vat", "AU": "au_abn"}


def tax_id_type(country: str | None) -> str | None:
    """Stripe's tax id type for a customer's number in ``country`` (None: not representable)."""
    if country in _EU:
        return "eu_vat"
    return _TAX_ID_TYPES.get(country or "")


def _customer(customer: Customer) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "address": {"country": customer.country} if customer.country else None,
        "metadata": dict(customer.metadata),
        "created": _epoch(T0),
    }
    kind = tax_id_type(customer.country)
    if customer.tax_id:
        if kind is None:
            raise ValueError(
                f"customer {customer.id}: no Stripe tax id type for {customer.country}"
            )
        entry["tax_id_data"] = [{"type": kind, "value": customer.tax_id}]
    return entry


def _decimal_minor(amount: Decimal, currency: str) -> str:
    """A major-unit amount as Stripe's ``*_decimal`` string of minor units."""
    exponent = 0 if currency in _ZERO_DECIMAL else 2
    return f"{amount.scaleb(exponent).normalize():f}"


def _price_amounts(item: SubscriptionItem, currency: str) -> dict[str, Any]:
    """A price's amount fields as Stripe holds them: per unit, decimal, or tiered."""
    fields: dict[str, Any] = {"tax_behavior": item.tax_behavior.value}
    if item.unit_amount is not None:
        fields["unit_amount"] = minor(item.unit_amount.amount, currency)
    elif item.unit_amount_decimal is not None:
        fields["unit_amount_decimal"] = _decimal_minor(item.unit_amount_decimal, currency)
    else:
        assert item.tiers_mode is not None
        fields["billing_scheme"] = "tiered"
        fields["tiers_mode"] = item.tiers_mode.value
        fields["tiers"] = [
            {
                "up_to": tier.up_to if tier.up_to is not None else "inf",
                "unit_amount_decimal": _decimal_minor(tier.unit_amount, currency),
                "flat_amount_decimal": _decimal_minor(tier.flat_amount, currency),
            }
            for tier in item.tiers
        ]
    if item.transform_quantity is not None:
        fields["transform_quantity"] = {
            "divide_by": item.transform_quantity.divide_by,
            "round": item.transform_quantity.round.value,
        }
    return fields


def _coupon(discount: Discount) -> dict[str, Any]:
    coupon: dict[str, Any] = {
        "id": discount.coupon_id,
        "name": discount.name,
        "duration": discount.duration.value,
        "created": _epoch(T0),
    }
    if discount.percent_off is not None:
        coupon["percent_off"] = float(discount.percent_off)
    if discount.amount_off is not None:
        coupon["amount_off"] = minor(discount.amount_off.amount, discount.amount_off.currency)
        coupon["currency"] = discount.amount_off.currency.lower()
    if discount.duration_in_months is not None:
        coupon["duration_in_months"] = discount.duration_in_months
    options = COUPON_CURRENCY_OPTIONS.get(discount.coupon_id, {})
    if discount.amount_off is not None and options:
        coupon["currency_options"] = {
            currency.lower(): {"amount_off": minor(amount, currency)}
            for currency, amount in options.items()
        }
    return coupon


SETUP_FEE_EVERY = 12  # one subscription in twelve pays a one-off setup fee
SETUP_PRODUCT: dict[str, Any] = {
    "id": "prod_setup",
    "name": "Onboarding",
    "metadata": {"plan_code": "setup"},
    "created": _epoch(T0),
}


def _has_setup_fee(sub: Subscription) -> bool:
    digits = "".join(char for char in sub.id if char.isdigit())
    return bool(digits) and int(digits) % SETUP_FEE_EVERY == 0


def _setup_fee(currency: str) -> dict[str, Any]:
    return {
        "id": f"price_setup_{currency.lower()}",
        "product": SETUP_PRODUCT["id"],
        "currency": currency.lower(),
        "unit_amount": minor(Decimal(5000 if currency == "JPY" else 50), currency),
        "created": _epoch(T0),
    }


def stripe_load(subscriptions: Sequence[Subscription]) -> dict[str, list[dict[str, Any]]]:
    """Customers, products, prices, coupons, tax rates and subscriptions for these."""
    customers: dict[str, dict[str, Any]] = {}
    products: dict[str, dict[str, Any]] = {}
    prices: dict[str, dict[str, Any]] = {}
    coupons: dict[str, dict[str, Any]] = {}
    taxes: dict[str, dict[str, Any]] = {}
    subs: list[dict[str, Any]] = []
    for sub in subscriptions:
        customer = sub.customer
        if customer.id not in customers:
            customers[customer.id] = _customer(customer)
        items = []
        for item in sub.items:
            # Lookup keys are unique per price, so the plan code rides on the product (the
            # Stripe adapter reads a price's lookup_key first, then its product's metadata).
            products.setdefault(
                item.product_id,
                {"id": item.product_id, "name": item.product_name or item.plan_code,
                 "metadata": {"plan_code": item.plan_code}, "created": _epoch(T0)},
            )  # fmt: skip
            price: dict[str, Any] = {
                "id": item.price_id,
                "product": item.product_id,
                "currency": sub.currency.lower(),
                "created": _epoch(T0),
                **_price_amounts(item, sub.currency),
            }
            if item.interval is not None:
                price["recurring"] = {
                    "interval": item.interval.unit.value,
                    "interval_count": item.interval.count,
                }
            prices.setdefault(item.price_id, price)
            for rate in item.tax_rates:
                taxes.setdefault(rate.id, _tax(rate))
            for discount in item.discounts:
                coupons.setdefault(discount.coupon_id, _coupon(discount))
            line: dict[str, Any] = {
                "price": item.price_id,
                "quantity": item.quantity,
                "tax_rates": [rate.id for rate in item.tax_rates],
            }
            if item.discounts:
                line["discounts"] = [{"coupon": d.coupon_id} for d in item.discounts]
            items.append(line)
        for discount in sub.discounts:
            coupons.setdefault(discount.coupon_id, _coupon(discount))
        entry: dict[str, Any] = {
            "id": sub.id,
            "customer": customer.id,
            "items": items,
            "created": _epoch(sub.start),
            "metadata": dict(sub.metadata),
        }
        if sub.discounts:
            entry["discounts"] = [{"coupon": d.coupon_id} for d in sub.discounts]
        if _has_setup_fee(sub):
            # A one-off fee on the first invoice: Stripe holds it as a pending invoice item,
            # never as a subscription item, so it never recurs and never counts in MRR.
            fee = _setup_fee(sub.currency)
            products.setdefault(fee["product"], SETUP_PRODUCT)
            prices.setdefault(fee["id"], fee)
            entry["add_invoice_items"] = [{"price": fee["id"], "quantity": 1}]
        if sub.trial_end is not None and sub.status is SubscriptionStatus.TRIALING:
            entry["trial_end"] = _epoch(sub.trial_end)
        status = _STATUS[sub.status]
        if status is not None:
            entry["status"] = status
        if sub.cancelled_at is not None:
            entry["canceled_at"] = _epoch(sub.cancelled_at)
        subs.append(entry)
    return {
        "customers": list(customers.values()),
        "products": list(products.values()),
        "prices": list(prices.values()),
        "coupons": list(coupons.values()),
        "tax_rates": list(taxes.values()),
        "subscriptions": subs,
    }
