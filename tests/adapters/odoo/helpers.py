"""Reading what landed in the emulated Odoo, the way an accountant would see it."""

from __future__ import annotations

from typing import Any

from adapters.odoo import OdooTarget
from connector.records import FieldValues
from connector.schema import Subscription


def xmlid_target(odoo: Any, name: str) -> int | None:
    rows = odoo.execute_kw(
        "ir.model.data",
        "search_read",
        [[("module", "=", "subsync"), ("name", "=", name)]],
        {"fields": ["res_id"]},
    )
    return int(rows[0]["res_id"]) if rows else None


def subscription_id(odoo: Any, key: str) -> int:
    found = xmlid_target(odoo, f"subscription_{key}")
    assert found is not None, f"no subscription {key}"
    return found


def lines_of(odoo: Any, key: str) -> list[dict[str, Any]]:
    header = subscription_id(odoo, key)
    rows: list[dict[str, Any]] = odoo.execute_kw(
        "sale.subscription.line",
        "search_read",
        [[("sale_subscription_id", "=", header)]],
        {"fields": ["product_uom_qty", "discount", "price_unit", "price_subtotal"]},
    )
    return rows


def header_of(odoo: Any, key: str, fields: list[str]) -> dict[str, Any]:
    rows: list[dict[str, Any]] = odoo.execute_kw(
        "sale.subscription", "read", [[subscription_id(odoo, key)]], {"fields": fields}
    )
    return rows[0]


def count(odoo: Any, model: str, domain: list[Any] | None = None) -> int:
    total: int = odoo.execute_kw(model, "search_count", [domain or []])
    return total


def read_back(target: OdooTarget, sub: Subscription) -> dict[str, FieldValues]:
    """Each mapped object of ``sub`` as the target reads it, normalised."""
    out: dict[str, FieldValues] = {}
    for obj in target.mapping.ordered():
        key = obj.key_of(sub)
        assert key is not None
        records = target.read(obj.name, [key])
        assert key in records, f"{obj.name} {key} not found"
        out[obj.name] = obj.normalise(records[key].fields)
    return out


def rendered(target: OdooTarget, sub: Subscription) -> dict[str, FieldValues]:
    return {name: values for name, (_key, values) in target.mapping.render(sub).items()}
