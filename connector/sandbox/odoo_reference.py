"""Reference data an Odoo administrator sets up before using the default mapping.

The default mapping (``mappings/odoo.yaml``) looks up subscription templates by code
(``MONTH-1``, ``MONTH-3``, ``YEAR-1``...), a stage named "Paused", products by their internal
reference (the plan code) and one pricelist per currency. The sandbox creates them through the
ordinary RPC API, exactly as an administrator would in a real database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from connector.sandbox.addons import ADDON_CODES
from connector.schema import DISCOUNT_PRODUCT_CODE, quantum

CYCLES: tuple[tuple[str, int, str], ...] = (
    ("DAY", 1, "days"),
    ("WEEK", 1, "weeks"),
    ("WEEK", 2, "weeks"),
    ("MONTH", 1, "months"),
    ("MONTH", 3, "months"),
    ("MONTH", 6, "months"),
    ("YEAR", 1, "years"),
)
PLANS: tuple[str, ...] = (
    "starter",
    "pro",
    "business",
    "enterprise",
    *ADDON_CODES,
    DISCOUNT_PRODUCT_CODE,
)
CURRENCIES: tuple[str, ...] = ("EUR", "USD", "GBP", "JPY")


class Rpc(Protocol):
    """The part of ``odoorpc.ODOO`` used here."""

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: Any = ...) -> Any: ...


def stock_odoo(
    rpc: Rpc,
    *,
    plans: Iterable[str] = PLANS,
    currencies: Sequence[str] = CURRENCIES,
    paused_stage: bool = True,
) -> None:
    """Create what the default mapping looks up, skipping what already exists."""

    def existing(model: str, field: str) -> set[Any]:
        rows = rpc.execute_kw(model, "search_read", [[]], {"fields": [field]})
        return {row[field] for row in rows}

    codes = existing("sale.subscription.template", "code")
    templates = [
        {
            "name": f"Every {count} {rule}" if count > 1 else rule.title(),
            "code": f"{unit}-{count}",
            "recurring_interval": count,
            "recurring_rule_type": rule,
        }
        for unit, count, rule in CYCLES
        if f"{unit}-{count}" not in codes
    ]
    if templates:
        rpc.execute_kw("sale.subscription.template", "create", [templates])
    if paused_stage and "Paused" not in existing("sale.subscription.stage", "name"):
        rpc.execute_kw(
            "sale.subscription.stage",
            "create",
            # A pre stage (never invoiced by subscription_oca's cron), sorted before "Ready to
            # start" (sequence 0) so that creates, which land in the pre stage with the
            # highest sequence, still land there.
            [[{"name": "Paused", "type": "pre", "sequence": -1}]],
        )
    # Billing (Stripe) invoices: subscription_oca's daily invoicing must not do it again.
    cron = rpc.execute_kw(
        "ir.model.data",
        "search_read",
        [[("module", "=", "subscription_oca"), ("name", "=", "ir_cron_subscription_management")]],
        {"fields": ["res_id"]},
    )
    if cron:
        rpc.execute_kw("ir.cron", "write", [[cron[0]["res_id"]], {"active": False}])
    # Every currency exists in a fresh database, most of them inactive: activate what
    # billing uses (creating one again is refused).
    all_currencies = {
        row["name"]: row
        for row in rpc.execute_kw(
            "res.currency",
            "search_read",
            [[]],
            {"fields": ["name", "active"], "context": {"active_test": False}},
        )
    }
    for code in currencies:
        known = all_currencies.get(code)
        if known is None:
            rpc.execute_kw(
                "res.currency",
                "create",
                # Odoo derives decimal_places from rounding: 1 for JPY, 0.001 for KWD.
                [[{"name": code, "symbol": code, "rounding": float(quantum(code))}]],
            )
        elif not known["active"]:
            rpc.execute_kw("res.currency", "write", [[known["id"]], {"active": True}])
    priced = {
        row["currency_id"][1] if isinstance(row["currency_id"], list) else None
        for row in rpc.execute_kw(
            "product.pricelist", "search_read", [[]], {"fields": ["currency_id"]}
        )
    }
    for code in currencies:
        if code in priced:
            continue
        currency = rpc.execute_kw("res.currency", "search", [[("name", "=", code)]])[0]
        rpc.execute_kw(
            "product.pricelist",
            "create",
            [[{"name": f"Subscriptions {code}", "currency_id": currency}]],
        )
    products = existing("product.product", "default_code")
    new_products = [
        {
            "name": plan.title(),
            "default_code": plan,
            "type": "service",
            "list_price": 1.0,
            "taxes_id": [(6, 0, [])],
        }
        for plan in plans
        if plan not in products
    ]
    if new_products:
        rpc.execute_kw("product.product", "create", [new_products])
