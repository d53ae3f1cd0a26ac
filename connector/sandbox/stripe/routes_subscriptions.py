"""``/v1/subscriptions`` and ``/v1/subscription_items``."""

from __future__ import annotations

from typing import Any

from connector.sandbox.stripe import items, subscriptions
from connector.sandbox.stripe.errors import parameter_missing
from connector.sandbox.stripe.pagination import created_range, list_page
from connector.sandbox.stripe.params import check_known, get_bool, get_dict, get_enum, get_str
from connector.sandbox.stripe.render import render, render_item, render_subscription
from connector.sandbox.stripe.routing import ApiRequest, ApiRoute
from connector.sandbox.stripe.state import StripeState
from connector.sandbox.stripe.store import CreatedRange

Obj = dict[str, Any]

STATUSES = (
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
)


def list_subscriptions(state: StripeState, req: ApiRequest) -> Obj:
    params = req.params
    # Without ``status`` Stripe lists every subscription that is not canceled.
    status = get_enum(params, "status", STATUSES)
    customer = get_str(params, "customer") or None
    price = get_str(params, "price") or None
    collection_method = get_str(params, "collection_method") or None

    def status_ok(sub: Obj) -> bool:
        current: str = sub["status"]
        if status is None:
            return current != "canceled"
        if status == "all":
            return True
        if status == "ended":
            return current in ("canceled", "incomplete_expired")
        return current == status

    period_end = created_range(params, "current_period_end")
    period_start = created_range(params, "current_period_start")
    test_clock = get_str(params, "test_clock") or None
    automatic_tax = get_dict(params, "automatic_tax")
    tax_enabled = get_bool(automatic_tax, "enabled", "automatic_tax") if automatic_tax else None

    def predicate(sub: Obj) -> bool:
        first = sub["items"]["data"][0]
        return (
            status_ok(sub)
            and (customer is None or sub["customer"] == customer)
            and (price is None or any(it["price"] == price for it in sub["items"]["data"]))
            and (collection_method is None or sub["collection_method"] == collection_method)
            and _within(period_end, first["current_period_end"])
            and _within(period_start, first["current_period_start"])
            and (test_clock is None or sub["test_clock"] == test_clock)
            and (tax_enabled is None or sub["automatic_tax"]["enabled"] == tax_enabled)
        )

    return list_page(
        state.subscriptions,
        params,
        "/v1/subscriptions",
        extra_params=(
            "status",
            "customer",
            "price",
            "collection_method",
            "test_clock",
            "current_period_end",
            "current_period_start",
            "automatic_tax",
        ),
        predicate=predicate,
        render=lambda sub: render_subscription(state, sub),
    )


def _within(bounds: CreatedRange | None, value: int) -> bool:
    if bounds is None:
        return True
    return (bounds.lower is None or value >= bounds.lower) and (
        bounds.upper is None or value <= bounds.upper
    )


def list_items(state: StripeState, req: ApiRequest) -> Obj:
    params = req.params
    check_known(params, ("subscription", "limit", "starting_after", "ending_before", "expand"))
    sub_id = get_str(params, "subscription")
    if not sub_id:
        raise parameter_missing("subscription")
    sub = state.subscriptions.require(sub_id, "subscription")
    items = [render_item(state, it) for it in sub["items"]["data"]]
    return {
        "object": "list",
        "data": items,
        "has_more": False,
        "url": f"/v1/subscription_items?subscription={sub_id}",
    }


def list_invoice_items(state: StripeState, req: ApiRequest) -> Obj:
    customer = get_str(req.params, "customer") or None
    pending = get_bool(req.params, "pending")

    def predicate(item: Obj) -> bool:
        return (customer is None or item["customer"] == customer) and (
            pending is None or (item["invoice"] is None) == pending
        )

    return list_page(
        state.invoice_items,
        req.params,
        "/v1/invoiceitems",
        extra_params=("customer", "pending", "invoice"),
        predicate=predicate,
        render=lambda item: render(state, item),
    )


def _rendered(state: StripeState, sub: Obj) -> Obj:
    return render_subscription(state, sub)


ROUTES = [
    ApiRoute(
        "POST",
        "/v1/subscriptions",
        lambda s, r: _rendered(s, subscriptions.create_subscription(s, r.params, r.info)),
    ),
    ApiRoute("GET", "/v1/subscriptions", list_subscriptions),
    ApiRoute(
        "GET", "/v1/subscriptions/{id}", lambda s, r: _rendered(s, s.subscriptions.require(r.id))
    ),
    ApiRoute(
        "POST",
        "/v1/subscriptions/{id}",
        lambda s, r: _rendered(s, subscriptions.update_subscription(s, r.id, r.params, r.info)),
    ),
    ApiRoute(
        "DELETE",
        "/v1/subscriptions/{id}",
        lambda s, r: _rendered(s, subscriptions.cancel_subscription(s, r.id, r.params, r.info)),
    ),
    ApiRoute(
        "POST",
        "/v1/subscriptions/{id}/resume",
        lambda s, r: _rendered(s, subscriptions.resume_subscription(s, r.id, r.params, r.info)),
    ),
    ApiRoute(
        "POST",
        "/v1/subscriptions/{id}/pause",
        lambda s, r: _rendered(s, subscriptions.pause_subscription(s, r.id, r.params, r.info)),
    ),
    ApiRoute("GET", "/v1/invoiceitems", list_invoice_items),
    ApiRoute(
        "GET",
        "/v1/invoiceitems/{id}",
        lambda s, r: render(s, s.invoice_items.require(r.id)),
    ),
    ApiRoute("GET", "/v1/subscription_items", list_items),
    ApiRoute(
        "GET",
        "/v1/subscription_items/{id}",
        lambda s, r: render_item(s, subscriptions.retrieve_item(s, r.id)),
    ),
    ApiRoute(
        "POST",
        "/v1/subscription_items",
        lambda s, r: render_item(s, items.create_item(s, r.params, r.info)),
    ),
    ApiRoute(
        "POST",
        "/v1/subscription_items/{id}",
        lambda s, r: render_item(s, items.update_item(s, r.id, r.params, r.info)),
    ),
    ApiRoute(
        "DELETE",
        "/v1/subscription_items/{id}",
        lambda s, r: items.delete_item(s, r.id, r.params, r.info),
    ),
]
