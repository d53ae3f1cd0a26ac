"""One-off charges: refused as subscription items, accepted as add_invoice_items."""

from __future__ import annotations

import httpx

from tests.sandbox.stripe.helpers import Catalog, Obj, ok, subscribe


def _one_time(client: httpx.Client, catalog: Catalog, amount: str = "4900") -> str:
    data = {"product": catalog.product, "currency": "eur", "unit_amount": amount}
    price_id: str = ok(client.post("/v1/prices", data=data))["id"]
    return price_id


def _invoice_items(client: httpx.Client, customer: str) -> list[Obj]:
    data: list[Obj] = ok(client.get("/v1/invoiceitems", params={"customer": customer}))["data"]
    return data


def test_one_time_price_cannot_be_an_added_item(client: httpx.Client, catalog: Catalog) -> None:
    """A one-time price is refused on an item added to an existing subscription."""
    sub = subscribe(client, catalog)
    response = client.post(
        "/v1/subscription_items",
        data={"subscription": sub["id"], "price": _one_time(client, catalog)},
    )
    assert response.status_code == 400
    assert "type=one_time" in response.json()["error"]["message"]


def test_add_invoice_items_are_not_items(client: httpx.Client, catalog: Catalog) -> None:
    """add_invoice_items leave the subscription's items alone and create a pending charge."""
    fee = _one_time(client, catalog)
    sub = subscribe(
        client,
        catalog,
        **{"add_invoice_items[0][price]": fee, "add_invoice_items[0][quantity]": "2"},
    )
    assert [it["price"]["id"] for it in sub["items"]["data"]] == [catalog.price]
    charges = _invoice_items(client, catalog.customer)
    assert len(charges) == 1
    charge = charges[0]
    assert charge["object"] == "invoiceitem"
    assert (charge["amount"], charge["quantity"], charge["currency"]) == (9800, 2, "eur")
    assert charge["pricing"]["price_details"] == {"price": fee, "product": catalog.product}
    assert charge["parent"]["subscription_details"]["subscription"] == sub["id"]
    assert charge["invoice"] is None
    assert ok(client.get(f"/v1/invoiceitems/{charge['id']}")) == charge


def test_add_invoice_items_refuse_recurring_prices(client: httpx.Client, catalog: Catalog) -> None:
    """A recurring price in add_invoice_items is refused, and nothing is created."""
    response = client.post(
        "/v1/subscriptions",
        data={
            "customer": catalog.customer,
            "items[0][price]": catalog.price,
            "add_invoice_items[0][price]": catalog.yearly_price,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "add_invoice_items[0][price]"
    assert ok(client.get("/v1/subscriptions"))["data"] == []


def test_add_invoice_items_with_price_data(client: httpx.Client, catalog: Catalog) -> None:
    """price_data makes an inactive one-time price for the charge, sub-cent amounts included."""
    subscribe(
        client,
        catalog,
        **{
            "add_invoice_items[0][price_data][currency]": "eur",
            "add_invoice_items[0][price_data][product]": catalog.product,
            "add_invoice_items[0][price_data][unit_amount_decimal]": "250.4",
            "add_invoice_items[0][quantity]": "3",
        },
    )
    charge = _invoice_items(client, catalog.customer)[0]
    assert charge["amount"] == 751
    assert charge["pricing"]["unit_amount_decimal"] == "250.4"
    price = ok(client.get(f"/v1/prices/{charge['pricing']['price_details']['price']}"))
    assert (price["active"], price["type"]) == (False, "one_time")


def test_add_invoice_items_on_update(client: httpx.Client, catalog: Catalog) -> None:
    """add_invoice_items on a subscription update adds a charge with its tax rates."""
    rate = ok(
        client.post(
            "/v1/tax_rates",
            data={"display_name": "VAT", "percentage": "19", "inclusive": "true"},
        )
    )["id"]
    sub = subscribe(client, catalog)
    ok(
        client.post(
            f"/v1/subscriptions/{sub['id']}",
            data={
                "add_invoice_items[0][price]": _one_time(client, catalog, "1000"),
                "add_invoice_items[0][tax_rates][0]": rate,
            },
        )
    )
    charge = _invoice_items(client, catalog.customer)[0]
    assert [t["id"] for t in charge["tax_rates"]] == [rate]
    assert charge["tax_rates"][0]["inclusive"] is True
