"""Reading subscriptions by key: found, gone (404 resource_missing), or unreadable."""

from __future__ import annotations

import threading

import httpx
import respx

from adapters.stripe import StripeSource
from adapters.stripe.expansions import retrieve_expansions
from tests.adapters.stripe import payloads as p
from tests.adapters.stripe.conftest import FakeTime, make_source


def missing(object_id: str) -> httpx.Response:
    body = {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "param": "id",
            "message": f"No such subscription: '{object_id}'",
        }
    }
    return httpx.Response(404, json=body)


def test_found_missing_and_errors(api: respx.MockRouter, source: StripeSource) -> None:
    product = p.product("prod_pro", "Pro")
    expanded = p.price(product_ref=product)
    found = api.get("/v1/subscriptions/sub_a").mock(
        return_value=httpx.Response(
            200, json=p.subscription("sub_a", items=[p.item(price_obj=expanded)])
        )
    )
    api.get("/v1/subscriptions/sub_gone").mock(return_value=missing("sub_gone"))
    api.get("/v1/subscriptions/sub_bad").mock(
        return_value=httpx.Response(
            200,
            json=p.subscription("sub_bad", status="weird", items=[p.item(price_obj=expanded)]),
        )
    )
    api.get("/v1/subscriptions/sub_refused").mock(
        return_value=httpx.Response(
            400, json={"error": {"type": "invalid_request_error", "message": "nope"}}
        )
    )
    read = source.get(["sub_a", "sub_gone", "sub_bad", "sub_refused", "sub_a"])
    assert list(read.found) == ["sub_a"]
    assert read.found["sub_a"].items[0].product_name == "Pro"
    assert read.missing == frozenset({"sub_gone"})
    assert read.errors["sub_bad"].reason == "status: unknown status 'weird'"
    assert read.errors["sub_refused"].reason == "HTTP 400 invalid_request_error: nope"
    assert found.call_count == 1  # duplicates read once
    assert found.calls[0].request.url.params.get_list("expand[]") == list(retrieve_expansions(True))
    assert all(len(path.split(".")) <= 4 for path in retrieve_expansions(True))
    assert source.calls.by_label == {"get subscription": 4}


def test_ids_are_escaped_in_the_path(api: respx.MockRouter, source: StripeSource) -> None:
    route = api.get(url__regex=r".*/v1/subscriptions/.+").mock(return_value=missing("x"))
    read = source.get(["sub_1/../../v1/customers"])
    assert read.missing == frozenset({"sub_1/../../v1/customers"})
    assert route.calls[0].request.url.raw_path.startswith(b"/v1/subscriptions/sub_1%2F..%2F")


def test_no_keys_no_calls(source: StripeSource) -> None:
    read = source.get([])
    assert (dict(read.found), dict(read.errors), read.missing) == ({}, {}, frozenset())
    assert source.calls.total() == 0


def test_keys_are_retrieved_side_by_side_in_order(
    api: respx.MockRouter, fake_time: FakeTime
) -> None:
    # Four retrieves must be in flight at once, or the barrier breaks and the call fails.
    together = threading.Barrier(4, timeout=10)

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.url.path.rsplit("/", 1)[-1]
        together.wait()
        return httpx.Response(200, json=p.subscription(key, items=[p.item()]))

    api.get(url__regex=r".*/v1/subscriptions/.+").mock(side_effect=answer)
    products = api.get("/v1/products").mock(
        return_value=httpx.Response(200, json=p.listing([p.product()]))
    )
    keys = [f"sub_{n}" for n in range(8)]
    with make_source(fake_time, read_concurrency=4) as source:
        read = source.get(keys)
    assert list(read.found) == keys
    assert source.calls.by_label["get subscription"] == 8
    assert products.call_count == 1


def test_a_coupon_read_once_serves_the_next_runs_while_remembered(
    api: respx.MockRouter, fake_time: FakeTime
) -> None:
    coupon = api.get("/v1/coupons/LOYAL").mock(return_value=httpx.Response(200, json=p.coupon()))
    api.get("/v1/products").mock(return_value=httpx.Response(200, json=p.listing([p.product()])))
    with_coupon = p.subscription(
        "sub_c", items=[p.item(discounts=[p.discount(coupon_ref="LOYAL")])]
    )
    api.get("/v1/subscriptions/sub_c").mock(return_value=httpx.Response(200, json=with_coupon))
    with make_source(fake_time) as source:
        for _run in range(3):
            assert list(source.get(["sub_c"]).found) == ["sub_c"]
    assert coupon.call_count == 1
    with make_source(fake_time, coupon_cache_seconds=0) as forgetful:
        for _run in range(2):
            assert list(forgetful.get(["sub_c"]).found) == ["sub_c"]
    assert coupon.call_count == 3
