"""Normalised values to Odoo's wire format and back."""

from __future__ import annotations

import pytest

from adapters.odoo.values import ConversionError, from_odoo, to_odoo
from connector.mapping.spec import FieldFormat


@pytest.mark.parametrize(
    ("fmt", "value", "wire"),
    [
        (FieldFormat.DECIMAL, "12.5", 12.5),
        (FieldFormat.DECIMAL, "0", 0.0),
        (FieldFormat.INTEGER, 3, 3),
        (FieldFormat.MINOR_UNITS, 1299, 1299),
        (FieldFormat.DATE, "2026-01-31", "2026-01-31"),
        (FieldFormat.DATETIME, "2026-01-31T23:05:09Z", "2026-01-31 23:05:09"),
        (FieldFormat.BOOLEAN, True, True),
        (FieldFormat.STRING, "ACME", "ACME"),
        (None, "plain", "plain"),
    ],
)
def test_to_odoo(fmt: FieldFormat | None, value: str | int | bool, wire: object) -> None:
    assert to_odoo(fmt, value) == wire


def test_none_is_false_for_every_format() -> None:
    """Odoo clears a field with False, never null."""
    for fmt in FieldFormat:
        assert to_odoo(fmt, None) is False


def test_unwritable_values_are_refused() -> None:
    with pytest.raises(ConversionError):
        to_odoo(FieldFormat.DECIMAL, "twelve")
    with pytest.raises(ConversionError):
        to_odoo(FieldFormat.STRING, {"not": "plain"})


def test_false_reads_as_none_except_for_booleans() -> None:
    """Odoo answers False for an empty char/date/many2one; only a boolean means it."""
    assert from_odoo(FieldFormat.STRING, False) is None
    assert from_odoo(FieldFormat.DATE, False) is None
    assert from_odoo(FieldFormat.DECIMAL, False) is None
    assert from_odoo(FieldFormat.BOOLEAN, False) is False


def test_floats_read_as_their_shortest_decimal_text() -> None:
    """99.0 must compare equal to the rendered "99" once the mapping normalises it."""
    assert from_odoo(FieldFormat.DECIMAL, 99.0) == "99.0"
    assert from_odoo(FieldFormat.DECIMAL, 0.1) == "0.1"
    assert from_odoo(FieldFormat.DATE, "2026-01-31") == "2026-01-31"
