"""Fixed-amount coupons in several currencies: currency_options, opt-in, and applicability."""

from __future__ import annotations

import httpx

from tests.sandbox.stripe.helpers import Catalog, ok

EUR_CREDIT = {
    "amount_off": "1000",
    "currency": "eur",
    "duration": "forever",
    "currency_options[usd][amount_off]": "1100",
    "currency_options[jpy][amount_off]": "1500",
}


def _usd_price(client: httpx.Client, catalog: Catalog) -> str:
    data = {
        "product": catalog.product,
        "currency": "usd",
        "unit_amount": "2000",
        "recurring[interval]": "month",
    }
    price_id: str = ok(client.post("/v1/prices", data=data))["id"]
    return price_id


def test_currency_options_only_when_expanded(client: httpx.Client) -> None:
    """A coupon shows currency_options only with expand[]=currency_options."""
    coupon = ok(client.post("/v1/coupons", data=EUR_CREDIT))
    assert "currency_options" not in coupon
    expanded = ok(
        client.get(f"/v1/coupons/{coupon['id']}", params={"expand[]": "currency_options"})
    )
    assert expanded["currency_options"] == {
        "usd": {"amount_off": 1100},
        "jpy": {"amount_off": 1500},
    }


def test_currency_options_need_amount_off(client: httpx.Client) -> None:
    """A percentage coupon cannot take currency_options."""
    response = client.post(
        "/v1/coupons",
        data={
            "percent_off": "10",
            "duration": "once",
            "currency_options[usd][amount_off]": "100",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "currency_options"


def test_coupon_applies_through_a_currency_option(client: httpx.Client, catalog: Catalog) -> None:
    """A EUR coupon with a USD option discounts a USD subscription."""
    coupon = ok(client.post("/v1/coupons", data=EUR_CREDIT))["id"]
    sub = ok(
        client.post(
            "/v1/subscriptions",
            data={
                "customer": catalog.customer,
                "items[0][price]": _usd_price(client, catalog),
                "discounts[0][coupon]": coupon,
            },
        )
    )
    assert len(sub["discounts"]) == 1


def test_coupon_without_the_currency_is_refused(client: httpx.Client, catalog: Catalog) -> None:
    """A EUR-only fixed coupon on a USD subscription (or item) is refused."""
    coupon = ok(
        client.post(
            "/v1/coupons", data={"amount_off": "500", "currency": "eur", "duration": "once"}
        )
    )["id"]
    response = client.post(
        "/v1/subscriptions",
        data={
            "customer": catalog.customer,
            "items[0][price]": _usd_price(client, catalog),
            "items[0][discounts][0][coupon]": coupon,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "items[0][discounts][0][coupon]"


def test_update_adds_currency_options(client: httpx.Client) -> None:
    """currency_options on a coupon update add currencies to the existing ones."""
    coupon = ok(client.post("/v1/coupons", data=EUR_CREDIT))["id"]
    ok(client.post(f"/v1/coupons/{coupon}", data={"currency_options[gbp][amount_off]": "900"}))
    expanded = ok(client.get(f"/v1/coupons/{coupon}", params={"expand[]": "currency_options"}))
    assert set(expanded["currency_options"]) == {"usd", "jpy", "gbp"}
