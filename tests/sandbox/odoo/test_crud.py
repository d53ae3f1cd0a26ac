"""res.partner CRUD through odoorpc's model proxies and records."""

from __future__ import annotations

from typing import Any

import httpx
import odoorpc
import pytest

from connector.sandbox.odoo import OdooSandbox
from tests.sandbox.odoo.conftest import PASSWORD, rpc_error_name


def test_create_and_search_read(odoo: Any) -> None:
    """A created partner is found by search_read with the requested fields only."""
    partners = odoo.env["res.partner"]
    new_id = partners.create({"name": "ACME", "email": "ops@acme.test", "ref": "CUS-1"})
    rows = partners.search_read([("ref", "=", "CUS-1")], ["name", "email"])
    assert rows == [{"id": new_id, "name": "ACME", "email": "ops@acme.test"}]


def test_multi_create_returns_ids(odoo: Any) -> None:
    """create() with a list of dicts returns the list of new ids, increasing."""
    ids = odoo.env["res.partner"].create([{"name": f"P{i}"} for i in range(3)])
    assert isinstance(ids, list)
    assert len(ids) == 3
    assert ids == sorted(ids)


def test_read_many2one_and_empty_values(odoo: Any) -> None:
    """Many2one reads as [id, name]; unset char and many2one read as False."""
    partners = odoo.env["res.partner"]
    fr = odoo.env.ref("base.fr").id
    new_id = partners.create({"name": "Dupont", "country_id": fr})
    (row,) = partners.read([new_id], ["country_id", "vat", "parent_id", "customer_rank"])
    assert row["country_id"] == [fr, "France"]
    assert row["vat"] is False
    assert row["parent_id"] is False
    assert row["customer_rank"] == 0


def test_browse_attribute_read_and_write(odoo: Any) -> None:
    """Record attributes read from and write back to the server."""
    partners = odoo.env["res.partner"]
    record = partners.browse(partners.create({"name": "Old"}))
    record.name = "New"
    record.country_id = odoo.env.ref("base.de")
    assert partners.read([record.id], ["name"])[0]["name"] == "New"
    assert partners.browse(record.id).country_id.code == "DE"


def test_write_many_ids(odoo: Any) -> None:
    """write() applies one set of values to several records."""
    partners = odoo.env["res.partner"]
    ids = partners.create([{"name": "A"}, {"name": "B"}])
    assert partners.write(ids, {"customer_rank": 1}) is True
    assert {r["customer_rank"] for r in partners.read(ids, ["customer_rank"])} == {1}


def test_unlink(odoo: Any) -> None:
    """unlink() deletes records, later reads skip them."""
    partners = odoo.env["res.partner"]
    new_id = partners.create({"name": "Gone"})
    assert partners.unlink([new_id]) is True
    assert partners.read([new_id], ["name"]) == []
    assert partners.search([("id", "=", new_id)]) == []


def test_write_missing_record_is_missing_error(odoo: Any) -> None:
    """Writing a deleted id raises odoo.exceptions.MissingError."""
    with pytest.raises(odoorpc.error.RPCError, match="Record does not exist") as caught:
        odoo.env["res.partner"].write([999999], {"name": "x"})
    assert rpc_error_name(caught.value) == "odoo.exceptions.MissingError"


def test_search_order_limit_offset_count(odoo: Any) -> None:
    """search honours order, offset and limit; search_count counts."""
    partners = odoo.env["res.partner"]
    partners.create([{"name": n, "ref": "ORD"} for n in ("b", "c", "a")])
    domain = [("ref", "=", "ORD")]
    names = [r["name"] for r in partners.search_read(domain, ["name"], order="name desc")]
    assert names == ["c", "b", "a"]
    page = partners.search_read(domain, ["name"], order="name", offset=1, limit=1)
    assert [r["name"] for r in page] == ["b"]
    assert partners.search_count(domain) == 3


def test_fields_get_shape(odoo: Any) -> None:
    """fields_get describes fields as Odoo does, with an attributes filter."""
    desc = odoo.env["sale.subscription"].fields_get(["pricelist_id", "stage_id"])
    assert desc["pricelist_id"]["type"] == "many2one"
    assert desc["pricelist_id"]["relation"] == "product.pricelist"
    assert desc["pricelist_id"]["required"] is True
    small = odoo.env["sale.subscription"].fields_get(attributes=["type", "string"])
    assert small["recurring_total"] == {"type": "monetary", "string": "Recurring price"}


def test_unknown_model_is_user_error(odoo: Any) -> None:
    """Calling a model that does not exist fails as Odoo 17 reports it."""
    with pytest.raises(odoorpc.error.RPCError, match=r"Object no\.such\.model doesn't exist"):
        odoo.execute_kw("no.such.model", "search", [[]])


def test_unknown_and_private_methods(odoo: Any) -> None:
    """Unknown methods raise AttributeError; private ones AccessError."""
    with pytest.raises(odoorpc.error.RPCError) as unknown:
        odoo.execute_kw("res.partner", "frobnicate", [[]])
    assert rpc_error_name(unknown.value) == "builtins.AttributeError"
    with pytest.raises(odoorpc.error.RPCError) as private:
        odoo.execute_kw("res.partner", "_compute_x", [[]])
    assert rpc_error_name(private.value) == "odoo.exceptions.AccessError"


def test_unexpected_keyword_is_type_error(odoo: Any) -> None:
    """A wrong keyword argument fails with Python's TypeError text."""
    with pytest.raises(odoorpc.error.RPCError, match="unexpected keyword argument 'limt'"):
        odoo.execute_kw("res.partner", "search", [[]], {"limt": 1})


def test_unlink_record_required_elsewhere_is_refused(odoo: Any) -> None:
    """Deleting a partner a subscription requires fails with the foreign-key message."""
    partner = odoo.env["res.partner"].create({"name": "Sub owner"})
    odoo.env["sale.subscription"].create(
        {"partner_id": partner, "template_id": 1, "pricelist_id": 1}
    )
    with pytest.raises(odoorpc.error.RPCError, match="another model requires") as caught:
        odoo.env["res.partner"].unlink([partner])
    assert rpc_error_name(caught.value) == "odoo.exceptions.ValidationError"


def test_failed_call_leaves_no_trace(odoo: Any, sandbox: OdooSandbox) -> None:
    """A multi-create failing on its second record creates nothing (one transaction)."""
    before = sandbox.counts()["res.partner"]
    with pytest.raises(odoorpc.error.RPCError):
        odoo.env["res.partner"].create([{"name": "ok"}, {"name": "bad", "country_id": 99999}])
    assert sandbox.counts()["res.partner"] == before


def test_name_get_and_default_get(odoo: Any) -> None:
    """name_get returns [id, display_name]; default_get gives field defaults."""
    partners = odoo.env["res.partner"]
    new_id = partners.create({"name": "Named"})
    assert partners.name_get([new_id]) == [[new_id, "Named"]]
    assert partners.default_get(["active", "is_company"]) == {"active": True, "is_company": False}


def test_product_variant_creates_template(odoo: Any) -> None:
    """Creating a product.product creates its template; name is read through it."""
    product_id = odoo.env["product.product"].create(
        {"name": "Gold plan", "default_code": "GOLD", "type": "service", "list_price": 9.5}
    )
    (row,) = odoo.env["product.product"].read(
        [product_id], ["name", "display_name", "product_tmpl_id", "list_price", "type"]
    )
    assert row["display_name"] == "[GOLD] Gold plan"
    assert row["list_price"] == 9.5
    assert row["type"] == "service"
    assert (
        odoo.env["product.template"].read([row["product_tmpl_id"][0]], ["name"])[0]["name"]
        == "Gold plan"
    )


def test_search_count_keyword_is_gone_in_17(odoo: Any) -> None:
    """Odoo 17 removed search(count=True); search_count is the way to count."""
    with pytest.raises(odoorpc.error.RPCError, match="unexpected keyword argument 'count'"):
        odoo.env["res.partner"].search([], count=True)


def test_error_body_shape(port: int) -> None:
    """Errors come back with HTTP 200 in Odoo's JSON-RPC error shape."""
    call = ["subsync", 2, PASSWORD, "res.partner", "write", [[999999], {}]]
    params = {"service": "object", "method": "execute_kw", "args": call}
    request = {"jsonrpc": "2.0", "method": "call", "id": 42, "params": params}
    response = httpx.post(f"http://127.0.0.1:{port}/jsonrpc", json=request)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == 42
    assert body["jsonrpc"] == "2.0"
    error = body["error"]
    assert (error["code"], error["message"]) == (200, "Odoo Server Error")
    assert set(error["data"]) == {"name", "debug", "message", "arguments", "context"}
    assert error["data"]["debug"].startswith("Traceback (most recent call last):")


def test_order_by_many2one_uses_target_name(odoo: Any) -> None:
    """Ordering by a many2one sorts by the linked record's name, not its id."""
    partners = odoo.env["res.partner"]
    germany, france = odoo.env.ref("base.de").id, odoo.env.ref("base.fr").id
    assert germany < france
    partners.create([{"name": "in DE", "ref": "M2O", "country_id": germany},
                     {"name": "in FR", "ref": "M2O", "country_id": france}])  # fmt: skip
    rows = partners.search_read([("ref", "=", "M2O")], ["name"], order="country_id")
    assert [r["name"] for r in rows] == ["in FR", "in DE"]


def test_product_template_creates_its_variant(odoo: Any) -> None:
    """Creating a product.template creates exactly one product.product."""
    template = odoo.env["product.template"].create({"name": "Support", "type": "service"})
    variants = odoo.env["product.product"].search([("product_tmpl_id", "=", template)])
    assert len(variants) == 1
    (row,) = odoo.env["product.template"].read([template], ["product_variant_ids"])
    assert row["product_variant_ids"] == variants
