"""Odoo 17 rules on reference data that a sync connector runs into.

- ``product.template.taxes_id`` defaults to the company's sales tax
  (``addons/account/models/product.py``: ``default=lambda self: ...account_sale_tax_id``),
  15 % on a fresh database with the generic chart: a product created without taxes gets it;
- ``res.currency``'s ``unique_name`` constraint: a code exists once, active or not ("The
  currency code must be unique!"): a currency is activated, never created again;
- subscription_oca allows one closed-type stage only (``sale_subscription_stage.py``,
  ``_check_lot_product``: "There is already a Closed-type stage declared"), a constraint
  checked after the record is written, so the whole call is rolled back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.sandbox.odoo.errors import UniqueViolation, ValidationError

if TYPE_CHECKING:
    from connector.sandbox.odoo.database import OdooDatabase

COMPANY_SALE_TAX = "account.1_sale_tax_template"
STAGE = "sale.subscription.stage"


def default_product_taxes(db: OdooDatabase, vals: dict[str, Any]) -> None:
    """A template created without ``taxes_id`` gets the company's default sales tax."""
    if "taxes_id" in vals:
        return
    _model, tax_id = db.resolve_xmlid(COMPANY_SALE_TAX)
    vals["taxes_id"] = [(6, 0, [tax_id])]


def check_currency_unique(db: OdooDatabase, model: str, vals: dict[str, Any]) -> None:
    if model != "res.currency" or not vals.get("name"):
        return
    name = str(vals["name"])
    if any(row.get("name") == name for row in db.rows("res.currency").values()):
        pg_message = (
            'duplicate key value violates unique constraint "res_currency_unique_name"\n'
            f"DETAIL:  Key (name)=({name}) already exists.\n"
        )
        raise UniqueViolation(
            "The operation cannot be completed: The currency code must be unique!", pg_message
        )


def check_single_closed_stage(db: OdooDatabase, model: str, vals: dict[str, Any]) -> None:
    if model != STAGE or "type" not in vals:
        return
    closed = [row for row in db.rows(STAGE).values() if row.get("type") == "post"]
    if len(closed) > 1:
        raise ValidationError("There is already a Closed-type stage declared")
