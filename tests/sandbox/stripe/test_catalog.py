"""Customers, products, prices, coupons and tax rates: create, retrieve, update, list."""

from __future__ import annotations

import httpx

from tests.sandbox.stripe.helpers import Catalog, ok


def test_customer_crud_and_email_filter(client: httpx.Client) -> None:
    """Customers can be created, updated, listed by email and deleted."""
    created = ok(client.post("/v1/customers", data={"email": "x@example.com", "name": "X"}))
    ok(client.post("/v1/customers", data={"email": "y@example.com"}))
    updated = ok(
        client.post(f"/v1/customers/{created['id']}", data={"name": "", "metadata[k]": "v"})
    )
    assert (updated["name"], updated["metadata"]) == (None, {"k": "v"})
    listed = ok(client.get("/v1/customers", params={"email": "x@example.com"}))
    assert [c["id"] for c in listed["data"]] == [created["id"]]
    deleted = ok(client.delete(f"/v1/customers/{created['id']}"))
    assert deleted == {"id": created["id"], "object": "customer", "deleted": True}
    assert ok(client.get(f"/v1/customers/{created['id']}"))["deleted"] is True


def test_customer_update_emits_previous_attributes(client: httpx.Client) -> None:
    """customer.updated lists the old email."""
    customer = ok(client.post("/v1/customers", data={"email": "old@example.com"}))
    ok(client.post(f"/v1/customers/{customer['id']}", data={"email": "new@example.com"}))
    event = ok(client.get("/v1/events", params={"type": "customer.updated"}))["data"][0]
    assert event["data"]["previous_attributes"] == {"email": "old@example.com"}


def test_product_update_and_active_filter(client: httpx.Client, catalog: Catalog) -> None:
    """Products can be archived and filtered by active."""
    other = ok(client.post("/v1/products", data={"name": "Old"}))
    ok(client.post(f"/v1/products/{other['id']}", data={"active": "false"}))
    active = ok(client.get("/v1/products", params={"active": "true"}))
    assert [p["id"] for p in active["data"]] == [catalog.product]


def test_price_fields_and_filters(client: httpx.Client, catalog: Catalog) -> None:
    """Recurring prices carry interval, count and amounts; lists filter them."""
    price = ok(
        client.post(
            "/v1/prices",
            data={
                "product": catalog.product,
                "currency": "JPY",
                "unit_amount": "3000",
                "recurring[interval]": "week",
                "recurring[interval_count]": "2",
                "lookup_key": "gold_biweekly",
            },
        )
    )
    assert price["currency"] == "jpy"
    assert price["recurring"]["interval_count"] == 2
    assert price["unit_amount_decimal"] == "3000"
    by_key = ok(client.get("/v1/prices", params={"lookup_keys[]": "gold_biweekly"}))
    assert [p["id"] for p in by_key["data"]] == [price["id"]]
    yearly = ok(client.get("/v1/prices", params={"recurring[interval]": "year"}))
    assert [p["id"] for p in yearly["data"]] == [catalog.yearly_price]


def test_duplicate_lookup_key_is_rejected(client: httpx.Client, catalog: Catalog) -> None:
    """A lookup key belongs to one price unless transfer_lookup_key is sent."""
    data = {
        "product": catalog.product,
        "currency": "eur",
        "unit_amount": "100",
        "lookup_key": "k",
    }
    first = ok(client.post("/v1/prices", data=data))
    assert client.post("/v1/prices", data=data).status_code == 400
    second = ok(client.post("/v1/prices", data={**data, "transfer_lookup_key": "true"}))
    assert ok(client.get(f"/v1/prices/{first['id']}"))["lookup_key"] is None
    assert second["lookup_key"] == "k"


def test_one_time_price_cannot_be_subscribed(client: httpx.Client, catalog: Catalog) -> None:
    """A subscription item needs a recurring price."""
    one_time = ok(
        client.post(
            "/v1/prices",
            data={"product": catalog.product, "currency": "eur", "unit_amount": "100"},
        )
    )
    response = client.post(
        "/v1/subscriptions",
        data={"customer": catalog.customer, "items[0][price]": one_time["id"]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "items[0][price]"


def test_coupon_validation(client: httpx.Client) -> None:
    """Coupons take exactly one of percent_off/amount_off; repeating needs months."""
    assert client.post("/v1/coupons", data={"duration": "once"}).status_code == 400
    missing = client.post("/v1/coupons", data={"percent_off": "10", "duration": "repeating"})
    assert missing.json()["error"]["param"] == "duration_in_months"
    fixed = ok(
        client.post(
            "/v1/coupons",
            data={"id": "TENOFF", "amount_off": "1000", "currency": "usd", "duration": "forever"},
        )
    )
    assert (fixed["id"], fixed["amount_off"], fixed["currency"]) == ("TENOFF", 1000, "usd")
    renamed = ok(client.post("/v1/coupons/TENOFF", data={"name": "Ten off"}))
    assert renamed["name"] == "Ten off"


def test_tax_rate_crud(client: httpx.Client) -> None:
    """Tax rates are created, deactivated and filtered by active."""
    rate = ok(
        client.post(
            "/v1/tax_rates",
            data={"display_name": "VAT", "percentage": "7.7", "inclusive": "true"},
        )
    )
    assert (rate["percentage"], rate["inclusive"]) == (7.7, True)
    ok(client.post(f"/v1/tax_rates/{rate['id']}", data={"active": "false"}))
    assert ok(client.get("/v1/tax_rates", params={"active": "true"}))["data"] == []


def test_subscription_items_endpoints(client: httpx.Client, catalog: Catalog) -> None:
    """Items of a subscription can be listed and retrieved by id."""
    sub = ok(
        client.post(
            "/v1/subscriptions",
            data={"customer": catalog.customer, "items[0][price]": catalog.price},
        )
    )
    item_id = sub["items"]["data"][0]["id"]
    listed = ok(client.get("/v1/subscription_items", params={"subscription": sub["id"]}))
    assert [i["id"] for i in listed["data"]] == [item_id]
    assert ok(client.get(f"/v1/subscription_items/{item_id}"))["subscription"] == sub["id"]
