"""Builders of Stripe resources as plain dicts, with the keys of API version 2026-10-28.

The shapes follow Stripe's published example objects (fixtures for the pinned version): for
instance a subscription has ``discounts`` (a list) and no top-level ``current_period_*``, which
live on each subscription item since 2025-03-31.basil. Stored objects keep references as ids;
``render.py`` expands what Stripe always expands (``items.data.price``, ``default_tax_rates``).

Stored dicts are never mutated in place once published: updates build new nested dicts, so a
response or event can share them safely while it is being serialised.
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def customer(
    object_id: str,
    created: int,
    invoice_prefix: str,
    *,
    email: str | None = None,
    name: str | None = None,
    description: str | None = None,
    phone: str | None = None,
    metadata: dict[str, str] | None = None,
    currency: str | None = None,
    address: Obj | None = None,
    preferred_locales: list[str] | None = None,
    tax_exempt: str = "none",
    default_payment_method: str | None = None,
) -> Obj:
    return {
        "id": object_id,
        "object": "customer",
        "address": address,
        "balance": 0,
        "created": created,
        "currency": currency,
        "default_source": None,
        "delinquent": False,
        "description": description,
        "discount": None,
        "email": email,
        "invoice_prefix": invoice_prefix,
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": default_payment_method,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": metadata or {},
        "name": name,
        "next_invoice_sequence": 1,
        "phone": phone,
        "preferred_locales": preferred_locales or [],
        "shipping": None,
        "tax_exempt": tax_exempt,
        "test_clock": None,
    }


def tax_id(
    object_id: str,
    created: int,
    customer_id: str,
    tax_id_type: str,
    value: str,
    *,
    country: str | None,
    verification_status: str,
) -> Obj:
    """A customer's tax id, as ``GET /v1/customers/{id}/tax_ids/{tax_id}`` returns it."""
    return {
        "id": object_id,
        "object": "tax_id",
        "country": country,
        "created": created,
        "customer": customer_id,
        "customer_account": None,
        "livemode": False,
        "owner": {"customer": customer_id, "customer_account": None, "type": "customer"},
        "type": tax_id_type,
        "value": value,
        "verification": {
            "status": verification_status,
            "verified_address": None,
            "verified_name": None,
        },
    }


def product(
    object_id: str,
    created: int,
    name: str,
    *,
    active: bool = True,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    unit_label: str | None = None,
    url: str | None = None,
    statement_descriptor: str | None = None,
    tax_code: str | None = None,
) -> Obj:
    return {
        "id": object_id,
        "object": "product",
        "active": active,
        "created": created,
        "default_price": None,
        "description": description,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": metadata or {},
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": statement_descriptor,
        "tax_code": tax_code,
        "type": "service",
        "unit_label": unit_label,
        "updated": created,
        "url": url,
    }


def price(
    object_id: str,
    created: int,
    product_id: str,
    currency: str,
    unit_amount: int | None,
    *,
    recurring: Obj | None = None,
    active: bool = True,
    nickname: str | None = None,
    lookup_key: str | None = None,
    metadata: dict[str, str] | None = None,
    tax_behavior: str = "unspecified",
    unit_amount_decimal: str | None = None,
    billing_scheme: str = "per_unit",
    tiers_mode: str | None = None,
    transform_quantity: Obj | None = None,
) -> Obj:
    """A stored price; a tiered one's ``tiers`` live in ``state.price_tiers`` (includable)."""
    decimal = unit_amount_decimal
    if decimal is None and unit_amount is not None:
        decimal = str(unit_amount)
    return {
        "id": object_id,
        "object": "price",
        "active": active,
        "billing_scheme": billing_scheme,
        "created": created,
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": metadata or {},
        "nickname": nickname,
        "product": product_id,
        "recurring": recurring,
        "tax_behavior": tax_behavior,
        "tiers_mode": tiers_mode,
        "transform_quantity": transform_quantity,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": decimal,
    }


def recurring(
    interval: str,
    interval_count: int,
    trial_period_days: int | None = None,
    *,
    usage_type: str = "licensed",
    meter: str | None = None,
) -> Obj:
    return {
        "interval": interval,
        "interval_count": interval_count,
        "meter": meter,
        "trial_period_days": trial_period_days,
        "usage_type": usage_type,
    }


def plan_from_price(price_obj: Obj) -> Obj | None:
    """The legacy ``plan`` view of a recurring price (same id), as Stripe still returns it."""
    rec = price_obj["recurring"]
    if rec is None:
        return None
    return {
        "id": price_obj["id"],
        "object": "plan",
        "active": price_obj["active"],
        "amount": price_obj["unit_amount"],
        "amount_decimal": price_obj["unit_amount_decimal"],
        "billing_scheme": price_obj["billing_scheme"],
        "created": price_obj["created"],
        "currency": price_obj["currency"],
        "interval": rec["interval"],
        "interval_count": rec["interval_count"],
        "livemode": False,
        "metadata": price_obj["metadata"],
        "meter": rec["meter"],
        "nickname": price_obj["nickname"],
        "product": price_obj["product"],
        "tiers_mode": price_obj["tiers_mode"],
        "transform_usage": price_obj["transform_quantity"],
        "trial_period_days": rec["trial_period_days"],
        "usage_type": rec["usage_type"],
    }


def coupon(
    object_id: str,
    created: int,
    duration: str,
    *,
    percent_off: float | None = None,
    amount_off: int | None = None,
    currency: str | None = None,
    duration_in_months: int | None = None,
    name: str | None = None,
    max_redemptions: int | None = None,
    redeem_by: int | None = None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    return {
        "id": object_id,
        "object": "coupon",
        "amount_off": amount_off,
        "created": created,
        "currency": currency,
        "duration": duration,
        "duration_in_months": duration_in_months,
        "livemode": False,
        "max_redemptions": max_redemptions,
        "metadata": metadata or {},
        "name": name,
        "percent_off": percent_off,
        "redeem_by": redeem_by,
        "times_redeemed": 0,
        "valid": True,
    }


def tax_rate(
    object_id: str,
    created: int,
    display_name: str,
    percentage: float,
    inclusive: bool,
    *,
    active: bool = True,
    country: str | None = None,
    state: str | None = None,
    jurisdiction: str | None = None,
    description: str | None = None,
    tax_type: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Obj:
    return {
        "id": object_id,
        "object": "tax_rate",
        "active": active,
        "country": country,
        "created": created,
        "description": description,
        "display_name": display_name,
        "effective_percentage": percentage,
        "flat_amount": None,
        "inclusive": inclusive,
        "jurisdiction": jurisdiction,
        "jurisdiction_level": None,
        "livemode": False,
        "metadata": metadata or {},
        "percentage": percentage,
        "rate_type": "percentage",
        "state": state,
        "tax_type": tax_type,
    }


def discount(
    object_id: str,
    start: int,
    coupon_id: str,
    *,
    customer_id: str | None,
    subscription_id: str | None,
    end: int | None,
    subscription_item: str | None = None,
) -> Obj:
    return {
        "id": object_id,
        "object": "discount",
        "checkout_session": None,
        "customer": customer_id,
        "customer_account": None,
        "end": end,
        "invoice": None,
        "invoice_item": None,
        "promotion_code": None,
        "source": {"coupon": coupon_id, "type": "coupon"},
        "start": start,
        "subscription": subscription_id,
        "subscription_item": subscription_item,
    }


def subscription_item(
    object_id: str,
    created: int,
    subscription_id: str,
    price_id: str,
    quantity: int | None,
    period_start: int,
    period_end: int,
    *,
    tax_rates: list[str] | None = None,
    metadata: dict[str, str] | None = None,
    discounts: list[str] | None = None,
) -> Obj:
    """A stored item: ``price`` and ``tax_rates`` hold ids; rendering inlines the objects.

    ``discounts`` holds discount ids, expandable like the subscription's own."""
    return {
        "id": object_id,
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": created,
        "current_period_end": period_end,
        "current_period_start": period_start,
        "discounts": discounts or [],
        "metadata": metadata or {},
        "plan": None,
        "price": price_id,
        "quantity": quantity,
        "subscription": subscription_id,
        "tax_rates": tax_rates or [],
    }


AUTOMATIC_TAX_OFF: Obj = {"disabled_reason": None, "enabled": False, "liability": None}
CANCELLATION_DETAILS_EMPTY: Obj = {"comment": None, "feedback": None, "reason": None}
INVOICE_SETTINGS: Obj = {
    "account_tax_ids": None,
    "custom_fields": None,
    "description": None,
    "footer": None,
    "issuer": {"type": "self"},
}
PAYMENT_SETTINGS: Obj = {
    "payment_method_options": None,
    "payment_method_types": None,
    "save_default_payment_method": "off",
}
TRIAL_SETTINGS_DEFAULT: Obj = {"end_behavior": {"missing_payment_method": "create_invoice"}}
BILLING_MODE_CLASSIC: Obj = {"type": "classic", "flexible": None}


def subscription(
    object_id: str,
    created: int,
    customer_id: str,
    currency: str,
    items: list[Obj],
    *,
    status: str,
    billing_cycle_anchor: int,
    start_date: int,
    trial_start: int | None = None,
    trial_end: int | None = None,
    metadata: dict[str, str] | None = None,
    default_tax_rates: list[str] | None = None,
    discounts: list[str] | None = None,
    description: str | None = None,
    collection_method: str = "charge_automatically",
    days_until_due: int | None = None,
    default_payment_method: str | None = None,
    trial_settings: Obj | None = None,
) -> Obj:
    """A stored subscription; ``items.data`` holds stored items, ``default_tax_rates`` ids."""
    return {
        "id": object_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": AUTOMATIC_TAX_OFF,
        "billing_cycle_anchor": billing_cycle_anchor,
        "billing_cycle_anchor_config": None,
        "billing_mode": BILLING_MODE_CLASSIC,
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": CANCELLATION_DETAILS_EMPTY,
        "collection_method": collection_method,
        "created": created,
        "currency": currency,
        "customer": customer_id,
        "customer_account": None,
        "days_until_due": days_until_due,
        "default_payment_method": default_payment_method,
        "default_source": None,
        "default_tax_rates": default_tax_rates or [],
        "description": description,
        "discounts": discounts or [],
        "ended_at": None,
        "invoice_settings": INVOICE_SETTINGS,
        "items": items_list(object_id, items),
        "latest_invoice": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": metadata or {},
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": PAYMENT_SETTINGS,
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": start_date,
        "status": status,
        "test_clock": None,
        "transfer_data": None,
        "trial_end": trial_end,
        "trial_settings": trial_settings or TRIAL_SETTINGS_DEFAULT,
        "trial_start": trial_start,
    }


def items_list(subscription_id: str, items: list[Obj]) -> Obj:
    return {
        "object": "list",
        "data": items,
        "has_more": False,
        "url": f"/v1/subscription_items?subscription={subscription_id}",
    }


def webhook_endpoint(
    object_id: str,
    created: int,
    url: str,
    enabled_events: list[str],
    *,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    api_version: str | None = None,
) -> Obj:
    return {
        "id": object_id,
        "object": "webhook_endpoint",
        "api_version": api_version,
        "application": None,
        "created": created,
        "description": description,
        "enabled_events": enabled_events,
        "livemode": False,
        "metadata": metadata or {},
        "status": "enabled",
        "url": url,
    }


def deleted(object_id: str, object_type: str) -> Obj:
    return {"id": object_id, "object": object_type, "deleted": True}
