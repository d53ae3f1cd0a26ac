"""``product.template`` / ``product.product`` coupling (Odoo's ``_inherits``).

Creating a template creates its single variant; creating a variant without a template
creates the template from the variant's template-level values (name, price, type...), as
``product.product`` delegates those fields to ``product_tmpl_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connector.sandbox.odoo.database import OdooDatabase

TEMPLATE_LEVEL = ("name", "list_price", "type", "sale_ok", "taxes_id")


def before_create_variant(
    db: OdooDatabase, vals: dict[str, Any], uid: int, ctx: dict[str, Any]
) -> None:
    if vals.get("product_tmpl_id"):
        return
    template_vals = {key: vals.pop(key) for key in TEMPLATE_LEVEL if key in vals}
    vals["product_tmpl_id"] = db.create_one(
        "product.template", template_vals, uid, {**ctx, "create_product_product": False}
    )


def after_create_template(
    db: OdooDatabase, row: dict[str, Any], vals: dict[str, Any], uid: int, ctx: dict[str, Any]
) -> None:
    if ctx.get("create_product_product") is False:
        return
    variant: dict[str, Any] = {"product_tmpl_id": row["id"]}
    if vals.get("default_code"):
        variant["default_code"] = vals["default_code"]
    db.create_one("product.product", variant, uid, ctx)
