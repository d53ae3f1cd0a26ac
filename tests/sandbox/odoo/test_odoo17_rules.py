"""Odoo 17 behaviours a sync connector runs into, through the unmodified odoorpc client."""

from __future__ import annotations

from typing import Any

import odoorpc
import pytest

from tests.sandbox.odoo.conftest import rpc_error_name


def test_products_get_the_company_sales_tax_unless_told_otherwise(odoo: Any) -> None:
    """A product created without taxes gets the company's default sales tax (15 %); one
    created with an explicitly empty list has none."""
    products = odoo.env["product.product"]
    taxed = products.browse(products.create({"name": "Seat", "default_code": "SEAT"}))
    untaxed = products.browse(
        products.create({"name": "Pack", "default_code": "PACK", "taxes_id": [(6, 0, [])]})
    )
    assert [tax.amount for tax in taxed.taxes_id] == [15.0]
    assert list(untaxed.taxes_id) == []


def test_only_one_closed_stage_may_exist(odoo: Any) -> None:
    """subscription_oca refuses a second closed-type stage, and nothing is created."""
    stages = odoo.env["sale.subscription.stage"]
    before = stages.search_count([])
    with pytest.raises(odoorpc.error.RPCError) as refused:
        stages.create({"name": "Ended", "type": "post"})
    assert rpc_error_name(refused.value) == "odoo.exceptions.ValidationError"
    assert "There is already a Closed-type stage declared" in str(refused.value)
    assert stages.search_count([]) == before
    paused = stages.create({"name": "Paused", "type": "pre", "sequence": -1})
    with pytest.raises(odoorpc.error.RPCError):
        odoo.execute_kw("sale.subscription.stage", "write", [[paused], {"type": "post"}])
    (row,) = odoo.execute_kw("sale.subscription.stage", "read", [[paused], ["type"]])
    assert row["type"] == "pre"


def test_unknown_fields_are_refused_as_odoo_17_refuses_them(odoo: Any) -> None:
    """create: ValueError "Invalid field"; load: a KeyError naming the column."""
    with pytest.raises(odoorpc.error.RPCError) as created:
        odoo.execute_kw("res.partner", "create", [{"name": "A", "shoe_size": 42}])
    assert rpc_error_name(created.value) == "builtins.ValueError"
    assert "Invalid field 'shoe_size' on model 'res.partner'" in str(created.value)
    with pytest.raises(odoorpc.error.RPCError) as loaded:
        odoo.execute_kw("res.partner", "load", [["id", "name", "shoe_size"], [["t.a", "A", "42"]]])
    assert rpc_error_name(loaded.value) == "builtins.KeyError"
    assert "shoe_size" in str(loaded.value)
