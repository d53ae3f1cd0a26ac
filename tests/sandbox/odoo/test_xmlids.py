"""External ids: env.ref, ir.model.data lookups, bulk load with references."""

from __future__ import annotations

from typing import Any

import httpx
import odoorpc
import pytest

from connector.sandbox.odoo import OdooSandbox


def test_env_ref_seeded_records(odoo: Any) -> None:
    """env.ref resolves Odoo's own external ids."""
    assert odoo.env.ref("base.EUR").name == "EUR"
    stage = odoo.env.ref("subscription_oca.subscription_stage_in_progress")
    assert stage.type == "in_progress"


def test_env_ref_unknown_raises(odoo: Any) -> None:
    """An unknown external id raises ValueError 'External ID not found'."""
    with pytest.raises(odoorpc.error.RPCError, match="External ID not found in the system"):
        odoo.env.ref("subsync.nothing_here")


def test_ir_model_data_search_read(odoo: Any) -> None:
    """ir.model.data is searchable by module and name, like _xmlid_to_res_id."""
    rows = odoo.env["ir.model.data"].search_read(
        [("module", "=", "base"), ("name", "in", ["fr", "de"])],
        ["complete_name", "model", "res_id"],
        order="name",
    )
    assert [r["complete_name"] for r in rows] == ["base.de", "base.fr"]
    assert all(r["model"] == "res.country" for r in rows)


def test_model_existence_check(odoo: Any) -> None:
    """'model in env' works through ir.model."""
    assert "sale.subscription" in odoo.env
    assert "no.such.model" not in odoo.env


def test_bulk_load_with_xmlid_references(odoo: Any, port: int) -> None:
    """/__sandbox/load creates records whose references are external ids."""
    payload = {"records": {
        "res.partner": [{"__xmlid": "subsync.partner_cus_1", "name": "Loaded",
                         "country_id": "base.fr"}],
        "sale.subscription": [{"__xmlid": "subsync.sub_1", "partner_id": "subsync.partner_cus_1",
                               "template_id": "sandbox.template_monthly",
                               "pricelist_id": "sandbox.pricelist_eur"}],
    }}  # fmt: skip
    response = httpx.post(f"http://127.0.0.1:{port}/__sandbox/load", json=payload)
    assert response.status_code == 200, response.text
    subscription = odoo.env.ref("subsync.sub_1")
    assert subscription.partner_id.name == "Loaded"
    assert subscription.partner_id.country_id.code == "FR"


def test_bulk_load_upserts_by_xmlid(sandbox: OdooSandbox) -> None:
    """Loading an existing external id again updates that record."""
    first = sandbox.load({"res.partner": [{"__xmlid": "subsync.p", "name": "v1"}]})
    second = sandbox.load({"res.partner": [{"__xmlid": "subsync.p", "name": "v2"}]})
    assert first == second
    (row,) = sandbox.database.read("res.partner", first["res.partner"], ["name"])
    assert row["name"] == "v2"


def test_unlink_removes_external_id(odoo: Any, sandbox: OdooSandbox) -> None:
    """Deleting a record deletes its ir.model.data entry."""
    ids = sandbox.load({"res.partner": [{"__xmlid": "subsync.tmp", "name": "tmp"}]})
    odoo.env["res.partner"].unlink(ids["res.partner"])
    with pytest.raises(odoorpc.error.RPCError):
        odoo.env.ref("subsync.tmp")


def test_creating_external_ids_over_rpc(odoo: Any) -> None:
    """A client can create ir.model.data rows; a duplicate module.name is refused."""
    partner = odoo.env["res.partner"].create({"name": "Mapped"})
    vals = {"module": "subsync", "name": "stripe_cus_42", "model": "res.partner",
            "res_id": partner}  # fmt: skip
    odoo.env["ir.model.data"].create(vals)
    assert odoo.env.ref("subsync.stripe_cus_42").id == partner
    with pytest.raises(odoorpc.error.RPCError, match="ir_model_data_module_name_uniq_index"):
        odoo.env["ir.model.data"].create(vals)
