"""Item-level discounts: accepted on every path that takes items, kept, rendered, expandable."""

from __future__ import annotations

import json

import httpx

from connector.sandbox.stripe import StripeSandbox
from tests.sandbox.stripe.helpers import Catalog, Obj, ok, subscribe


def _coupon(client: httpx.Client, percent: str = "10", **extra: str) -> str:
    data = {"percent_off": percent, "duration": "forever"} | extra
    coupon_id: str = ok(client.post("/v1/coupons", data=data))["id"]
    return coupon_id


def _item(sub: Obj) -> Obj:
    first: Obj = sub["items"]["data"][0]
    return first


def test_create_keeps_item_discounts(client: httpx.Client, catalog: Catalog) -> None:
    """items[0][discounts][0][coupon] on create gives the item a discount id."""
    coupon = _coupon(client)
    sub = subscribe(client, catalog, **{"items[0][discounts][0][coupon]": coupon})
    discounts = _item(sub)["discounts"]
    assert len(discounts) == 1
    assert discounts[0].startswith("di_")
    assert sub["discounts"] == []


def test_item_discount_expands_to_its_coupon(client: httpx.Client, catalog: Catalog) -> None:
    """items.data.discounts expands to discount objects naming the item and the coupon."""
    coupon = _coupon(client)
    sub = subscribe(client, catalog, **{"items[0][discounts][0][coupon]": coupon})
    fetched = ok(
        client.get(f"/v1/subscriptions/{sub['id']}", params={"expand[]": "items.data.discounts"})
    )
    discount = _item(fetched)["discounts"][0]
    assert discount["object"] == "discount"
    assert discount["source"] == {"coupon": coupon, "type": "coupon"}
    assert discount["subscription_item"] == _item(sub)["id"]
    assert discount["subscription"] == sub["id"]


def test_list_expands_item_discounts(client: httpx.Client, catalog: Catalog) -> None:
    """data.items.data.discounts expands item discounts on a list."""
    coupon = _coupon(client)
    subscribe(client, catalog, **{"items[0][discounts][0][coupon]": coupon})
    page = ok(client.get("/v1/subscriptions", params={"expand[]": "data.items.data.discounts"}))
    assert _item(page["data"][0])["discounts"][0]["source"]["coupon"] == coupon


def test_update_adds_item_discount(client: httpx.Client, catalog: Catalog) -> None:
    """items[0][id] with discounts on a subscription update sets the item's discounts."""
    coupon = _coupon(client)
    sub = subscribe(client, catalog)
    item_id = _item(sub)["id"]
    updated = ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={"items[0][id]": item_id, "items[0][discounts][0][coupon]": coupon},
        )
    )
    assert len(_item(updated)["discounts"]) == 1
    assert ok(client.get(f"/v1/coupons/{coupon}"))["times_redeemed"] == 1


def test_update_with_same_coupon_keeps_the_discount(client: httpx.Client, catalog: Catalog) -> None:
    """Naming the item's coupon again keeps its discount (no second redemption)."""
    coupon = _coupon(client)
    sub = subscribe(client, catalog, **{"items[0][discounts][0][coupon]": coupon})
    before = _item(sub)["discounts"]
    updated = ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={"items[0][id]": _item(sub)["id"], "items[0][discounts][0][coupon]": coupon},
        )
    )
    assert _item(updated)["discounts"] == before
    assert ok(client.get(f"/v1/coupons/{coupon}"))["times_redeemed"] == 1


def test_empty_discounts_clear_the_item(client: httpx.Client, catalog: Catalog) -> None:
    """items[0][discounts]= (empty) removes the item's discounts."""
    coupon = _coupon(client)
    sub = subscribe(client, catalog, **{"items[0][discounts][0][coupon]": coupon})
    updated = ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={"items[0][id]": _item(sub)["id"], "items[0][discounts]": ""},
        )
    )
    assert _item(updated)["discounts"] == []


def test_invalid_item_coupon_redeems_nothing(client: httpx.Client, catalog: Catalog) -> None:
    """An unknown item coupon refuses the create and leaves other coupons unredeemed."""
    good = _coupon(client)
    response = client.post(
        "/v1/subscriptions",
        data={
            "customer": catalog.customer,
            "discounts[0][coupon]": good,
            "items[0][price]": catalog.price,
            "items[0][discounts][0][coupon]": "nope",
        },
    )
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "items[0][discounts][0][coupon]"
    assert ok(client.get(f"/v1/coupons/{good}"))["times_redeemed"] == 0


def test_unknown_promotion_code_is_refused(client: httpx.Client, catalog: Catalog) -> None:
    """A promotion code the account does not hold is resource_missing."""
    response = client.post(
        "/v1/subscriptions",
        data={
            "customer": catalog.customer,
            "items[0][price]": catalog.price,
            "items[0][discounts][0][promotion_code]": "promo_nope",
        },
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


def test_subscription_item_create_takes_discounts(client: httpx.Client, catalog: Catalog) -> None:
    """POST /v1/subscription_items with discounts adds an item carrying them."""
    coupon = _coupon(client)
    sub = subscribe(client, catalog)
    other = ok(
        client.post(
            "/v1/prices",
            data={
                "product": catalog.product,
                "currency": "eur",
                "unit_amount": "500",
                "recurring[interval]": "month",
            },
        )
    )["id"]
    item = ok(
        client.post(
            "/v1/subscription_items",
            data={"subscription": sub["id"], "price": other, "discounts[0][coupon]": coupon},
        )
    )
    assert item["object"] == "subscription_item"
    assert item["price"]["id"] == other
    assert len(item["discounts"]) == 1
    fetched = ok(client.get(f"/v1/subscriptions/{sub['id']}"))
    assert [it["id"] for it in fetched["items"]["data"]][-1] == item["id"]


def test_subscription_item_update_takes_discounts(client: httpx.Client, catalog: Catalog) -> None:
    """POST /v1/subscription_items/{id} with discounts sets them on that item."""
    coupon = _coupon(client)
    sub = subscribe(client, catalog)
    item = ok(
        client.post(
            f"/v1/subscription_items/{_item(sub)['id']}",
            data={"discounts[0][coupon]": coupon, "quantity": "3"},
        )
    )
    assert item["quantity"] == 3
    discount = ok(
        client.get(
            f"/v1/subscription_items/{item['id']}", params={"expand[]": "discounts.source.coupon"}
        )
    )["discounts"][0]
    assert discount["source"]["coupon"]["id"] == coupon


def test_subscription_item_delete(client: httpx.Client, catalog: Catalog) -> None:
    """DELETE /v1/subscription_items/{id} removes the item; the last one cannot go."""
    sub = subscribe(client, catalog)
    only = _item(sub)["id"]
    assert client.delete(f"/v1/subscription_items/{only}").status_code == 400
    other = ok(
        client.post(
            "/v1/prices",
            data={
                "product": catalog.product,
                "currency": "eur",
                "unit_amount": "700",
                "recurring[interval]": "month",
            },
        )
    )["id"]
    added = ok(
        client.post("/v1/subscription_items", data={"subscription": sub["id"], "price": other})
    )
    gone = ok(client.delete(f"/v1/subscription_items/{added['id']}"))
    assert gone == {"id": added["id"], "object": "subscription_item", "deleted": True}
    fetched = ok(client.get(f"/v1/subscriptions/{sub['id']}"))
    assert [it["id"] for it in fetched["items"]["data"]] == [only]


def test_item_discount_change_is_in_the_event(client: httpx.Client, catalog: Catalog) -> None:
    """customer.subscription.updated shows the item's new discounts and the previous ones."""
    coupon = _coupon(client)
    sub = subscribe(client, catalog)
    client.post(f"/v1/subscription_items/{_item(sub)['id']}", data={"discounts[0][coupon]": coupon})
    events = ok(client.get("/v1/events", params={"type": "customer.subscription.updated"}))
    event = events["data"][0]
    assert len(_item(event["data"]["object"])["discounts"]) == 1
    previous = json.dumps(event["data"]["previous_attributes"])
    assert '"discounts": []' in previous


def test_item_discounts_expire_with_time(
    client: httpx.Client, catalog: Catalog, sandbox: StripeSandbox
) -> None:
    """A repeating item coupon leaves the item when its months are over; forever ones stay."""
    repeating = _coupon(client, duration="repeating", duration_in_months="2")
    forever = _coupon(client, "5")
    sub = subscribe(
        client,
        catalog,
        **{
            "items[0][discounts][0][coupon]": repeating,
            "items[0][discounts][1][coupon]": forever,
        },
    )
    sandbox.state.advance_clock(advance_seconds=100 * 86400)
    fetched = ok(
        client.get(f"/v1/subscriptions/{sub['id']}", params={"expand[]": "items.data.discounts"})
    )
    coupons = [d["source"]["coupon"] for d in _item(fetched)["discounts"]]
    assert coupons == [forever]
