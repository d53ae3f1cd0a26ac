"""Subscriptions: create, update, cancel, pause and resume, with their events.

Behaviours taken from Stripe's API reference (https://docs.stripe.com/api/subscriptions):

- Since API 2025-03-31.basil the billing period lives on each item
  (``items.data[].current_period_start/end``), not on the subscription.
- ``cancel_at_period_end=true`` sets ``cancel_at`` to the end of the current period and
  ``canceled_at`` to the time of the request; clearing it clears both. ``cancel_at`` and
  ``cancel_at_period_end`` cannot be sent together.
- ``pause_collection`` only pauses invoice collection: the status stays ``active`` and the only
  event is ``customer.subscription.updated``. Status ``paused`` is a different thing (a trial
  that ended without a payment method and ``trial_settings[end_behavior]
  [missing_payment_method]=pause``, or the ``/pause`` endpoint added in 2026-09-30.endive);
  only those emit ``customer.subscription.paused`` / ``.resumed``, and ``/resume`` only accepts
  ``status=paused`` subscriptions.
- A canceled subscription "can only update its cancellation_details and metadata"; cancelling
  it again answers 404 "No such subscription" (see stripe/stripe-go#1887).
- Cancelling emits ``customer.subscription.deleted`` (not ``.updated``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.sandbox.stripe import invoice_items, objects
from connector.sandbox.stripe.clock import period_end
from connector.sandbox.stripe.discounts import DiscountPlan, check_discounts, redeem
from connector.sandbox.stripe.errors import (
    parameter_invalid,
    parameter_missing,
    resource_missing,
)
from connector.sandbox.stripe.events import RequestInfo
from connector.sandbox.stripe.forms import Params
from connector.sandbox.stripe.params import (
    apply_metadata,
    check_known,
    get_bool,
    get_dict,
    get_enum,
    get_int,
    get_list,
    get_str,
    get_str_list,
    invalid,
)
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]

ACTIVE_LIKE = ("active", "trialing", "past_due", "unpaid")
ENDED = ("canceled", "incomplete_expired")
COMMON_PARAMS = (
    "items",
    "add_invoice_items",
    "default_tax_rates",
    "discounts",
    "trial_end",
    "metadata",
    "description",
    "collection_method",
    "days_until_due",
    "default_payment_method",
    "cancel_at",
    "cancel_at_period_end",
    "trial_settings",
    "billing_cycle_anchor",
    "proration_behavior",
    "payment_behavior",
    "expand",
    "off_session",
    "trial_from_plan",
    "automatic_tax",
    "payment_settings",
    "default_source",
    "billing_mode",
)
CREATE_PARAMS = (
    *COMMON_PARAMS,
    "customer",
    "currency",
    "trial_period_days",
    "backdate_start_date",
    "billing_cycle_anchor_config",
)
UPDATE_PARAMS = (*COMMON_PARAMS, "pause_collection", "cancellation_details", "proration_date")
ITEM_PARAMS = ("price", "quantity", "tax_rates", "metadata", "discounts", "billing_thresholds")
UPDATE_ITEM_PARAMS = (*ITEM_PARAMS, "id", "deleted", "clear_usage")
PAUSE_BEHAVIORS = ("keep_as_draft", "mark_uncollectible", "void")
END_BEHAVIORS = ("cancel", "create_invoice", "pause")


# -- helpers ---------------------------------------------------------------------------------


def current_period(sub: Obj) -> tuple[int, int]:
    """The subscription's billing period (that of its first item)."""
    first = sub["items"]["data"][0]
    return first["current_period_start"], first["current_period_end"]


def _next_period_end(state: StripeState, price_id: str, start: int) -> int:
    rec = state.prices.require(price_id)["recurring"]
    return period_end(start, 1, rec["interval"], rec["interval_count"])


def _price_for_item(state: StripeState, raw: Params, prefix: str) -> Obj:
    price_id = get_str(raw, "price", prefix)
    if not price_id:
        if "price_data" in raw:
            raise parameter_invalid(f"{prefix}[price_data]", "price_data is not emulated.")
        raise parameter_missing(f"{prefix}[price]")
    price = state.prices.require(price_id, f"{prefix}[price]")
    if price["recurring"] is None:
        raise parameter_invalid(
            f"{prefix}[price]",
            "The price specified is set to `type=one_time` but this field only accepts "
            "prices with `type=recurring`.",
        )
    if not price["active"]:
        raise parameter_invalid(
            f"{prefix}[price]",
            "The price specified is inactive. This field only accepts active prices.",
        )
    return price


def _tax_rate_ids(state: StripeState, params: Params, key: str, prefix: str = "") -> list[str]:
    ids = get_str_list(params, key, prefix) or []
    name = f"{prefix}[{key}]" if prefix else key
    for index, tax_rate_id in enumerate(ids):
        state.tax_rates.require(tax_rate_id, f"{name}[{index}]")
    return ids


def _check_items(state: StripeState, items: list[Obj]) -> None:
    if not items:
        raise invalid("A subscription must have at least one active item.", "items")
    prices = [state.prices.require(it["price"]) for it in items]
    seen: set[str] = set()
    for price in prices:
        if price["id"] in seen:
            raise invalid(
                f"Cannot add multiple subscription items with the same price: {price['id']}",
                "items",
            )
        seen.add(price["id"])
    first = prices[0]
    for price in prices[1:]:
        for field, a, b in (
            ("currency", first["currency"], price["currency"]),
            ("interval", first["recurring"]["interval"], price["recurring"]["interval"]),
            (
                "interval_count",
                first["recurring"]["interval_count"],
                price["recurring"]["interval_count"],
            ),
        ):
            if a != b:
                raise invalid(
                    "Currency and interval fields must match across all plans on this "
                    f"subscription. Found mismatch in {field} field.",
                    "items",
                )


def _timestamp_or_now(params: Params, key: str, now: int) -> int | None:
    raw = get_str(params, key)
    if raw is None or raw == "":
        return None
    if raw == "now":
        return now
    value = get_int(params, key)
    assert value is not None
    return value


def _trial_settings(params: Params) -> Obj | None:
    raw = get_dict(params, "trial_settings")
    if not raw:
        return None
    check_known(raw, ("end_behavior",), "trial_settings")
    end = get_dict(raw, "end_behavior", "trial_settings") or {}
    check_known(end, ("missing_payment_method",), "trial_settings[end_behavior]")
    behavior = get_enum(
        end, "missing_payment_method", END_BEHAVIORS, "trial_settings[end_behavior]"
    )
    return {"end_behavior": {"missing_payment_method": behavior or "create_invoice"}}


def _apply_cancel_params(sub: Obj, params: Params, now: int) -> Obj:
    """``cancel_at`` / ``cancel_at_period_end`` (mutually exclusive) on a stored subscription."""
    if "cancel_at" in params and "cancel_at_period_end" in params:
        raise invalid(
            "You may only specify one of these parameters: cancel_at, cancel_at_period_end."
        )
    out = sub
    _start, end = current_period(sub)
    if "cancel_at_period_end" in params:
        flag = get_bool(params, "cancel_at_period_end")
        if flag:
            out = {**out, "cancel_at_period_end": True, "cancel_at": end, "canceled_at": now}
        else:
            out = {**out, "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None}
    if "cancel_at" in params:
        raw = get_str(params, "cancel_at")
        if not raw:
            out = {**out, "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None}
        else:
            if raw in ("min_period_end", "max_period_end"):
                # https://docs.stripe.com/changelog/basil/2025-07-30/cancel-at-enums: resolve to
                # the earliest/latest item period end (all items share one period here).
                cancel_at = end
            else:
                value = get_int(params, "cancel_at")
                assert value is not None
                cancel_at = value
            if cancel_at <= now:
                raise parameter_invalid(
                    "cancel_at", "Invalid timestamp: cancel_at must be in the future."
                )
            out = {
                **out,
                "cancel_at": cancel_at,
                "cancel_at_period_end": cancel_at == end,
                "canceled_at": now,
            }
    return out


def _reset_periods(state: StripeState, items: list[Obj], start: int) -> list[Obj]:
    return [
        {
            **it,
            "current_period_start": start,
            "current_period_end": _next_period_end(state, it["price"], start),
        }
        for it in items
    ]


def _index_items(state: StripeState, sub: Obj) -> None:
    for item in sub["items"]["data"]:
        state.subscription_items[item["id"]] = sub["id"]


def _store_update(state: StripeState, before: Obj, after: Obj, request: RequestInfo | None) -> Obj:
    if after == before:
        return before
    state.subscriptions.replace(after)
    _index_items(state, after)
    if state.emit_events:
        state.emit(
            "customer.subscription.updated",
            state.rendered(after),
            state.rendered(before),
            request,
        )
    return after


def has_payment_method(state: StripeState, sub: Obj) -> bool:
    if sub["default_payment_method"] or sub["default_source"]:
        return True
    customer = state.customers.get(sub["customer"])
    return bool(customer and customer["invoice_settings"]["default_payment_method"])


#: Stripe sends ``customer.subscription.trial_will_end`` three days before a trial ends.
TRIAL_WILL_END_NOTICE = 3 * 86400


def notify_trial_will_end(state: StripeState, sub: Obj, target: int) -> None:
    """Emit ``trial_will_end`` once, when ``now`` is within three days of the trial's end."""
    trial_end = sub["trial_end"]
    if sub["status"] != "trialing" or trial_end is None or sub["id"] in state.trial_will_end_sent:
        return
    if trial_end - TRIAL_WILL_END_NOTICE <= target:
        state.trial_will_end_sent.add(sub["id"])
        if state.emit_events:
            state.emit("customer.subscription.trial_will_end", state.rendered(sub))


@dataclass(frozen=True)
class _ItemSpec:
    """One checked ``items[]`` entry of a create, before its item exists."""

    price: Obj
    quantity: int | None
    tax_rates: list[str]
    metadata: dict[str, str]
    discounts: DiscountPlan | None


def _item_quantity(raw: Params, prefix: str, price: Obj, current: int | None) -> int | None:
    """The item's quantity: 1 by default, none for metered prices (usage is billed instead)."""
    quantity = get_int(raw, "quantity", prefix, minimum=0)
    if price["recurring"]["usage_type"] == "metered":
        if quantity is not None:
            raise parameter_invalid(
                f"{prefix}[quantity]",
                "Quantity should not be specified where usage_type is `metered`. Remove "
                "quantity from the subscription item.",
            )
        return None
    if quantity is not None:
        return quantity
    return 1 if current is None else current


def _with_discounts(
    state: StripeState, item: Obj, plan: DiscountPlan | None, customer_id: str, now: int
) -> Obj:
    """The item with the discounts of a checked plan redeemed onto it (unchanged if none)."""
    if plan is None:
        return item
    ids = redeem(
        state,
        plan,
        customer_id=customer_id,
        subscription_id=item["subscription"],
        item_id=item["id"],
        now=now,
    )
    return {**item, "discounts": ids}


# -- operations ------------------------------------------------------------------------------


def create_subscription(
    state: StripeState,
    params: Params,
    request: RequestInfo | None = None,
    *,
    object_id: str | None = None,
    created: int | None = None,
) -> Obj:
    check_known(params, CREATE_PARAMS)
    customer_id = get_str(params, "customer", required=True) or ""
    items_params = get_list(params, "items")
    if not items_params:
        raise parameter_missing("items")
    collection_method = (
        get_enum(params, "collection_method", ("charge_automatically", "send_invoice"))
        or "charge_automatically"
    )
    with state.lock:
        state.customers.require(customer_id, "customer")
        now = state.now()
        start = created if created is not None else now
        backdate = get_int(params, "backdate_start_date")
        if backdate is not None:
            start = backdate
        sub_id = object_id or state.new_id("sub")
        specs: list[_ItemSpec] = []
        for index, raw in enumerate(items_params):
            prefix = f"items[{index}]"
            if not isinstance(raw, dict):
                raise parameter_invalid(prefix, "Invalid hash")
            check_known(raw, ITEM_PARAMS, prefix)
            price = _price_for_item(state, raw, prefix)
            specs.append(
                _ItemSpec(
                    price,
                    _item_quantity(raw, prefix, price, None),
                    _tax_rate_ids(state, raw, "tax_rates", prefix),
                    apply_metadata({}, raw, prefix),
                    check_discounts(state, raw, prefix, [], start, price["currency"]),
                )
            )
        sub_discounts = check_discounts(state, params, "", [], start, specs[0].price["currency"])
        trial_end = _timestamp_or_now(params, "trial_end", start)
        days = get_int(params, "trial_period_days", minimum=0, maximum=730)
        if trial_end is None and days:
            trial_end = start + days * 86400
        if trial_end is None and get_bool(params, "trial_from_plan"):
            plan_days = specs[0].price["recurring"]["trial_period_days"]
            if plan_days:
                trial_end = start + plan_days * 86400
        if trial_end is not None and trial_end <= start:
            trial_end = None
        anchor_param = get_int(params, "billing_cycle_anchor")
        first_price = specs[0].price
        if trial_end is not None:
            status, anchor, period = "trialing", trial_end, (start, trial_end)
        else:
            status = "active"
            anchor = anchor_param if anchor_param and anchor_param > start else start
            end = anchor if anchor > start else _next_period_end(state, first_price["id"], start)
            period = (start, end)
        items = [
            objects.subscription_item(
                state.new_id("si"),
                start,
                sub_id,
                spec.price["id"],
                spec.quantity,
                period[0],
                period[1],
                tax_rates=spec.tax_rates,
                metadata=spec.metadata,
            )
            for spec in specs
        ]
        _check_items(state, items)
        one_offs = invoice_items.check_one_offs(state, params, first_price["currency"], start)
        default_tax_rates = _tax_rate_ids(state, params, "default_tax_rates")
        sub = objects.subscription(
            sub_id,
            start,
            customer_id,
            first_price["currency"],
            items,
            status=status,
            billing_cycle_anchor=anchor,
            start_date=start,
            trial_start=start if trial_end is not None else None,
            trial_end=trial_end,
            metadata=apply_metadata({}, params),
            default_tax_rates=default_tax_rates,
            description=get_str(params, "description") or None,
            collection_method=collection_method,
            days_until_due=get_int(params, "days_until_due", minimum=0),
            default_payment_method=get_str(params, "default_payment_method") or None,
            trial_settings=_trial_settings(params),
        )
        sub = _apply_cancel_params(sub, params, now)
        charges = invoice_items.prepare(state, one_offs, start)
        # Last: creating discounts redeems coupons, so every other parameter is valid by now.
        if sub_discounts is not None:
            sub["discounts"] = redeem(
                state,
                sub_discounts,
                customer_id=customer_id,
                subscription_id=sub_id,
                item_id=None,
                now=start,
            )
        invoice_items.issue(state, sub, charges, start, period)
        items = [
            _with_discounts(state, item, spec.discounts, customer_id, start)
            for item, spec in zip(items, specs, strict=True)
        ]
        sub["items"] = objects.items_list(sub_id, items)
        state.subscriptions.add(sub)
        _index_items(state, sub)
        if state.emit_events:
            state.emit("customer.subscription.created", state.rendered(sub), request=request)
        notify_trial_will_end(state, sub, now)
        return sub


def _update_items(
    state: StripeState, sub: Obj, items_params: list[Any], now: int
) -> tuple[list[Obj], dict[str, DiscountPlan]]:
    """The items after ``items[]``, and the checked discounts each named item gets."""
    current = list(sub["items"]["data"])
    positions = {it["id"]: i for i, it in enumerate(current)}
    removed: set[str] = set()
    added: list[Obj] = []
    plans: dict[str, DiscountPlan] = {}
    for index, raw in enumerate(items_params):
        prefix = f"items[{index}]"
        if not isinstance(raw, dict):
            raise parameter_invalid(prefix, "Invalid hash")
        check_known(raw, UPDATE_ITEM_PARAMS, prefix)
        item_id = get_str(raw, "id", prefix)
        if item_id:
            if item_id not in positions:
                raise resource_missing("subscription_item", item_id, f"{prefix}[id]")
            item = current[positions[item_id]]
            if get_bool(raw, "deleted", prefix):
                removed.add(item_id)
                continue
            changed = dict(item)
            price = state.prices.require(item["price"])
            if "price" in raw:
                price = _price_for_item(state, raw, prefix)
                changed["price"] = price["id"]
            changed["quantity"] = _item_quantity(raw, prefix, price, item["quantity"])
            if "tax_rates" in raw:
                changed["tax_rates"] = _tax_rate_ids(state, raw, "tax_rates", prefix)
            changed["metadata"] = apply_metadata(item["metadata"], raw, prefix)
            plan = check_discounts(state, raw, prefix, item["discounts"], now, sub["currency"])
            current[positions[item_id]] = changed
        else:
            price = _price_for_item(state, raw, prefix)
            new_item = objects.subscription_item(
                state.new_id("si"),
                now,
                sub["id"],
                price["id"],
                _item_quantity(raw, prefix, price, None),
                0,
                0,
                tax_rates=_tax_rate_ids(state, raw, "tax_rates", prefix),
                metadata=apply_metadata({}, raw, prefix),
            )
            plan = check_discounts(state, raw, prefix, [], now, sub["currency"])
            item_id = new_item["id"]
            added.append(new_item)
        if plan is not None:
            plans[item_id] = plan
    kept = [it for it in current if it["id"] not in removed]
    start, end = current_period(sub)
    aligned = [{**it, "current_period_start": start, "current_period_end": end} for it in added]
    result = kept + aligned
    _check_items(state, result)
    old_rec = state.prices.require(sub["items"]["data"][0]["price"])["recurring"]
    new_rec = state.prices.require(result[0]["price"])["recurring"]
    if (old_rec["interval"], old_rec["interval_count"]) != (
        new_rec["interval"],
        new_rec["interval_count"],
    ) and sub["status"] != "trialing":
        # Changing the billing interval resets the billing cycle anchor to now.
        result = _reset_periods(state, result, now)
    return result, plans


def update_subscription(
    state: StripeState, sub_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(params, UPDATE_PARAMS)
    with state.lock:
        before = state.subscriptions.require(sub_id)
        now = state.now()
        if before["status"] in ENDED:
            extra = set(params) - {"metadata", "cancellation_details", "expand"}
            if extra:
                raise invalid(
                    "A canceled subscription can only update its cancellation_details and metadata."
                )
        sub = dict(before)
        items_params = get_list(params, "items")
        item_discounts: dict[str, DiscountPlan] = {}
        if items_params:
            items, item_discounts = _update_items(state, sub, items_params, now)
            sub["items"] = objects.items_list(sub_id, items)
        if "trial_end" in params:
            sub = _apply_trial_end(state, sub, params, now)
        elif get_str(params, "billing_cycle_anchor") == "now" and sub["status"] != "trialing":
            sub["billing_cycle_anchor"] = now
            sub["items"] = objects.items_list(
                sub_id, _reset_periods(state, sub["items"]["data"], now)
            )
        sub = _apply_cancel_params(sub, params, now)
        if "pause_collection" in params:
            sub["pause_collection"] = _pause_collection(params, now)
        if "default_tax_rates" in params:
            sub["default_tax_rates"] = _tax_rate_ids(state, params, "default_tax_rates")
        for key in ("description", "default_payment_method"):
            if key in params:
                sub[key] = get_str(params, key) or None
        if "collection_method" in params:
            sub["collection_method"] = get_enum(
                params, "collection_method", ("charge_automatically", "send_invoice")
            )
        if "days_until_due" in params:
            sub["days_until_due"] = get_int(params, "days_until_due", minimum=0)
        settings = _trial_settings(params)
        if settings is not None:
            sub["trial_settings"] = settings
        details = get_dict(params, "cancellation_details")
        if details is not None:
            sub["cancellation_details"] = _cancellation_details(sub, details)
        sub["metadata"] = apply_metadata(before["metadata"], params)
        sub_discounts = check_discounts(state, params, "", sub["discounts"], now, sub["currency"])
        one_offs = invoice_items.check_one_offs(state, params, sub["currency"], now)
        charges = invoice_items.prepare(state, one_offs, now)
        # Last: creating discounts redeems coupons, so every other parameter is valid by now.
        if sub_discounts is not None:
            sub["discounts"] = redeem(
                state,
                sub_discounts,
                customer_id=sub["customer"],
                subscription_id=sub_id,
                item_id=None,
                now=now,
            )
        if item_discounts:
            items = [
                _with_discounts(state, it, item_discounts.get(it["id"]), sub["customer"], now)
                for it in sub["items"]["data"]
            ]
            sub["items"] = objects.items_list(sub_id, items)
        invoice_items.issue(state, sub, charges, now, current_period(sub))
        return _store_update(state, before, sub, request)


def _apply_trial_end(state: StripeState, sub: Obj, params: Params, now: int) -> Obj:
    raw = get_str(params, "trial_end")
    if raw == "now":
        if sub["status"] != "trialing":
            return sub
        items = _reset_periods(state, sub["items"]["data"], now)
        return {
            **sub,
            "status": "active",
            "trial_end": now,
            "billing_cycle_anchor": now,
            "items": objects.items_list(sub["id"], items),
        }
    trial_end = get_int(params, "trial_end")
    if trial_end is None or trial_end <= now:
        raise parameter_invalid(
            "trial_end",
            "Invalid timestamp: must be an integer Unix timestamp in the future, or 'now'.",
        )
    if sub["status"] not in ("trialing", "active"):
        raise invalid("Only active or trialing subscriptions can be given a trial.", "trial_end")
    start = sub["items"]["data"][0]["current_period_start"] if sub["status"] == "trialing" else now
    items = [
        {**it, "current_period_start": start, "current_period_end": trial_end}
        for it in sub["items"]["data"]
    ]
    return {
        **sub,
        "status": "trialing",
        "trial_start": sub["trial_start"] if sub["status"] == "trialing" else now,
        "trial_end": trial_end,
        "billing_cycle_anchor": trial_end,
        "items": objects.items_list(sub["id"], items),
    }


def _pause_collection(params: Params, now: int) -> Obj | None:
    raw = get_dict(params, "pause_collection")
    if not raw:
        return None
    check_known(raw, ("behavior", "resumes_at"), "pause_collection")
    behavior = get_enum(raw, "behavior", PAUSE_BEHAVIORS, "pause_collection", required=True)
    resumes_at = get_int(raw, "resumes_at", "pause_collection")
    if resumes_at is not None and resumes_at <= now:
        raise parameter_invalid(
            "pause_collection[resumes_at]", "Invalid timestamp: must be in the future."
        )
    return {"behavior": behavior, "resumes_at": resumes_at}


FEEDBACK = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)


def _cancellation_details(sub: Obj, details: Params) -> Obj:
    check_known(details, ("comment", "feedback"), "cancellation_details")
    out = dict(sub["cancellation_details"])
    if "comment" in details:
        out["comment"] = get_str(details, "comment", "cancellation_details") or None
    if "feedback" in details:
        raw = get_str(details, "feedback", "cancellation_details")
        out["feedback"] = (
            get_enum(details, "feedback", FEEDBACK, "cancellation_details") if raw else None
        )
    return out


def end_subscription(
    state: StripeState, sub: Obj, at: int, reason: str, request: RequestInfo | None
) -> Obj:
    """Move a subscription to ``canceled`` and emit ``customer.subscription.deleted``."""
    ended = {
        **sub,
        "status": "canceled",
        "canceled_at": sub["canceled_at"] or at,
        "ended_at": at,
        "cancel_at_period_end": False,
        "cancellation_details": {**sub["cancellation_details"], "reason": reason},
        "pause_collection": None,
    }
    state.subscriptions.replace(ended)
    if state.emit_events:
        state.emit("customer.subscription.deleted", state.rendered(ended), request=request)
    return ended


def cancel_subscription(
    state: StripeState, sub_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    check_known(params, ("invoice_now", "prorate", "cancellation_details", "expand"))
    with state.lock:
        sub = state.subscriptions.require(sub_id)
        if sub["status"] in ENDED:
            raise resource_missing("subscription", sub_id)
        details = get_dict(params, "cancellation_details")
        if details:
            sub = {**sub, "cancellation_details": _cancellation_details(sub, details)}
        now = state.now()
        return end_subscription(
            state, {**sub, "canceled_at": now}, now, "cancellation_requested", request
        )


def pause_subscription(
    state: StripeState, sub_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    """``POST /v1/subscriptions/:id/pause`` (2026-09-30.endive): status becomes ``paused``."""
    check_known(params, ("expand", "type", "bill_for"))
    with state.lock:
        before = state.subscriptions.require(sub_id)
        if before["status"] not in ("active", "trialing", "past_due"):
            raise invalid(
                f"Subscription {sub_id} cannot be paused because its status is {before['status']}."
            )
        after = {**before, "status": "paused"}
        set_status(state, before, after, request)
        return after


def resume_subscription(
    state: StripeState, sub_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    """``POST /v1/subscriptions/:id/resume``: only for ``status=paused`` subscriptions."""
    check_known(
        params,
        (
            "billing_cycle_anchor",
            "proration_behavior",
            "proration_date",
            "payment_behavior",
            "expand",
        ),
    )
    anchor = get_enum(params, "billing_cycle_anchor", ("now", "unchanged")) or "now"
    with state.lock:
        before = state.subscriptions.require(sub_id)
        if before["status"] != "paused":
            raise invalid(
                "Only subscriptions with status `paused` can be resumed. This subscription "
                f"has status `{before['status']}`."
            )
        now = state.now()
        after = {**before, "status": "active"}
        if anchor == "now":
            after["billing_cycle_anchor"] = now
            after["items"] = objects.items_list(
                sub_id, _reset_periods(state, before["items"]["data"], now)
            )
        set_status(state, before, after, request)
        return after


def set_status(
    state: StripeState, before: Obj, after: Obj, request: RequestInfo | None = None
) -> None:
    """Store a status change with its events (``.updated`` plus ``.paused`` / ``.resumed``)."""
    state.subscriptions.replace(after)
    if not state.emit_events:
        return
    rendered = state.rendered(after)
    state.emit("customer.subscription.updated", rendered, state.rendered(before), request)
    if after["status"] == "paused" and before["status"] != "paused":
        state.emit("customer.subscription.paused", rendered, request=request)
    elif before["status"] == "paused" and after["status"] != "paused":
        state.emit("customer.subscription.resumed", rendered, request=request)


OPERATOR_STATUSES = ("active", "past_due", "unpaid", "incomplete", "paused", "canceled")


def force_status(state: StripeState, sub_id: str, status: str) -> Obj:
    """Operator/test hook: put a subscription in a status (e.g. ``past_due`` after a failed
    renewal payment), with the events Stripe would send."""
    if status not in OPERATOR_STATUSES:
        raise parameter_invalid("status", f"status must be one of {', '.join(OPERATOR_STATUSES)}")
    with state.lock:
        before = state.subscriptions.require(sub_id)
        if before["status"] == status:
            return before
        if before["status"] in ENDED:
            raise invalid("A canceled subscription cannot change status.")
        if status == "canceled":
            now = state.now()
            return end_subscription(
                state, {**before, "canceled_at": now}, now, "payment_failed", None
            )
        after = {**before, "status": status}
        set_status(state, before, after)
        return after


def assert_known_item(state: StripeState, item_id: str) -> str:
    sub_id = state.subscription_items.get(item_id)
    if sub_id is None:
        raise resource_missing("subscription_item", item_id)
    return sub_id


def retrieve_item(state: StripeState, item_id: str) -> Obj:
    sub = state.subscriptions.require(assert_known_item(state, item_id))
    item: Obj
    for item in sub["items"]["data"]:
        if item["id"] == item_id:
            return item
    raise resource_missing("subscription_item", item_id)
