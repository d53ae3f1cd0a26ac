"""Behaviour of OCA ``subscription_oca`` 17.0 that a client can observe, with its quirks.

From ``models/sale_subscription.py`` and ``models/sale_subscription_line.py``:

- ``code`` defaults to ``ir.sequence.next_by_code("sale.subscription")`` (``SUB`` + 5
  digits). The default is evaluated before the row is inserted, so a create that then fails
  (e.g. no ``pricelist_id``) still consumes a number: codes have gaps.
- ``date_start`` / ``recurring_next_date`` defaults are ``date.today()`` evaluated when the
  module is loaded (``default=date.today()``, not a callable): the server's start date.
- ``create`` sets ``stage_id`` to the ``pre`` stage with the highest sequence only when both
  ``date_start`` and ``recurring_next_date`` are in the values (overriding a given stage),
  and moves ``date_start`` back to ``recurring_next_date`` if it is later.
- ``name`` = ``template.code + "/" + code`` (depends on ``template_id`` and ``code`` only).
- ``write`` of ``stage_id``: ``in_progress`` stage -> ``in_progress=True`` and
  ``date_start=today``; ``post`` stage -> ``close_reason_id=False`` (even one written in
  the same call) and ``in_progress=False``; otherwise ``in_progress=False``.
- header totals (``recurring_total``, ``amount_tax``, ``amount_total``) depend on
  ``sale_subscription_line_ids`` only: they are recomputed when lines are added/removed or
  written through the header's one2many, not when a line's price or quantity is written
  directly on ``sale.subscription.line`` (the header stays stale until then).
- stored computed fields (totals, ``name``) written by a client keep the written value until
  a dependency changes (Odoo protects written fields from recomputation).
- writing ``pricelist_id`` or ``partner_id`` (even the same value) reprices every line from the
  pricelist after the write's own values, line commands of the same call included;
- line ``discount`` is a stored compute depending on product, price, quantity and taxes:
  writing any of those without ``discount`` resets it to 0.0 (the pricelist's
  ``discount_policy`` is not ``without_discount`` / no discount group in the sandbox).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from connector.sandbox.odoo import access, catalog_rules, product_rules
from connector.sandbox.odoo.errors import UniqueViolation

if TYPE_CHECKING:
    from connector.sandbox.odoo.database import OdooDatabase

SUBSCRIPTION = "sale.subscription"
LINE = "sale.subscription.line"
DISCOUNT_DEPENDS = ("product_id", "price_unit", "product_uom_qty", "tax_ids")
REPRICE_BY = frozenset({"partner_id", "pricelist_id"})
MONTHS_PER = {"days": 0, "weeks": 0, "months": 1, "years": 12}


def defaults(db: OdooDatabase, model: str, fields: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if model == SUBSCRIPTION:
        if "date_start" in fields:
            result["date_start"] = db.boot_date
        if "recurring_next_date" in fields:
            result["recurring_next_date"] = db.boot_date
        if "code" in fields:
            result["code"] = db.sequences.next_by_code(SUBSCRIPTION)
    return result


def before_create(
    db: OdooDatabase, model: str, vals: dict[str, Any], uid: int, ctx: dict[str, Any]
) -> None:
    if model == "ir.model.data":
        check_xmlid_unique(db, vals)
    elif model == "product.product":
        product_rules.before_create_variant(db, vals, uid, ctx)
    elif model == "product.template":
        catalog_rules.default_product_taxes(db, vals)
    elif model == "res.currency":
        catalog_rules.check_currency_unique(db, model, vals)
    elif model == "res.users":
        access.prepare_user(db, vals)
    elif model == SUBSCRIPTION:
        _before_create_subscription(db, vals, uid)
    elif model == LINE:
        _line_onchanges(db, vals, vals.get("sale_subscription_id"), creating=True)


def after_create(
    db: OdooDatabase,
    model: str,
    row: dict[str, Any],
    vals: dict[str, Any],
    uid: int,
    ctx: dict[str, Any],
) -> None:
    catalog_rules.check_single_closed_stage(db, model, vals)
    access.note_password(db, model, [row["id"]], vals)
    if model == "product.template":
        product_rules.after_create_template(db, row, vals, uid, ctx)
    elif model == SUBSCRIPTION:
        _compute_header(db, row["id"], vals, creating=True)
        _compute_totals(db, row["id"], vals)
    elif model == LINE:
        _compute_line(db, row["id"], vals)
        if row.get("sale_subscription_id"):
            _compute_totals(db, row["sale_subscription_id"])


def before_write(
    db: OdooDatabase, model: str, ids: list[int], vals: dict[str, Any], uid: int
) -> None:
    if model == LINE:
        parent = None
        if ids:
            parent = vals.get("sale_subscription_id") or db.rows(LINE)[ids[0]].get(
                "sale_subscription_id"
            )
        _line_onchanges(db, vals, parent, creating=False)


def after_write(
    db: OdooDatabase, model: str, ids: list[int], vals: dict[str, Any], uid: int
) -> None:
    catalog_rules.check_single_closed_stage(db, model, vals)
    access.note_password(db, model, ids, vals)
    if model == SUBSCRIPTION:
        for row_id in ids:
            _compute_header(db, row_id, vals, creating=False)
            if "stage_id" in vals:
                _apply_stage(db, row_id, uid)
            if REPRICE_BY & vals.keys():
                _reprice_lines(db, row_id)
            if "sale_subscription_line_ids" in vals or REPRICE_BY & vals.keys():
                _compute_totals(db, row_id, vals)
    elif model == LINE:
        for row_id in ids:
            _compute_line(db, row_id, vals)
        if vals.get("sale_subscription_id"):
            _compute_totals(db, int(vals["sale_subscription_id"]))


def after_unlink(db: OdooDatabase, model: str, removed: list[dict[str, Any]], uid: int) -> None:
    if model == LINE:
        parents = {row.get("sale_subscription_id") for row in removed}
        for parent in sorted(p for p in parents if p and p in db.rows(SUBSCRIPTION)):
            _compute_totals(db, parent)


# ---------------------------------------------------------------------- subscription
def _before_create_subscription(db: OdooDatabase, vals: dict[str, Any], uid: int) -> None:
    if "code" not in vals:
        vals["code"] = db.sequences.next_by_code(SUBSCRIPTION)
    if "date_start" in vals and "recurring_next_date" in vals:
        start, next_date = vals["date_start"], vals["recurring_next_date"]
        if start and next_date and str(start) > str(next_date):
            vals["date_start"] = next_date
        # search([("type", "=", "pre")], order="sequence desc", limit=1) on a tiny table
        pre = [s for s in db.rows("sale.subscription.stage").values() if s.get("type") == "pre"]
        best = min(pre, key=lambda s: (-(s.get("sequence") or 0), s["id"]), default=None)
        vals["stage_id"] = best["id"] if best else False
    vals.setdefault("date_start", db.boot_date)
    vals.setdefault("recurring_next_date", db.boot_date)
    vals.setdefault("user_id", uid)
    vals.setdefault("company_id", 1)


def _compute_header(db: OdooDatabase, row_id: int, vals: dict[str, Any], creating: bool) -> None:
    row = db.rows(SUBSCRIPTION)[row_id]
    template = db.rows("sale.subscription.template").get(row.get("template_id") or 0) or {}
    changes: dict[str, Any] = {}
    if creating or "template_id" in vals or "code" in vals:
        template_code = template.get("code") or ""
        code = row.get("code") or ""
        slash = "/" if template_code and code else ""
        changes["name"] = f"{template_code}{slash}{code}" or False
    if (creating or "template_id" in vals or "date_start" in vals) and "date" not in vals:
        if template.get("recurring_rule_boundary", "unlimited") == "unlimited":
            changes["date"] = False
            changes["recurring_rule_boundary"] = True
        else:
            start = row.get("date_start")
            months = int(template.get("recurring_rule_count") or 0)
            changes["date"] = _add_months(str(start), months) if start else False
            changes["recurring_rule_boundary"] = False
    if (creating or "template_id" in vals) and "terms" not in vals:
        changes["terms"] = template.get("description") or False
    _store(db, SUBSCRIPTION, row_id, changes, vals)


def _add_months(start: str, months: int) -> str:
    day = dt.date.fromisoformat(start)
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate).isoformat()
        except ValueError:
            continue
    return day.isoformat()


def _apply_stage(db: OdooDatabase, row_id: int, uid: int) -> None:
    row = db.rows(SUBSCRIPTION)[row_id]
    stage = db.rows("sale.subscription.stage").get(row.get("stage_id") or 0)
    if stage is None:
        return
    if stage.get("type") == "in_progress":
        db._update(SUBSCRIPTION, row_id, {"in_progress": True, "date_start": db.today()})
    elif stage.get("type") == "post":
        db._update(SUBSCRIPTION, row_id, {"close_reason_id": False, "in_progress": False})
    else:
        db._update(SUBSCRIPTION, row_id, {"in_progress": False})


def _store(
    db: OdooDatabase,
    model: str,
    row_id: int,
    changes: dict[str, Any],
    protected: Mapping[str, Any],
) -> None:
    """Store computed values, except those the client gave in this very call: Odoo
    protects written fields from recomputation (``env.protecting``), so they stick."""
    spec = db.spec(model)
    for name in list(changes):
        if name in protected:
            changes[name] = db._convert(spec, spec.fields[name], protected[name])
    if changes:
        db._update(model, row_id, changes)


def _compute_totals(
    db: OdooDatabase, row_id: int, protected: Mapping[str, Any] | None = None
) -> None:
    if row_id not in db.rows(SUBSCRIPTION):
        return
    lines = db.rows(LINE)
    subtotal = tax = 0.0
    for line_id in db.tables[LINE].lookup("sale_subscription_id", [row_id]) or ():
        line = lines[line_id]
        subtotal += float(line.get("price_subtotal") or 0.0)
        tax += float(line.get("amount_tax_line_amount") or 0.0)
    places = _currency_places(db, row_id)
    totals = {
        "recurring_total": round(subtotal, places),
        "amount_tax": round(tax, places),
        "amount_total": round(subtotal + tax, places),
    }
    _store(db, SUBSCRIPTION, row_id, totals, protected or {})


# ---------------------------------------------------------------------- lines
def _line_onchanges(db: OdooDatabase, vals: dict[str, Any], parent_id: Any, creating: bool) -> None:
    product_id = vals.get("product_id")
    products = db.rows("product.product")
    if product_id and isinstance(product_id, int) and product_id in products:
        product = products[product_id]
        if "name" not in vals:
            vals["name"] = db.display_name("product.product", product)
        parent = db.rows(SUBSCRIPTION).get(parent_id) if isinstance(parent_id, int) else None
        if "price_unit" not in vals and parent and parent.get("pricelist_id"):
            vals["price_unit"] = db.value("product.product", product, "list_price")
        if "tax_ids" not in vals:
            vals["tax_ids"] = [(6, 0, db.value("product.product", product, "taxes_id"))]
    if "discount" not in vals and (creating or any(k in vals for k in DISCOUNT_DEPENDS)):
        vals["discount"] = 0.0


def _reprice_lines(db: OdooDatabase, row_id: int) -> None:
    """``sale_subscription_line.py``: ``price_unit`` and ``discount`` are stored computes
    depending on the header's ``partner_id`` and ``pricelist_id``. Writing either (even the
    same value) recomputes every line from the pricelist after the write's own values, line
    commands of the same call included: the lines end at list price, discount 0."""
    products = db.rows("product.product")
    for line_id in db.tables[LINE].lookup("sale_subscription_id", [row_id]) or ():
        line = db.rows(LINE)[line_id]
        product = products.get(line.get("product_id") or 0)
        if product is None:
            continue
        price = db.value("product.product", product, "list_price")
        _store(db, LINE, line_id, {"price_unit": price, "discount": 0.0}, {})
        _compute_line(db, line_id, {})


def _compute_line(db: OdooDatabase, line_id: int, protected: Mapping[str, Any]) -> None:
    line = db.rows(LINE)[line_id]
    qty = float(line.get("product_uom_qty") or 0.0)
    price = float(line.get("price_unit") or 0.0) * (1 - float(line.get("discount") or 0.0) / 100)
    taxes = db.rows("account.tax")
    total_excluded = price * qty
    tax_amount = 0.0
    for tax_id in line.get("tax_ids") or []:
        tax = taxes.get(tax_id)
        if tax is None:
            continue
        amount = float(tax.get("amount") or 0.0)
        kind = tax.get("amount_type")
        if kind == "fixed":
            part = amount * qty
        elif tax.get("price_include"):
            base = price * qty
            part = base - base / (1 + amount / 100)
            total_excluded -= part
        elif kind == "division":
            part = price * qty / (1 - amount / 100) - price * qty if amount != 100 else 0.0
        else:
            part = price * qty * amount / 100
        tax_amount += round(part, _currency_places(db, line.get("sale_subscription_id")))
    places = _currency_places(db, line.get("sale_subscription_id"))
    total_excluded = round(total_excluded, places)
    amounts = {
        "price_subtotal": total_excluded,
        "amount_tax_line_amount": round(tax_amount, places),
        "price_total": round(total_excluded + tax_amount, places),
    }
    _store(db, LINE, line_id, amounts, protected)


def _currency_places(db: OdooDatabase, subscription_id: Any) -> int:
    """Decimals of the line's currency (its subscription's pricelist's): Odoo rounds
    monetary amounts with the currency's rounding (0.01, 1 for JPY, 0.001 for KWD)."""
    header = db.rows(SUBSCRIPTION).get(subscription_id) if subscription_id else None
    pricelist = (
        db.rows("product.pricelist").get(header.get("pricelist_id") or 0) if header else None
    )
    currency = db.rows("res.currency").get(pricelist.get("currency_id") or 0) if pricelist else None
    rounding = float(currency.get("rounding") or 0.01) if currency else 0.01
    return max(0, round(-math.log10(rounding)))


def check_xmlid_unique(db: OdooDatabase, vals: dict[str, Any]) -> None:
    """``ir_model_data_module_name_uniq_index``: Odoo 17 reports the UniqueViolation as
    ``ValidationError("The operation cannot be completed: <psycopg2 message>")``."""
    module, name = vals.get("module") or "", vals.get("name")
    if name and (str(module), str(name)) in db.xmlids:
        pg_message = (
            "duplicate key value violates unique constraint "
            '"ir_model_data_module_name_uniq_index"\n'
            f"DETAIL:  Key (module, name)=({module}, {name}) already exists.\n"
        )
        raise UniqueViolation(f"The operation cannot be completed: {pg_message}", pg_message)
