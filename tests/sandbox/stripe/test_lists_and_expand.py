"""List pagination, filters and expand."""

from __future__ import annotations

import httpx

from connector.sandbox.stripe import StripeSandbox
from tests.sandbox.stripe.helpers import Catalog, ok, subscribe


def _seed(client: httpx.Client, catalog: Catalog, count: int) -> list[str]:
    return [subscribe(client, catalog)["id"] for _ in range(count)]


def test_list_is_newest_first_with_has_more(client: httpx.Client, catalog: Catalog) -> None:
    """Lists return newest first; has_more tells if another page exists."""
    ids = _seed(client, catalog, 5)
    page = ok(client.get("/v1/subscriptions", params={"limit": "3"}))
    assert [s["id"] for s in page["data"]] == ids[::-1][:3]
    assert page["has_more"] is True
    assert page["object"] == "list"
    assert page["url"] == "/v1/subscriptions"


def test_starting_after_walks_all_pages(client: httpx.Client, catalog: Catalog) -> None:
    """Following starting_after visits every subscription exactly once."""
    ids = _seed(client, catalog, 7)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "3", **({"starting_after": cursor} if cursor else {})}
        page = ok(client.get("/v1/subscriptions", params=params))
        seen += [s["id"] for s in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    assert seen == ids[::-1]


def test_ending_before_returns_previous_page(client: httpx.Client, catalog: Catalog) -> None:
    """ending_before returns the objects just newer than the cursor, newest first."""
    ids = _seed(client, catalog, 6)
    newest_first = ids[::-1]
    page = ok(
        client.get("/v1/subscriptions", params={"limit": "2", "ending_before": newest_first[4]})
    )
    assert [s["id"] for s in page["data"]] == newest_first[2:4]
    assert page["has_more"] is True


def test_default_limit_is_ten(client: httpx.Client, catalog: Catalog) -> None:
    """Without limit a page holds 10 objects."""
    _seed(client, catalog, 12)
    assert len(ok(client.get("/v1/subscriptions"))["data"]) == 10


def test_unknown_cursor_is_404(client: httpx.Client) -> None:
    """An unknown starting_after id is resource_missing on that param."""
    response = client.get("/v1/subscriptions", params={"starting_after": "sub_nope"})
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "starting_after"


def test_created_filter(client: httpx.Client, catalog: Catalog) -> None:
    """created[gte] keeps only subscriptions created at or after the bound."""
    old = subscribe(client, catalog)
    ok(client.post("/__sandbox/clock", json={"advance_seconds": 100}))
    new = subscribe(client, catalog)
    page = ok(client.get("/v1/subscriptions", params={"created[gte]": str(new["created"])}))
    assert [s["id"] for s in page["data"]] == [new["id"]]
    page = ok(client.get("/v1/subscriptions", params={"created[lt]": str(new["created"])}))
    assert [s["id"] for s in page["data"]] == [old["id"]]


def test_status_filters(client: httpx.Client, catalog: Catalog) -> None:
    """Default lists hide canceled; status=canceled and status=all select them."""
    kept, gone = _seed(client, catalog, 2)
    client.delete(f"/v1/subscriptions/{gone}")

    def ids(**params: str) -> list[str]:
        return [s["id"] for s in ok(client.get("/v1/subscriptions", params=params))["data"]]

    assert ids() == [kept]
    assert ids(status="canceled") == [gone]
    assert ids(status="all") == [gone, kept]
    assert ids(status="active") == [kept]


def test_customer_and_price_filters(client: httpx.Client, catalog: Catalog) -> None:
    """customer= and price= filter subscriptions."""
    mine = subscribe(client, catalog)
    other = ok(client.post("/v1/customers", data={"name": "Other"}))["id"]
    theirs = ok(
        client.post(
            "/v1/subscriptions",
            data={"customer": other, "items[0][price]": catalog.yearly_price},
        )
    )
    by_customer = ok(client.get("/v1/subscriptions", params={"customer": other}))
    assert [s["id"] for s in by_customer["data"]] == [theirs["id"]]
    by_price = ok(client.get("/v1/subscriptions", params={"price": catalog.price}))
    assert [s["id"] for s in by_price["data"]] == [mine["id"]]


def test_expand_on_list(client: httpx.Client, catalog: Catalog) -> None:
    """data.customer and data.items.data.price expand within four levels on a list."""
    subscribe(client, catalog)
    page = ok(
        client.get(
            "/v1/subscriptions",
            params={
                "expand[]": [
                    "data.customer",
                    "data.items.data.price",
                    "data.discounts",
                    "data.default_tax_rates",
                ]
            },
        )
    )
    sub = page["data"][0]
    assert sub["customer"]["object"] == "customer"
    assert sub["items"]["data"][0]["price"]["object"] == "price"


def test_expand_counts_data_as_a_level(client: httpx.Client, catalog: Catalog) -> None:
    """data.items.data.price.product is five levels: refused, as Stripe refuses it."""
    subscribe(client, catalog)
    response = client.get("/v1/subscriptions", params={"expand[]": "data.items.data.price.product"})
    assert response.status_code == 400
    assert "more than 4 levels" in response.json()["error"]["message"]


def test_retrieve_expands_item_products(client: httpx.Client, catalog: Catalog) -> None:
    """items.data.price.product (four levels) expands on a retrieve."""
    sub = subscribe(client, catalog)
    fetched = ok(
        client.get(
            f"/v1/subscriptions/{sub['id']}", params={"expand[]": "items.data.price.product"}
        )
    )
    assert fetched["items"]["data"][0]["price"]["product"]["id"] == catalog.product


def test_references_stay_ids_without_expand(client: httpx.Client, catalog: Catalog) -> None:
    """Without expand, customer and product are ids."""
    sub = subscribe(client, catalog)
    fetched = ok(client.get(f"/v1/subscriptions/{sub['id']}"))
    assert fetched["customer"] == catalog.customer
    assert fetched["items"]["data"][0]["price"]["product"] == catalog.product


def test_expand_on_retrieve_and_discounts(client: httpx.Client, catalog: Catalog) -> None:
    """expand[]=customer and expand[]=discounts work on retrieve."""
    coupon = ok(client.post("/v1/coupons", data={"amount_off": "500", "currency": "eur"}))
    sub = subscribe(client, catalog, **{"discounts[0][coupon]": coupon["id"]})
    fetched = ok(
        client.get(f"/v1/subscriptions/{sub['id']}", params={"expand[]": ["customer", "discounts"]})
    )
    assert fetched["customer"]["id"] == catalog.customer
    assert fetched["discounts"][0]["source"] == {"coupon": coupon["id"], "type": "coupon"}


def test_bad_expand_is_rejected(client: httpx.Client, catalog: Catalog) -> None:
    """Expanding a non-expandable property is a 400."""
    sub = subscribe(client, catalog)
    response = client.get(f"/v1/subscriptions/{sub['id']}", params={"expand[]": "status"})
    assert response.status_code == 400
    assert "cannot be expanded" in response.json()["error"]["message"]


def test_full_scan_of_bulk_loaded_subscriptions(
    client: httpx.Client, sandbox: StripeSandbox
) -> None:
    """A bulk load of 1,000 subscriptions is fully listed in pages of 100."""
    ok(client.post("/v1/customers", data={"name": "x"}))
    data = {
        "customers": [{"id": "cus_bulk"}],
        "products": [{"id": "prod_bulk", "name": "Bulk"}],
        "prices": [
            {
                "id": "price_bulk",
                "product": "prod_bulk",
                "currency": "usd",
                "unit_amount": 900,
                "recurring": {"interval": "month"},
            }
        ],
        "subscriptions": [
            {"customer": "cus_bulk", "items": [{"price": "price_bulk"}]} for _ in range(1000)
        ],
    }
    assert ok(client.post("/__sandbox/load", json=data))["loaded"]["subscriptions"] == 1000
    seen: set[str] = set()
    cursor = None
    pages = 0
    while True:
        params = {"limit": "100", "expand[]": "data.customer"}
        if cursor:
            params["starting_after"] = cursor
        page = ok(client.get("/v1/subscriptions", params=params))
        pages += 1
        seen |= {s["id"] for s in page["data"]}
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    assert (len(seen), pages) == (1000, 10)


def test_current_period_end_filter(client: httpx.Client, catalog: Catalog) -> None:
    """current_period_end[lte] selects subscriptions renewing before a date."""
    monthly = subscribe(client, catalog)
    yearly = ok(
        client.post(
            "/v1/subscriptions",
            data={"customer": catalog.customer, "items[0][price]": catalog.yearly_price},
        )
    )
    bound = monthly["items"]["data"][0]["current_period_end"]
    soon = ok(client.get("/v1/subscriptions", params={"current_period_end[lte]": str(bound)}))
    assert [s["id"] for s in soon["data"]] == [monthly["id"]]
    later = ok(client.get("/v1/subscriptions", params={"current_period_end[gt]": str(bound)}))
    assert [s["id"] for s in later["data"]] == [yearly["id"]]


def test_mistyped_expand_on_create_has_no_side_effect(
    client: httpx.Client, catalog: Catalog
) -> None:
    """An invalid expand on a create is rejected before anything is created."""
    response = client.post(
        "/v1/subscriptions",
        data={
            "customer": catalog.customer,
            "items[0][price]": catalog.price,
            "expand[]": "custmer",
        },
    )
    assert response.status_code == 400
    assert ok(client.get("/v1/subscriptions"))["data"] == []
