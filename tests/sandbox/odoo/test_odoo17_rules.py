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


def _priced_subscription(odoo: Any) -> tuple[int, int, int]:
    partner = odoo.env["res.partner"].create({"name": "Subscriber"})
    product = odoo.env["product.product"].create(
        {"name": "Seat", "default_code": "SEAT", "list_price": 10.0, "taxes_id": [(6, 0, [])]}
    )
    pricelist = odoo.env.ref("sandbox.pricelist_eur").id
    sub = odoo.env["sale.subscription"].create(
        {
            "partner_id": partner,
            "template_id": odoo.env.ref("sandbox.template_monthly").id,
            "pricelist_id": pricelist,
            "sale_subscription_line_ids": [(0, 0, {"product_id": product, "price_unit": 99.0})],
        }
    )
    return sub, partner, pricelist


def _prices(odoo: Any, sub: int) -> list[float]:
    lines = odoo.env["sale.subscription.line"]
    rows = lines.search_read([("sale_subscription_id", "=", sub)], ["price_unit"])
    return [row["price_unit"] for row in rows]


def test_a_pricelist_or_partner_write_reprices_every_line(odoo: Any) -> None:
    """Writing pricelist_id (even the same value) puts every line back at list price, even
    line values sent in the same write: the recompute runs after them."""
    sub, partner, pricelist = _priced_subscription(odoo)
    subs = odoo.env["sale.subscription"]
    assert _prices(odoo, sub) == [99.0]
    (line_id,) = odoo.env["sale.subscription.line"].search([("sale_subscription_id", "=", sub)])
    subs.write(
        [sub],
        {
            "pricelist_id": pricelist,
            "sale_subscription_line_ids": [(1, line_id, {"price_unit": 99.0})],
        },
    )
    assert _prices(odoo, sub) == [10.0]
    subs.write([sub], {"sale_subscription_line_ids": [(1, line_id, {"price_unit": 99.0})]})
    assert _prices(odoo, sub) == [99.0]
    subs.write([sub], {"partner_id": partner})
    assert _prices(odoo, sub) == [10.0]
    (total,) = subs.read([sub], ["recurring_total"])
    assert total["recurring_total"] == 10.0


def test_currencies_exist_inactive_and_are_activated_never_created_twice(odoo: Any) -> None:
    """A fresh database has JPY and KWD inactive; creating them again is refused with Odoo's
    message, and the sandbox's preparation activates what billing uses instead."""
    from connector.sandbox.odoo_reference import stock_odoo

    currencies = odoo.env["res.currency"]
    assert currencies.search([("name", "=", "JPY")]) == []
    with pytest.raises(odoorpc.error.RPCError) as refused:
        odoo.execute_kw("res.currency", "create", [{"name": "JPY", "symbol": "¥"}])
    assert "The currency code must be unique!" in str(refused.value)
    stock_odoo(odoo, currencies=("EUR", "JPY"))
    (jpy,) = currencies.search_read([("name", "=", "JPY")], ["active", "rounding"])
    assert (jpy["active"], jpy["rounding"]) == (True, 1.0)
