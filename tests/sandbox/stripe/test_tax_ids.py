"""Customers' tax ids: the nested endpoints, tax_id_data on create, and opt-in expansion."""

from __future__ import annotations

from pathlib import Path

import httpx

from connector.sandbox.stripe import StripeSandbox, persistence
from connector.sandbox.stripe.catalog import create_customer
from connector.sandbox.stripe.state import StripeState
from connector.sandbox.stripe.tax_ids import tax_ids_list
from tests.sandbox.stripe.helpers import Catalog, Obj, ok, subscribe


def _add(client: httpx.Client, customer: str, kind: str, value: str) -> Obj:
    return ok(client.post(f"/v1/customers/{customer}/tax_ids", data={"type": kind, "value": value}))


def test_create_tax_id(client: httpx.Client, catalog: Catalog) -> None:
    """POST /v1/customers/{id}/tax_ids stores the id with its country and owner."""
    tax_id = _add(client, catalog.customer, "eu_vat", "FR40303265045")
    assert tax_id["object"] == "tax_id"
    assert tax_id["id"].startswith("txi_")
    assert (tax_id["type"], tax_id["value"], tax_id["country"]) == (
        "eu_vat",
        "FR40303265045",
        "FR",
    )
    assert tax_id["owner"] == {
        "customer": catalog.customer,
        "customer_account": None,
        "type": "customer",
    }
    assert tax_id["verification"]["status"] == "pending"


def test_greek_vat_is_greece(client: httpx.Client, catalog: Catalog) -> None:
    """An EL-prefixed EU VAT number belongs to Greece (GR)."""
    assert _add(client, catalog.customer, "eu_vat", "EL123456789")["country"] == "GR"


def test_malformed_eu_vat_is_refused(client: httpx.Client, catalog: Catalog) -> None:
    """An EU VAT number without a member-state prefix is a 400 on value."""
    response = client.post(
        f"/v1/customers/{catalog.customer}/tax_ids",
        data={"type": "eu_vat", "value": "US123456789"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "value"


def test_unknown_type_is_refused(client: httpx.Client, catalog: Catalog) -> None:
    """A type Stripe does not know is a 400 on type."""
    response = client.post(
        f"/v1/customers/{catalog.customer}/tax_ids", data={"type": "xx_vat", "value": "1"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "type"


def test_list_retrieve_and_delete(client: httpx.Client, catalog: Catalog) -> None:
    """Tax ids are listed newest first, retrievable, and deleted with a tombstone."""
    first = _add(client, catalog.customer, "eu_vat", "DE123456789")
    second = _add(client, catalog.customer, "us_ein", "12-3456789")
    listed = ok(client.get(f"/v1/customers/{catalog.customer}/tax_ids"))
    assert [t["id"] for t in listed["data"]] == [second["id"], first["id"]]
    assert listed["url"] == f"/v1/customers/{catalog.customer}/tax_ids"
    path = f"/v1/customers/{catalog.customer}/tax_ids/{first['id']}"
    assert ok(client.get(path)) == first
    assert ok(client.delete(path)) == {"id": first["id"], "object": "tax_id", "deleted": True}
    assert client.get(path).status_code == 404
    remaining = ok(client.get(f"/v1/customers/{catalog.customer}/tax_ids"))["data"]
    assert [t["id"] for t in remaining] == [second["id"]]


def test_other_customers_tax_id_is_missing(client: httpx.Client, catalog: Catalog) -> None:
    """A tax id is reachable only under its own customer."""
    tax_id = _add(client, catalog.customer, "eu_vat", "DE123456789")
    other = ok(client.post("/v1/customers", data={"email": "b@example.com"}))["id"]
    assert client.get(f"/v1/customers/{other}/tax_ids/{tax_id['id']}").status_code == 404


def test_tax_id_data_on_customer_create(client: httpx.Client) -> None:
    """tax_id_data[] on customer create adds the tax ids."""
    customer = ok(
        client.post(
            "/v1/customers",
            data={"tax_id_data[0][type]": "eu_vat", "tax_id_data[0][value]": "DE123456789"},
        )
    )
    listed = ok(client.get(f"/v1/customers/{customer['id']}/tax_ids"))["data"]
    assert [(t["type"], t["value"]) for t in listed] == [("eu_vat", "DE123456789")]


def test_bad_tax_id_data_creates_no_customer(client: httpx.Client) -> None:
    """An invalid tax_id_data entry refuses the create before any customer exists."""
    response = client.post(
        "/v1/customers",
        data={
            "email": "x@example.com",
            "tax_id_data[0][type]": "eu_vat",
            "tax_id_data[0][value]": "nonsense",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "tax_id_data[0][value]"
    assert ok(client.get("/v1/customers"))["data"] == []


def test_customer_has_no_tax_ids_unless_expanded(client: httpx.Client, catalog: Catalog) -> None:
    """A customer carries tax_ids only with expand[]=tax_ids."""
    tax_id = _add(client, catalog.customer, "eu_vat", "DE123456789")
    plain = ok(client.get(f"/v1/customers/{catalog.customer}"))
    assert "tax_ids" not in plain
    expanded = ok(client.get(f"/v1/customers/{catalog.customer}", params={"expand[]": "tax_ids"}))
    assert expanded["tax_ids"]["object"] == "list"
    assert [t["id"] for t in expanded["tax_ids"]["data"]] == [tax_id["id"]]


def test_subscription_expands_customer_tax_ids(client: httpx.Client, catalog: Catalog) -> None:
    """expand[]=customer.tax_ids on a subscription inlines the customer's tax ids."""
    _add(client, catalog.customer, "eu_vat", "DE123456789")
    sub = subscribe(client, catalog)
    fetched = ok(
        client.get(f"/v1/subscriptions/{sub['id']}", params={"expand[]": "customer.tax_ids"})
    )
    assert fetched["customer"]["tax_ids"]["data"][0]["value"] == "DE123456789"


def test_list_expands_customer_tax_ids(client: httpx.Client, catalog: Catalog) -> None:
    """data.customer.tax_ids on a subscription list inlines each customer's tax ids."""
    _add(client, catalog.customer, "gb_vat", "GB123456789")
    subscribe(client, catalog)
    page = ok(client.get("/v1/subscriptions", params={"expand[]": "data.customer.tax_ids"}))
    assert page["data"][0]["customer"]["tax_ids"]["data"][0]["country"] == "GB"


def test_tax_ids_expand_only_on_customers(client: httpx.Client, catalog: Catalog) -> None:
    """expand[]=tax_ids on an object that is not a customer is refused."""
    sub = subscribe(client, catalog)
    response = client.get(f"/v1/subscriptions/{sub['id']}", params={"expand[]": "tax_ids"})
    assert response.status_code == 400


def test_tax_id_events(client: httpx.Client, catalog: Catalog) -> None:
    """Creating and deleting a tax id emit customer.tax_id.created and .deleted."""
    tax_id = _add(client, catalog.customer, "eu_vat", "DE123456789")
    client.delete(f"/v1/customers/{catalog.customer}/tax_ids/{tax_id['id']}")
    types = [e["type"] for e in ok(client.get("/v1/events"))["data"]]
    assert types[:2] == ["customer.tax_id.deleted", "customer.tax_id.created"]


def test_deleted_customer_takes_its_tax_ids(
    client: httpx.Client, catalog: Catalog, sandbox: StripeSandbox
) -> None:
    """Deleting a customer removes its tax ids."""
    tax_id = _add(client, catalog.customer, "eu_vat", "DE123456789")
    ok(client.delete(f"/v1/customers/{catalog.customer}"))
    assert tax_id["id"] not in sandbox.state.tax_ids


def test_tax_ids_survive_a_restart(tmp_path: Path) -> None:
    """Saved and reloaded state keeps each customer's tax ids."""
    before = StripeState()
    customer = create_customer(
        before, {"tax_id_data": [{"type": "eu_vat", "value": "NL123456789B01"}]}
    )
    persistence.save(before, tmp_path / "state.db")
    after = StripeState()
    persistence.load(after, tmp_path / "state.db")
    restored = tax_ids_list(after, customer["id"])["data"]
    assert [t["value"] for t in restored] == ["NL123456789B01"]
    before.close()
    after.close()
