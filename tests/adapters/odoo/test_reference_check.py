"""The live check names templates and pricelists that would make Odoo's figures wrong."""

from __future__ import annotations

from typing import Any

from adapters.odoo import OdooTarget


def _ids(odoo: Any, model: str, domain: list[Any]) -> list[int]:
    found: list[int] = odoo.execute_kw(model, "search", [domain])
    return found


def test_a_template_recurring_otherwise_than_its_code_says_is_named(
    stocked: Any, target: OdooTarget
) -> None:
    quarterly = _ids(stocked, "sale.subscription.template", [("code", "=", "MONTH-3")])
    stocked.execute_kw(
        "sale.subscription.template", "write", [quarterly, {"recurring_interval": 1}]
    )
    problems = target.describe_contract()
    assert len(problems) == 1, problems
    assert "template 'MONTH-3' recurs every 1 months, not every 3 months" in problems[0]


def test_no_cycle_template_at_all_is_named(stocked: Any, target: OdooTarget) -> None:
    every = _ids(stocked, "sale.subscription.template", [])
    stocked.execute_kw("sale.subscription.template", "write", [every, {"code": "OTHER"}])
    problems = target.describe_contract()
    assert any("no template with a billing-cycle code" in p for p in problems), problems


def test_a_pricelist_in_an_inactive_currency_is_named(stocked: Any, target: OdooTarget) -> None:
    eur = _ids(stocked, "res.currency", [("name", "=", "EUR")])
    stocked.execute_kw("res.currency", "write", [eur, {"active": False}])
    problems = target.describe_contract()
    assert len(problems) == 1, problems
    assert problems[0].startswith("res.currency: EUR is inactive but a pricelist is in it")


def test_a_fresh_database_without_pricelists_is_told_to_create_them(
    odoo: Any, target: OdooTarget
) -> None:
    pricelists = _ids(odoo, "product.pricelist", [])
    odoo.execute_kw("product.pricelist", "unlink", [pricelists])
    problems = target.describe_contract()
    assert any(p.startswith("product.pricelist: no pricelist") for p in problems), problems
