"""Records as the ``fields``/``data`` matrix of Odoo's ``load`` (the import API).

``load`` takes strings, as read from a CSV file, and converts them with
``ir.fields.converter`` (odoo/addons/base/models/ir_fields.py). So the values the writer
computes for ``create`` (ints, floats, booleans, ``YYYY-MM-DD`` strings, many2one ids) are
rendered here as cells that convert back to exactly those values:

- ``False``/``None`` -> ``""``: an empty cell sets the field to False (``for_model``; it is
  *not* left out, so a default does not apply: records loaded together must have the same
  fields, see :meth:`Layout.of`);
- ``True`` -> ``"True"`` (``_str_to_boolean`` accepts true/yes/1 in any case);
- numbers -> their shortest exact text: ``repr`` of a float (``float(repr(x)) == x``), an
  integral float without its ``.0`` (so that an integer field reads it too), a ``Decimal``
  in fixed notation;
- many2one ids -> the ``<field>/.id`` column (a database id; ``db_id_for``).

A record is one row; its lines follow on rows whose other cells are empty, which is how
``_extract_records`` tells one2many sub-rows from the next record. The record's external id
(``id`` column) is never empty, so a record's first row is never taken for a sub-row; each
line carries its own external id in ``<one2many>/id``, so a line row is never empty.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


class CellError(ValueError):
    """A value that has no load cell (a dict, a list, a non-finite number...)."""


def cell(value: Any) -> str:
    """The load cell that ``ir.fields.converter`` turns back into ``value``."""
    if value is None or value is False:
        return ""
    if value is True:
        return "True"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"{value!r} is not a finite number")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CellError(f"{value!r} is not a finite number")
        return format(value, "f")
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise CellError(f"{value!r} cannot be written as a load cell")


@dataclass(frozen=True, slots=True)
class Column:
    """A field written by value, or by database id (``many2one``: ``<field>/.id``)."""

    field: str
    many2one: bool = False

    def path(self, prefix: str = "") -> str:
        return f"{prefix}{self.field}/.id" if self.many2one else f"{prefix}{self.field}"


@dataclass(frozen=True, slots=True)
class LinesColumn:
    """A one2many written as sub-records, each with its external id."""

    field: str
    children: tuple[Column, ...]


@dataclass(frozen=True, slots=True)
class Line:
    xmlid: str  # module.name
    vals: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LoadRecord:
    xmlid: str  # module.name
    vals: Mapping[str, Any]  # header vals, lines excluded
    lines: Mapping[str, Sequence[Line]]


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns of one ``load`` call."""

    columns: tuple[Column, ...]
    lines: tuple[LinesColumn, ...] = ()

    @staticmethod
    def of(
        record: LoadRecord, many2one: frozenset[str], children: Mapping[str, Sequence[Column]]
    ) -> Layout:
        """The columns ``record`` fills. Records are loaded together only when they share a
        layout: an absent field must keep its default, not become an empty cell (False)."""
        columns = tuple(Column(name, name in many2one) for name in sorted(record.vals))
        lines = tuple(LinesColumn(name, tuple(children[name])) for name in sorted(record.lines))
        return Layout(columns, lines)

    def fields(self) -> list[str]:
        out = ["id", *(column.path() for column in self.columns)]
        for lines in self.lines:
            out.append(f"{lines.field}/id")
            out.extend(child.path(f"{lines.field}/") for child in lines.children)
        return out

    def rows(self, record: LoadRecord) -> list[list[str]]:
        """``record``'s rows: the header (and first lines) row, then one per further line.

        Raises :class:`CellError` for a value with no cell.
        """
        if not record.xmlid:
            raise CellError("a loaded record needs an external id")
        width = 1 + len(self.columns) + sum(1 + len(lines.children) for lines in self.lines)
        height = max([1, *(len(record.lines.get(lines.field, ())) for lines in self.lines)])
        rows = [[""] * width for _ in range(height)]
        rows[0][0] = record.xmlid
        for index, column in enumerate(self.columns, start=1):
            rows[0][index] = cell(record.vals.get(column.field))
        start = 1 + len(self.columns)
        for lines in self.lines:
            for row, line in zip(rows, record.lines.get(lines.field, ()), strict=False):
                if not line.xmlid:
                    raise CellError("a loaded line needs an external id")
                row[start] = line.xmlid
                for offset, child in enumerate(lines.children, start=1):
                    row[start + offset] = cell(line.vals.get(child.field))
            start += 1 + len(lines.children)
        return rows
