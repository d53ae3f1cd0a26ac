"""Records as load cells and rows (adapters/odoo/load_rows.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from adapters.odoo.load_rows import CellError, Column, Layout, Line, LinesColumn, LoadRecord, cell
from adapters.odoo.values import to_odoo
from connector.mapping.spec import FieldFormat


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (False, ""),  # an empty cell is False for every field type
        (True, "True"),
        (0, "0"),
        (42, "42"),
        (-7, "-7"),
        (0.1, "0.1"),
        (19.99, "19.99"),
        (100.0, "100"),  # readable by an integer field too
        (1e-7, "1e-07"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("12.3450"), "12.3450"),
        ("2026-01-31", "2026-01-31"),
        ("", ""),
        ("text, with commas", "text, with commas"),
        (dt.date(2026, 1, 31), "2026-01-31"),
        (dt.datetime(2026, 1, 31, 8, 5, 9), "2026-01-31 08:05:09"),
    ],
)
def test_cells(value: Any, expected: str) -> None:
    assert cell(value) == expected


@pytest.mark.parametrize(
    "raw", ["0.1", "19.99", "1234567.891", "0.30000000000000004", "1e-7", "99", "3.14159265358979"]
)
def test_decimal_values_survive_the_trip_through_a_cell(raw: str) -> None:
    """What create() would have sent is exactly what load() converts the cell back to."""
    sent = to_odoo(FieldFormat.DECIMAL, raw)
    assert float(cell(sent)) == sent


@pytest.mark.parametrize("value", [{"a": 1}, [1], float("nan"), float("inf"), Decimal("NaN")])
def test_values_without_a_cell(value: Any) -> None:
    with pytest.raises(CellError):
        cell(value)


LINES = LinesColumn("line_ids", (Column("product_id", many2one=True), Column("qty")))
LAYOUT = Layout((Column("name"), Column("partner_id", many2one=True)), (LINES,))


def test_fields_are_column_paths() -> None:
    assert LAYOUT.fields() == [
        "id",
        "name",
        "partner_id/.id",
        "line_ids/id",
        "line_ids/product_id/.id",
        "line_ids/qty",
    ]


def test_a_record_is_one_row_and_its_further_lines_follow() -> None:
    record = LoadRecord(
        "subsync.sub_1",
        {"name": "S", "partner_id": 7},
        {"line_ids": [Line("subsync.sub_1__line_a", {"product_id": 3, "qty": 2.0}),
                      Line("subsync.sub_1__line_b", {"product_id": 4, "qty": 0.5})]},
    )  # fmt: skip
    assert LAYOUT.rows(record) == [
        ["subsync.sub_1", "S", "7", "subsync.sub_1__line_a", "3", "2"],
        ["", "", "", "subsync.sub_1__line_b", "4", "0.5"],
    ]


def test_a_record_without_lines_is_one_row_with_empty_line_cells() -> None:
    record = LoadRecord("subsync.sub_1", {"name": "S", "partner_id": False}, {"line_ids": []})
    assert LAYOUT.rows(record) == [["subsync.sub_1", "S", "", "", "", ""]]


def test_records_and_lines_need_external_ids() -> None:
    with pytest.raises(CellError):
        LAYOUT.rows(LoadRecord("", {"name": "S"}, {}))
    with pytest.raises(CellError):
        LAYOUT.rows(LoadRecord("m.r", {}, {"line_ids": [Line("", {})]}))


def test_layout_follows_the_fields_a_record_has() -> None:
    """Records with other fields get another layout: a missing field must keep its default."""
    children = {"line_ids": LINES.children}
    full = LoadRecord("m.a", {"partner_id": 1, "name": "A"}, {"line_ids": []})
    same = LoadRecord("m.b", {"name": "B", "partner_id": 2}, {"line_ids": []})
    fewer = LoadRecord("m.c", {"name": "C"}, {"line_ids": []})
    layouts = {Layout.of(r, frozenset({"partner_id"}), children) for r in (full, same, fewer)}
    assert len(layouts) == 2
    assert Layout.of(full, frozenset({"partner_id"}), children) == LAYOUT
