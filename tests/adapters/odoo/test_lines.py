"""x2many commands for subscription lines: update in place, add, remove, never duplicate."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters.odoo.lines import (
    CurrentLine,
    LineValues,
    line_commands,
    rewrite_commands,
    with_coupled,
)

CHILDREN = ["product_id", "product_uom_qty", "price_unit", "discount"]
PRO = {"lookup": "product.product", "by": "default_code", "value": "pro"}


def vals_of(line: LineValues, names: Collection[str]) -> dict[str, Any]:
    return {name: line.get(name) for name in names}


def desired(key: str, qty: str = "1", discount: str = "0") -> dict[str, Any]:
    return {
        "key": key,
        "product_id": PRO,
        "product_uom_qty": qty,
        "price_unit": "99",
        "discount": discount,
    }


def current(line_id: int, key: str | None, qty: str = "1", discount: str = "0") -> CurrentLine:
    values = {k: v for k, v in desired(key or "", qty, discount).items() if k != "key"}
    return CurrentLine(line_id, key, values)


def test_unchanged_lines_need_no_command() -> None:
    plan = line_commands([desired("si_1")], [current(7, "si_1")], CHILDREN, vals_of)
    assert plan.empty


def test_quantity_change_updates_the_line_in_place_with_its_discount() -> None:
    """subscription_oca resets discount when qty is written alone: write both."""
    plan = line_commands(
        [desired("si_1", qty="3", discount="10")],
        [current(7, "si_1", qty="1", discount="10")],
        CHILDREN,
        vals_of,
    )
    assert plan.commands == [(1, 7, {"discount": "10", "product_uom_qty": "3"})]
    assert plan.new_keys == []


def test_new_item_is_created_and_removed_item_deleted() -> None:
    plan = line_commands(
        [desired("si_1"), desired("si_2")],
        [current(7, "si_1"), current(8, "si_old")],
        CHILDREN,
        vals_of,
    )
    assert plan.commands[0] == (2, 8, 0)  # deletions first
    assert plan.commands[1] == (0, 0, vals_of(desired("si_2"), CHILDREN))
    assert plan.new_keys == ["si_2"]


def test_foreign_and_duplicate_lines_are_removed() -> None:
    """A hand-made line (no external id) and a second line with our key would double-bill."""
    plan = line_commands(
        [desired("si_1")],
        [current(7, "si_1"), current(9, "si_1"), current(11, None)],
        CHILDREN,
        vals_of,
    )
    assert sorted(plan.commands) == [(2, 9, 0), (2, 11, 0)]


def test_coupling_adds_discount_only_when_mapped() -> None:
    assert with_coupled({"product_uom_qty"}, CHILDREN) == {"product_uom_qty", "discount"}
    assert with_coupled({"product_uom_qty"}, ["product_uom_qty"]) == {"product_uom_qty"}
    assert with_coupled({"discount"}, CHILDREN) == {"discount"}


def test_always_fields_are_written_on_every_kept_line() -> None:
    """A header write of partner/pricelist reprices lines: their values go along."""
    plan = line_commands(
        [desired("si_1"), desired("si_2", qty="2")],
        [current(7, "si_1"), current(8, "si_2")],
        CHILDREN,
        vals_of,
        always=["price_unit", "discount"],
    )
    assert plan.commands == [
        (1, 7, {"discount": "0", "price_unit": "99"}),
        (1, 8, {"discount": "0", "price_unit": "99", "product_uom_qty": "2"}),
    ]


def test_rewrite_commands_put_current_values_back() -> None:
    commands = rewrite_commands(
        [current(8, "si_2", discount="5"), current(7, None)], ["price_unit", "discount"], vals_of
    )
    assert commands == [
        (1, 7, {"discount": "0", "price_unit": "99"}),
        (1, 8, {"discount": "5", "price_unit": "99"}),
    ]


def test_product_change_writes_price_and_discount_too() -> None:
    assert with_coupled({"product_id"}, CHILDREN) == {"product_id", "price_unit", "discount"}
