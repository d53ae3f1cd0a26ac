"""Tiered, packaged, sub-cent, tax-inclusive and metered prices, and their opt-in tiers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from connector.sandbox.stripe import persistence
from connector.sandbox.stripe.catalog import create_price, create_product
from connector.sandbox.stripe.forms import decode_form
from connector.sandbox.stripe.state import StripeState
from tests.sandbox.stripe.helpers import Catalog, Obj, ok

GRADUATED = {
    "billing_scheme": "tiered",
    "tiers_mode": "graduated",
    "tiers[0][up_to]": "10",
    "tiers[0][unit_amount]": "1000",
    "tiers[0][flat_amount]": "500",
    "tiers[1][up_to]": "inf",
    "tiers[1][unit_amount_decimal]": "750.5",
}


def _price(client: httpx.Client, catalog: Catalog, **fields: str) -> httpx.Response:
    data = {
        "product": catalog.product,
        "currency": "eur",
        "recurring[interval]": "month",
        **fields,
    }
    return client.post("/v1/prices", data=data)


def _error(response: httpx.Response) -> Any:
    assert response.status_code == 400, response.text
    return response.json()["error"]


def test_tiered_price_hides_tiers_unless_expanded(client: httpx.Client, catalog: Catalog) -> None:
    """A tiered price has tiers_mode and no unit amount; tiers come only when expanded."""
    price = ok(_price(client, catalog, **GRADUATED))
    assert (price["billing_scheme"], price["tiers_mode"]) == ("tiered", "graduated")
    assert price["unit_amount"] is None
    assert price["unit_amount_decimal"] is None
    assert "tiers" not in price
    assert "tiers" not in ok(client.get(f"/v1/prices/{price['id']}"))


def test_expand_tiers_on_retrieve(client: httpx.Client, catalog: Catalog) -> None:
    """expand[]=tiers gives each tier's bound and integer and decimal amounts."""
    price = ok(_price(client, catalog, **GRADUATED))
    tiers = ok(client.get(f"/v1/prices/{price['id']}", params={"expand[]": "tiers"}))["tiers"]
    assert tiers == [
        {
            "flat_amount": 500,
            "flat_amount_decimal": "500",
            "unit_amount": 1000,
            "unit_amount_decimal": "1000",
            "up_to": 10,
        },
        {
            "flat_amount": None,
            "flat_amount_decimal": None,
            "unit_amount": None,
            "unit_amount_decimal": "750.5",
            "up_to": None,
        },
    ]


def test_expand_data_tiers_on_list(client: httpx.Client, catalog: Catalog) -> None:
    """expand[]=data.tiers on a price list: tiers for tiered prices, null for per-unit ones."""
    tiered = ok(_price(client, catalog, **GRADUATED))
    page = ok(client.get("/v1/prices", params={"expand[]": "data.tiers"}))
    by_id = {p["id"]: p for p in page["data"]}
    assert len(by_id[tiered["id"]]["tiers"]) == 2
    assert by_id[catalog.price]["tiers"] is None


def test_expand_item_price_tiers(client: httpx.Client, catalog: Catalog) -> None:
    """items.data.price.tiers and items.data.plan.tiers expand on a subscription."""
    price = ok(_price(client, catalog, **GRADUATED))
    sub = ok(
        client.post(
            "/v1/subscriptions",
            data={"customer": catalog.customer, "items[0][price]": price["id"]},
        )
    )
    fetched = ok(
        client.get(
            f"/v1/subscriptions/{sub['id']}",
            params={"expand[]": ["items.data.price.tiers", "items.data.plan.tiers"]},
        )
    )
    item = fetched["items"]["data"][0]
    assert item["price"]["tiers"][0]["up_to"] == 10
    assert item["plan"]["tiers"][1]["unit_amount_decimal"] == "750.5"
    assert item["plan"]["tiers_mode"] == "graduated"


def test_expand_plan_tiers_on_item_list(client: httpx.Client, catalog: Catalog) -> None:
    """data.plan.tiers expands on the subscription items list."""
    price = ok(_price(client, catalog, **{**GRADUATED, "tiers_mode": "volume"}))
    sub = ok(
        client.post(
            "/v1/subscriptions",
            data={"customer": catalog.customer, "items[0][price]": price["id"]},
        )
    )
    items = ok(
        client.get(
            "/v1/subscription_items",
            params={"subscription": sub["id"], "expand[]": "data.plan.tiers"},
        )
    )
    assert items["data"][0]["plan"]["tiers"][0]["flat_amount"] == 500


def test_plans_list_expands_tiers(client: httpx.Client, catalog: Catalog) -> None:
    """GET /v1/plans lists recurring prices as plans; data.tiers expands."""
    price = ok(_price(client, catalog, **GRADUATED))
    page = ok(client.get("/v1/plans", params={"expand[]": "data.tiers"}))
    plans = {p["id"]: p for p in page["data"]}
    assert plans[price["id"]]["object"] == "plan"
    assert plans[price["id"]]["tiers"][0]["unit_amount"] == 1000


def test_tiers_on_a_list_within_item_depth_is_refused(
    client: httpx.Client, catalog: Catalog
) -> None:
    """data.items.data.price.tiers is five levels: refused."""
    response = client.get("/v1/subscriptions", params={"expand[]": "data.items.data.price.tiers"})
    assert "levels" in _error(response)["message"]


def test_tiered_price_needs_tiers_mode(client: httpx.Client, catalog: Catalog) -> None:
    """billing_scheme=tiered without tiers_mode is parameter_missing."""
    fields = {k: v for k, v in GRADUATED.items() if k != "tiers_mode"}
    error = _error(_price(client, catalog, **fields))
    assert (error["code"], error["param"]) == ("parameter_missing", "tiers_mode")


def test_last_tier_must_be_inf(client: httpx.Client, catalog: Catalog) -> None:
    """The last tier's up_to must be inf."""
    fields = {**GRADUATED, "tiers[1][up_to]": "20"}
    assert _error(_price(client, catalog, **fields))["param"] == "tiers[1][up_to]"


def test_only_last_tier_may_be_inf(client: httpx.Client, catalog: Catalog) -> None:
    """An inf tier before the last is refused."""
    fields = {**GRADUATED, "tiers[0][up_to]": "inf"}
    assert _error(_price(client, catalog, **fields))["param"] == "tiers[0][up_to]"


def test_tiers_must_ascend(client: httpx.Client, catalog: Catalog) -> None:
    """Tier bounds must be strictly ascending."""
    fields = {
        **GRADUATED,
        "tiers[1][up_to]": "5",
        "tiers[2][up_to]": "inf",
        "tiers[2][unit_amount]": "100",
    }
    assert _error(_price(client, catalog, **fields))["param"] == "tiers[1][up_to]"


def test_tier_takes_one_form_of_an_amount(client: httpx.Client, catalog: Catalog) -> None:
    """unit_amount and unit_amount_decimal together on one tier are refused."""
    fields = {**GRADUATED, "tiers[0][unit_amount_decimal]": "1000"}
    assert "only specify one" in _error(_price(client, catalog, **fields))["message"]


def test_tiered_price_refuses_unit_amount(client: httpx.Client, catalog: Catalog) -> None:
    """A tiered price cannot also have unit_amount."""
    assert _error(_price(client, catalog, **GRADUATED, unit_amount="100"))["param"] == (
        "unit_amount"
    )


def test_tiers_need_tiered_scheme(client: httpx.Client, catalog: Catalog) -> None:
    """tiers_mode on a per-unit price is refused."""
    error = _error(_price(client, catalog, unit_amount="100", tiers_mode="volume"))
    assert error["param"] == "tiers_mode"


def test_tiered_price_must_be_recurring(client: httpx.Client, catalog: Catalog) -> None:
    """A one-time tiered price is refused."""
    data = {"product": catalog.product, "currency": "eur", **GRADUATED}
    assert _error(client.post("/v1/prices", data=data))["param"] == "billing_scheme"


def test_transform_quantity(client: httpx.Client, catalog: Catalog) -> None:
    """transform_quantity is stored on the price and shown as the plan's transform_usage."""
    price = ok(
        _price(
            client,
            catalog,
            unit_amount="900",
            **{"transform_quantity[divide_by]": "10", "transform_quantity[round]": "up"},
        )
    )
    assert price["transform_quantity"] == {"divide_by": 10, "round": "up"}
    plan = ok(client.get(f"/v1/plans/{price['id']}"))
    assert plan["transform_usage"] == {"divide_by": 10, "round": "up"}


def test_transform_quantity_needs_round(client: httpx.Client, catalog: Catalog) -> None:
    """transform_quantity without round is parameter_missing."""
    error = _error(
        _price(client, catalog, unit_amount="900", **{"transform_quantity[divide_by]": "10"})
    )
    assert error["param"] == "transform_quantity[round]"


def test_sub_cent_unit_amount_decimal(client: httpx.Client, catalog: Catalog) -> None:
    """A fractional unit_amount_decimal leaves unit_amount null; a whole one fills it."""
    fraction = ok(_price(client, catalog, unit_amount_decimal="0.350"))
    assert (fraction["unit_amount"], fraction["unit_amount_decimal"]) == (None, "0.35")
    whole = ok(_price(client, catalog, unit_amount_decimal="1200"))
    assert (whole["unit_amount"], whole["unit_amount_decimal"]) == (1200, "1200")


def test_unit_amount_decimal_precision_is_capped(client: httpx.Client, catalog: Catalog) -> None:
    """More than 12 decimal places are refused."""
    error = _error(_price(client, catalog, unit_amount_decimal="0.1234567890123"))
    assert error["param"] == "unit_amount_decimal"


def test_both_unit_amount_forms_are_refused(client: httpx.Client, catalog: Catalog) -> None:
    """unit_amount and unit_amount_decimal together are refused."""
    response = _price(client, catalog, unit_amount="100", unit_amount_decimal="100")
    assert "only specify one" in _error(response)["message"]


def test_tax_behavior_is_fixed_once_set(client: httpx.Client, catalog: Catalog) -> None:
    """An inclusive price keeps its tax_behavior; an unspecified one can be set once."""
    inclusive = ok(_price(client, catalog, unit_amount="1000", tax_behavior="inclusive"))
    assert inclusive["tax_behavior"] == "inclusive"
    refused = client.post(f"/v1/prices/{inclusive['id']}", data={"tax_behavior": "exclusive"})
    assert _error(refused)["param"] == "tax_behavior"
    updated = ok(client.post(f"/v1/prices/{catalog.price}", data={"tax_behavior": "exclusive"}))
    assert updated["tax_behavior"] == "exclusive"


def test_metered_price_names_its_meter(client: httpx.Client, catalog: Catalog) -> None:
    """A metered price needs recurring[meter] and shows usage_type and meter."""
    missing = _price(client, catalog, unit_amount="5", **{"recurring[usage_type]": "metered"})
    assert _error(missing)["param"] == "recurring[meter]"
    price = ok(
        _price(
            client,
            catalog,
            unit_amount="5",
            **{"recurring[usage_type]": "metered", "recurring[meter]": "mtr_123"},
        )
    )
    assert (price["recurring"]["usage_type"], price["recurring"]["meter"]) == (
        "metered",
        "mtr_123",
    )


def test_metered_item_has_no_quantity(client: httpx.Client, catalog: Catalog) -> None:
    """A metered item has no quantity, and a quantity for it is refused."""
    metered: Obj = ok(
        _price(
            client,
            catalog,
            unit_amount="5",
            **{"recurring[usage_type]": "metered", "recurring[meter]": "mtr_123"},
        )
    )
    base = {"customer": catalog.customer, "items[0][price]": metered["id"]}
    sub = ok(client.post("/v1/subscriptions", data=base))
    assert sub["items"]["data"][0]["quantity"] is None
    refused = client.post("/v1/subscriptions", data={**base, "items[0][quantity]": "2"})
    assert _error(refused)["param"] == "items[0][quantity]"


def test_tiers_survive_a_restart(tmp_path: Path) -> None:
    """Saved and reloaded state keeps a tiered price's tiers."""
    before = StripeState()
    product = create_product(before, {"name": "Seats"})
    params = {
        "product": product["id"],
        "currency": "usd",
        "recurring": {"interval": "month"},
        **decode_form(urlencode(GRADUATED)),
    }
    price = create_price(before, params)
    persistence.save(before, tmp_path / "state.db")
    after = StripeState()
    persistence.load(after, tmp_path / "state.db")
    assert after.price_tiers[price["id"]] == before.price_tiers[price["id"]]
    before.close()
    after.close()
