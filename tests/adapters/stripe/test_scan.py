"""Full scans: paging, expansions, one call per page, catalogue look-ups, record errors."""

from __future__ import annotations

import httpx
import respx

from adapters.stripe import StripeSource
from adapters.stripe.expansions import list_expansions
from tests.adapters.stripe import payloads as p
from tests.adapters.stripe.conftest import API_KEY, FakeTime, make_source


def subs(start: int, count: int) -> list[p.Obj]:
    return [
        p.subscription(f"sub_{n:04d}", customer_obj=p.customer(f"cus_{n}"))
        for n in range(start, start + count)
    ]


def products_route(api: respx.MockRouter) -> respx.Route:
    return api.get("/v1/products").mock(
        return_value=httpx.Response(200, json=p.listing([p.product()], url="/v1/products"))
    )


def test_pages_follow_has_more_with_starting_after(
    api: respx.MockRouter, source: StripeSource
) -> None:
    products_route(api)
    route = api.get("/v1/subscriptions").mock(
        side_effect=[
            httpx.Response(200, json=p.listing(subs(0, 100), has_more=True)),
            httpx.Response(200, json=p.listing(subs(100, 100), has_more=True)),
            httpx.Response(200, json=p.listing(subs(200, 50), has_more=False)),
        ]
    )
    pages = list(source.scan())
    assert [len(page.subscriptions) for page in pages] == [100, 100, 50]
    assert all(not page.errors for page in pages)
    assert route.call_count == 3
    params = [call.request.url.params for call in route.calls]
    assert [q.get("starting_after") for q in params] == [None, "sub_0099", "sub_0199"]
    assert all(q.get("status") == "all" and q.get("limit") == "100" for q in params)
    assert source.calls.by_label == {"list subscriptions": 3, "list products": 1}


def test_every_expansion_is_requested_and_within_four_levels(
    api: respx.MockRouter, source: StripeSource
) -> None:
    products_route(api)
    route = api.get("/v1/subscriptions").mock(
        return_value=httpx.Response(200, json=p.listing(subs(0, 1)))
    )
    list(source.scan())
    expand = route.calls[0].request.url.params.get_list("expand[]")
    assert expand == list(list_expansions(True))
    assert {"data.customer", "data.discounts", "data.discounts.source.coupon"} <= set(expand)
    # Stripe counts ``data`` as a level: https://docs.stripe.com/api/expanding_objects
    assert all(len(path.split(".")) <= 4 for path in expand)


def test_tax_ids_expansion_when_enabled(api: respx.MockRouter, fake_time: FakeTime) -> None:
    products_route(api)
    route = api.get("/v1/subscriptions").mock(
        return_value=httpx.Response(200, json=p.listing(subs(0, 1)))
    )
    with make_source(fake_time, expand_customer_tax_ids=True) as source:
        list(source.scan())
    assert "data.customer.tax_ids" in route.calls[0].request.url.params.get_list("expand[]")


def test_headers_pin_the_version_and_carry_the_key(
    api: respx.MockRouter, source: StripeSource
) -> None:
    products_route(api)
    route = api.get("/v1/subscriptions").mock(return_value=httpx.Response(200, json=p.listing([])))
    assert [page.subscriptions for page in source.scan()] == [[]]
    request = route.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Stripe-Version"] == "2026-10-28.endive"


def test_products_are_fetched_once_per_scan_by_ids(
    api: respx.MockRouter, source: StripeSource
) -> None:
    products = products_route(api)
    api.get("/v1/subscriptions").mock(
        side_effect=[
            httpx.Response(200, json=p.listing(subs(0, 100), has_more=True)),
            httpx.Response(200, json=p.listing(subs(100, 100))),
        ]
    )
    pages = list(source.scan())
    assert pages[1].subscriptions[0].items[0].product_name == "Pro"
    assert products.call_count == 1
    assert products.calls[0].request.url.params.get_list("ids[]") == ["prod_pro"]


def test_item_coupons_are_fetched_once_by_id(api: respx.MockRouter, source: StripeSource) -> None:
    products_route(api)
    coupon = api.get("/v1/coupons/LOYAL").mock(return_value=httpx.Response(200, json=p.coupon()))
    with_item_coupon = [
        p.subscription(f"sub_{n}", items=[p.item(discounts=[p.discount(coupon_ref="LOYAL")])])
        for n in range(3)
    ]
    api.get("/v1/subscriptions").mock(
        return_value=httpx.Response(200, json=p.listing(with_item_coupon))
    )
    (page,) = source.scan()
    assert len(page.subscriptions) == 3
    assert coupon.call_count == 1


def test_a_bad_record_is_reported_and_the_page_goes_on(
    api: respx.MockRouter, source: StripeSource
) -> None:
    products_route(api)
    bad = p.subscription("sub_bad", items=[p.item(price_obj={**p.price(), "unit_amount": "12"})])
    api.get("/v1/subscriptions").mock(
        return_value=httpx.Response(200, json=p.listing([*subs(0, 2), bad, *subs(2, 1)]))
    )
    (page,) = source.scan()
    assert [s.id for s in page.subscriptions] == ["sub_0000", "sub_0001", "sub_0002"]
    (error,) = page.errors
    assert error.key == "sub_bad"
    assert error.reason == "items.data[0].price.unit_amount: expected an integer, got str '12'"


def test_tiered_prices_are_read_once_each_with_their_tiers(
    api: respx.MockRouter, source: StripeSource
) -> None:
    """Listed tiered prices come without tiers (past the expansion limit): each distinct one
    is read once with expand[]=tiers, for the whole scan."""
    products_route(api)
    tiered = p.price("price_seats", unit_amount=None, billing_scheme="tiered", tiers_mode="volume")
    tiers = [{"up_to": None, "unit_amount": 500, "flat_amount": None}]
    page = [
        p.subscription(
            f"sub_{n:04d}",
            customer_obj=p.customer(f"cus_{n}"),
            items=[p.item(price_obj=tiered, quantity=n)],
        )
        for n in range(1, 4)
    ]
    api.get("/v1/subscriptions").mock(
        side_effect=[
            httpx.Response(200, json=p.listing(page[:2], has_more=True)),
            httpx.Response(200, json=p.listing(page[2:], has_more=False)),
        ]
    )
    price_route = api.get("/v1/prices/price_seats").mock(
        return_value=httpx.Response(200, json={**tiered, "tiers": tiers})
    )
    pages = list(source.scan())
    found = [sub for page_ in pages for sub in page_.subscriptions]
    assert [str(sub.mrr) for sub in found] == ["5.00 EUR", "10.00 EUR", "15.00 EUR"]
    assert price_route.call_count == 1
    assert price_route.calls[0].request.url.params.get_list("expand[]") == ["tiers"]
