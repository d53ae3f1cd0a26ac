"""web_read (Odoo 17): the records and, nested, the related records a specification names."""

from __future__ import annotations

from typing import Any

from tests.sandbox.odoo.test_subscriptions import _line, _subscription, refs

__all__ = ["refs"]  # the fixture, shared


def _web_read(odoo: Any, model: str, ids: list[int], spec: dict[str, Any]) -> Any:
    return odoo.execute_kw(model, "web_read", [ids], {"specification": spec})


def test_lines_and_a_many2one_come_nested(odoo: Any, refs: dict[str, int]) -> None:
    sub = _subscription(
        odoo,
        refs,
        sale_subscription_line_ids=[_line(refs, product_uom_qty=3), _line(refs, product_uom_qty=1)],
    )
    spec = {
        "partner_id": {"fields": {"name": {}, "display_name": {}}},
        "sale_subscription_line_ids": {
            "fields": {"product_uom_qty": {}},
            "order": "product_uom_qty",
        },
    }
    (row,) = _web_read(odoo, "sale.subscription", [sub], spec)
    assert row["partner_id"] == {
        "id": refs["partner"],
        "name": "Subscriber",
        "display_name": "Subscriber",
    }
    lines = row["sale_subscription_line_ids"]
    assert [line["product_uom_qty"] for line in lines] == [1, 3]
    assert all(set(line) == {"id", "product_uom_qty"} for line in lines)
    # Without "fields" a many2one is its id and an x2many its ids (read with load=None).
    (plain,) = _web_read(
        odoo, "sale.subscription", [sub], {"partner_id": {}, "sale_subscription_line_ids": {}}
    )
    assert plain["partner_id"] == refs["partner"]
    assert sorted(plain["sale_subscription_line_ids"]) == sorted(line["id"] for line in lines)


def test_missing_records_are_left_out_and_limit_cuts_the_lines(
    odoo: Any, refs: dict[str, int]
) -> None:
    sub = _subscription(
        odoo, refs, sale_subscription_line_ids=[_line(refs, product_uom_qty=q) for q in (1, 2, 3)]
    )
    spec = {"sale_subscription_line_ids": {"fields": {"product_uom_qty": {}}, "limit": 2}}
    rows = _web_read(odoo, "sale.subscription", [sub, 999999], spec)
    assert [r["id"] for r in rows] == [sub]
    assert [len(line) for line in rows[0]["sale_subscription_line_ids"]] == [2, 2, 1]
