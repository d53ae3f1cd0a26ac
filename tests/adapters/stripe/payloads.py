"""Raw Stripe objects as API version 2026-10-28 sends them, small enough to read in a test."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
MONTH = 31 * 24 * 3600


def product(product_id: str = "prod_pro", name: str = "Pro", **overrides: Any) -> Obj:
    return {"id": product_id, "object": "product", "name": name, "metadata": {}, **overrides}


def price(
    price_id: str = "price_pro_monthly",
    *,
    unit_amount: int | None = 2000,
    currency: str = "eur",
    product_ref: str | Obj = "prod_pro",
    interval: str | None = "month",
    interval_count: int = 1,
    lookup_key: str | None = "pro_monthly",
    **overrides: Any,
) -> Obj:
    recurring = (
        {"interval": interval, "interval_count": interval_count, "usage_type": "licensed"}
        if interval
        else None
    )
    return {
        "id": price_id,
        "object": "price",
        "billing_scheme": "per_unit",
        "currency": currency,
        "lookup_key": lookup_key,
        "metadata": {},
        "product": product_ref,
        "recurring": recurring,
        "type": "recurring" if interval else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": None if unit_amount is None else str(unit_amount),
        **overrides,
    }


def item(
    item_id: str = "si_1",
    *,
    price_obj: Obj | None = None,
    quantity: int | None = 1,
    **overrides: Any,
) -> Obj:
    return {
        "id": item_id,
        "object": "subscription_item",
        "current_period_start": T0,
        "current_period_end": T0 + MONTH,
        "discounts": [],
        "metadata": {},
        "price": price_obj if price_obj is not None else price(),
        "quantity": quantity,
        "tax_rates": [],
        **overrides,
    }


def customer(customer_id: str = "cus_1", **overrides: Any) -> Obj:
    return {
        "id": customer_id,
        "object": "customer",
        "address": {"country": "FR", "city": "Paris"},
        "currency": "eur",
        "email": "ada@example.com",
        "metadata": {},
        "name": "Ada",
        **overrides,
    }


def coupon(coupon_id: str = "LOYAL", **overrides: Any) -> Obj:
    values: Obj = {
        "id": coupon_id,
        "object": "coupon",
        "amount_off": None,
        "currency": None,
        "duration": "forever",
        "duration_in_months": None,
        "name": "Loyalty",
        "percent_off": 10.0,
    }
    values.update(overrides)
    return values


def discount(
    discount_id: str = "di_1", coupon_ref: str | Obj | None = None, **overrides: Any
) -> Obj:
    return {
        "id": discount_id,
        "object": "discount",
        "start": T0,
        "end": None,
        "source": {"type": "coupon", "coupon": coupon_ref if coupon_ref is not None else coupon()},
        **overrides,
    }


def tax_rate(rate_id: str = "txr_vat", percentage: float = 20.0, **overrides: Any) -> Obj:
    return {
        "id": rate_id,
        "object": "tax_rate",
        "display_name": "VAT",
        "percentage": percentage,
        "inclusive": False,
        "country": "FR",
        "jurisdiction": "FR",
        **overrides,
    }


def subscription(
    sub_id: str = "sub_1",
    *,
    status: str = "active",
    items: list[Obj] | None = None,
    customer_obj: Obj | str | None = None,
    currency: str = "eur",
    **overrides: Any,
) -> Obj:
    return {
        "id": sub_id,
        "object": "subscription",
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "created": T0,
        "currency": currency,
        "customer": customer_obj if customer_obj is not None else customer(),
        "default_tax_rates": [],
        "discounts": [],
        "ended_at": None,
        "items": {
            "object": "list",
            "data": items if items is not None else [item()],
            "has_more": False,
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "metadata": {},
        "pause_collection": None,
        "start_date": T0,
        "status": status,
        "trial_end": None,
        **overrides,
    }


def listing(data: list[Obj], has_more: bool = False, url: str = "/v1/subscriptions") -> Obj:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def event(
    event_id: str,
    created: int,
    obj: Obj,
    event_type: str = "customer.subscription.updated",
    previous: Obj | None = None,
) -> Obj:
    data: Obj = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {
        "id": event_id,
        "object": "event",
        "created": created,
        "data": data,
        "type": event_type,
        "livemode": False,
        "pending_webhooks": 0,
    }
