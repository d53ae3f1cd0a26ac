"""``/v1/customers``, ``/v1/products``, ``/v1/prices``, ``/v1/coupons``, ``/v1/tax_rates``."""

from __future__ import annotations

from typing import Any

from connector.sandbox.stripe import catalog, tax_ids
from connector.sandbox.stripe.errors import resource_missing
from connector.sandbox.stripe.objects import plan_from_price
from connector.sandbox.stripe.pagination import list_page
from connector.sandbox.stripe.params import get_bool, get_str, get_str_list
from connector.sandbox.stripe.routing import ApiRequest, ApiRoute
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]


def list_customers(state: StripeState, req: ApiRequest) -> Obj:
    email = get_str(req.params, "email")
    predicate = (lambda c: c["email"] == email) if email else None
    return list_page(
        state.customers,
        req.params,
        "/v1/customers",
        extra_params=("email", "test_clock"),
        predicate=predicate,
    )


def list_tax_ids(state: StripeState, req: ApiRequest) -> Obj:
    state.customers.require(req.id)
    return list_page(
        state.tax_ids,
        req.params,
        f"/v1/customers/{req.id}/tax_ids",
        predicate=lambda t: t["customer"] == req.id,
    )


def list_products(state: StripeState, req: ApiRequest) -> Obj:
    active = get_bool(req.params, "active")
    ids = get_str_list(req.params, "ids")

    def predicate(p: Obj) -> bool:
        return (active is None or p["active"] == active) and (ids is None or p["id"] in ids)

    return list_page(
        state.products,
        req.params,
        "/v1/products",
        extra_params=("active", "ids", "shippable", "url", "type"),
        predicate=predicate,
    )


def list_prices(state: StripeState, req: ApiRequest) -> Obj:
    params = req.params
    active = get_bool(params, "active")
    currency = get_str(params, "currency")
    product = get_str(params, "product")
    kind = get_str(params, "type")
    lookup_keys = get_str_list(params, "lookup_keys")
    recurring = params.get("recurring") if isinstance(params.get("recurring"), dict) else None
    interval = recurring.get("interval") if recurring else None

    def predicate(p: Obj) -> bool:
        return (
            (active is None or p["active"] == active)
            and (not currency or p["currency"] == currency.lower())
            and (not product or p["product"] == product)
            and (not kind or p["type"] == kind)
            and (lookup_keys is None or p["lookup_key"] in lookup_keys)
            and (
                interval is None
                or (p["recurring"] is not None and p["recurring"]["interval"] == interval)
            )
        )

    return list_page(
        state.prices,
        params,
        "/v1/prices",
        extra_params=("active", "currency", "product", "type", "lookup_keys", "recurring"),
        predicate=predicate,
    )


def list_plans(state: StripeState, req: ApiRequest) -> Obj:
    """Recurring prices through the legacy plans API (same ids)."""
    active = get_bool(req.params, "active")
    product = get_str(req.params, "product")

    def predicate(p: Obj) -> bool:
        return (
            p["recurring"] is not None
            and (active is None or p["active"] == active)
            and (not product or p["product"] == product)
        )

    return list_page(
        state.prices,
        req.params,
        "/v1/plans",
        extra_params=("active", "product"),
        predicate=predicate,
        render=lambda price: _plan(price, price["id"]),
    )


def _plan(price: Obj | None, plan_id: str) -> Obj:
    plan = plan_from_price(price) if price is not None else None
    if plan is None:
        raise resource_missing("plan", plan_id)
    return plan


def list_tax_rates(state: StripeState, req: ApiRequest) -> Obj:
    active = get_bool(req.params, "active")
    inclusive = get_bool(req.params, "inclusive")

    def predicate(t: Obj) -> bool:
        return (active is None or t["active"] == active) and (
            inclusive is None or t["inclusive"] == inclusive
        )

    return list_page(
        state.tax_rates,
        req.params,
        "/v1/tax_rates",
        extra_params=("active", "inclusive"),
        predicate=predicate,
    )


def list_coupons(state: StripeState, req: ApiRequest) -> Obj:
    return list_page(state.coupons, req.params, "/v1/coupons")


def list_webhook_endpoints(state: StripeState, req: ApiRequest) -> Obj:
    return list_page(state.webhook_endpoints, req.params, "/v1/webhook_endpoints")


ROUTES = [
    ApiRoute("POST", "/v1/customers", lambda s, r: catalog.create_customer(s, r.params, r.info)),
    ApiRoute("GET", "/v1/customers", list_customers),
    ApiRoute("GET", "/v1/customers/{id}", lambda s, r: _customer_or_tomb(s, r.id)),
    ApiRoute(
        "POST",
        "/v1/customers/{id}",
        lambda s, r: catalog.update_customer(s, r.id, r.params, r.info),
    ),
    ApiRoute("DELETE", "/v1/customers/{id}", lambda s, r: catalog.delete_customer(s, r.id, r.info)),
    ApiRoute(
        "POST",
        "/v1/customers/{id}/tax_ids",
        lambda s, r: tax_ids.create_tax_id(s, r.id, r.params, r.info),
    ),
    ApiRoute("GET", "/v1/customers/{id}/tax_ids", list_tax_ids),
    ApiRoute(
        "GET",
        "/v1/customers/{id}/tax_ids/{tax_id}",
        lambda s, r: tax_ids.retrieve_tax_id(s, r.id, r.path_params["tax_id"]),
    ),
    ApiRoute(
        "DELETE",
        "/v1/customers/{id}/tax_ids/{tax_id}",
        lambda s, r: tax_ids.delete_tax_id(s, r.id, r.path_params["tax_id"], r.info),
    ),
    ApiRoute("POST", "/v1/products", lambda s, r: catalog.create_product(s, r.params, r.info)),
    ApiRoute("GET", "/v1/products", list_products),
    ApiRoute("GET", "/v1/products/{id}", lambda s, r: s.products.require(r.id)),
    ApiRoute(
        "POST",
        "/v1/products/{id}",
        lambda s, r: catalog.update_product(s, r.id, r.params, r.info),
    ),
    ApiRoute("POST", "/v1/prices", lambda s, r: catalog.create_price(s, r.params, r.info)),
    ApiRoute("GET", "/v1/prices", list_prices),
    ApiRoute("GET", "/v1/prices/{id}", lambda s, r: s.prices.require(r.id)),
    ApiRoute(
        "POST", "/v1/prices/{id}", lambda s, r: catalog.update_price(s, r.id, r.params, r.info)
    ),
    ApiRoute("GET", "/v1/plans", list_plans),
    ApiRoute("GET", "/v1/plans/{id}", lambda s, r: _plan(s.prices.get(r.id), r.id)),
    ApiRoute("POST", "/v1/coupons", lambda s, r: catalog.create_coupon(s, r.params, r.info)),
    ApiRoute("GET", "/v1/coupons", list_coupons),
    ApiRoute("GET", "/v1/coupons/{id}", lambda s, r: s.coupons.require(r.id)),
    ApiRoute(
        "POST", "/v1/coupons/{id}", lambda s, r: catalog.update_coupon(s, r.id, r.params, r.info)
    ),
    ApiRoute("DELETE", "/v1/coupons/{id}", lambda s, r: catalog.delete_coupon(s, r.id, r.info)),
    ApiRoute("POST", "/v1/tax_rates", lambda s, r: catalog.create_tax_rate(s, r.params, r.info)),
    ApiRoute("GET", "/v1/tax_rates", list_tax_rates),
    ApiRoute("GET", "/v1/tax_rates/{id}", lambda s, r: s.tax_rates.require(r.id)),
    ApiRoute(
        "POST",
        "/v1/tax_rates/{id}",
        lambda s, r: catalog.update_tax_rate(s, r.id, r.params, r.info),
    ),
    ApiRoute(
        "POST",
        "/v1/webhook_endpoints",
        lambda s, r: catalog.create_webhook_endpoint(s, r.params),
    ),
    ApiRoute("GET", "/v1/webhook_endpoints", list_webhook_endpoints),
    ApiRoute("GET", "/v1/webhook_endpoints/{id}", lambda s, r: s.webhook_endpoints.require(r.id)),
    ApiRoute(
        "POST",
        "/v1/webhook_endpoints/{id}",
        lambda s, r: catalog.update_webhook_endpoint(s, r.id, r.params),
    ),
    ApiRoute(
        "DELETE",
        "/v1/webhook_endpoints/{id}",
        lambda s, r: catalog.delete_webhook_endpoint(s, r.id),
    ),
]


def _customer_or_tomb(state: StripeState, customer_id: str) -> Obj:
    """A deleted customer is still retrievable, as ``{"id", "object", "deleted": true}``."""
    tomb = state.deleted.get(customer_id)
    if tomb is not None and tomb["object"] == "customer":
        return tomb
    return state.customers.require(customer_id)
