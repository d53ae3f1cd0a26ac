"""Odoo's lines carry no taxes of their own: billing taxes, Odoo holds net amounts.

The stocked products carry a 20 % customer tax, as products of a real database do (a fresh
one gives every product its 15 % sales tax); subscription_oca would copy it onto each line.
"""

from __future__ import annotations

from typing import Any

from tests.adapters.odoo.conftest import World
from tests.adapters.odoo.helpers import header_of, subscription_id
from tests.factories import forever_percent, item, subscription


def _line_taxes(odoo: Any, key: str) -> list[list[int]]:
    rows = odoo.execute_kw(
        "sale.subscription.line",
        "search_read",
        [[("sale_subscription_id", "=", subscription_id(odoo, key))]],
        {"fields": ["tax_ids"]},
    )
    return [row["tax_ids"] for row in rows]


def test_created_lines_have_no_taxes_though_their_products_do(world: World, stocked: Any) -> None:
    sub = subscription(1, items=(item("pro", 3, discounts=(forever_percent("10"),)),))
    world.put(sub)
    assert world.run().status == "clean"
    taxes = _line_taxes(stocked, sub.id)
    assert len(taxes) == 2  # the item and its discount
    assert all(t == [] for t in taxes)
    assert header_of(stocked, sub.id, ["amount_tax"])["amount_tax"] == 0


def test_a_changed_product_does_not_bring_its_taxes(world: World, stocked: Any) -> None:
    world.put(subscription(1, items=(item("pro", 3, item_id="si_1"),)))
    world.run()
    changed = subscription(1, items=(item("enterprise", 3, item_id="si_1"),))
    world.put(changed)
    assert world.run().status == "clean"
    assert _line_taxes(stocked, changed.id) == [[]]
