"""One model's rows in memory, with hash indexes on indexed fields.

A string index also answers prefix searches (``LIKE 'abc%'``) from its keys kept sorted, as
PostgreSQL's btree does for a database in the C collation, which is how Odoo creates its
databases (``odoo/service/db.py``: ``LC_COLLATE 'C'``).
"""

from __future__ import annotations

import bisect
from typing import Any

from connector.sandbox.odoo.field_types import ModelSpec


def _key(value: Any) -> Any:
    """Index key of a stored value (floats and ints compare equal, as in SQL)."""
    return value


class Table:
    """Rows by id (insertion order is id order) and ``value -> ids`` indexes."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.rows: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.indexed: tuple[str, ...] = tuple(
            name
            for name, field in spec.fields.items()
            if field.index and not field.is_x2many and field.related is None and name != "id"
        )
        self.indexes: dict[str, dict[Any, set[int]]] = {name: {} for name in self.indexed}
        self._sorted: dict[str, list[str]] = {}  # string keys in order, dropped on change

    def allocate_id(self) -> int:
        new_id = self.next_id
        self.next_id += 1
        return new_id

    def insert(self, row: dict[str, Any]) -> None:
        row_id: int = row["id"]
        self.rows[row_id] = row
        self.next_id = max(self.next_id, row_id + 1)
        for name in self.indexed:
            value = row.get(name, False)
            self.indexes[name].setdefault(_key(value), set()).add(row_id)
        self._sorted.clear()

    def remove(self, row_id: int) -> dict[str, Any] | None:
        row = self.rows.pop(row_id, None)
        if row is not None:
            for name in self.indexed:
                bucket = self.indexes[name].get(_key(row.get(name, False)))
                if bucket is not None:
                    bucket.discard(row_id)
            self._sorted.clear()
        return row

    def update(self, row_id: int, changes: dict[str, Any]) -> None:
        row = self.rows[row_id]
        for name, value in changes.items():
            if name in self.indexes:
                old = row.get(name, False)
                if old != value:
                    bucket = self.indexes[name].get(_key(old))
                    if bucket is not None:
                        bucket.discard(row_id)
                    self.indexes[name].setdefault(_key(value), set()).add(row_id)
                    self._sorted.pop(name, None)
            row[name] = value

    def prefixed(self, name: str, prefix: str) -> set[int] | None:
        """Ids whose indexed string ``name`` starts with ``prefix`` (None: no index)."""
        index = self.indexes.get(name)
        if index is None:
            return None
        keys = self._sorted.get(name)
        if keys is None:
            keys = self._sorted[name] = sorted(k for k in index if isinstance(k, str))
        found: set[int] = set()
        for position in range(bisect.bisect_left(keys, prefix), len(keys)):
            key = keys[position]
            if not key.startswith(prefix):
                break
            found |= index[key]
        return found

    def estimate(self, name: str, values: list[Any]) -> int | None:
        """How many ids :meth:`lookup` would return, without building the set."""
        index = self.indexes.get(name)
        if index is None:
            return None
        try:
            return sum(len(index.get(_key(value), ())) for value in values)
        except TypeError:
            return None

    def lookup(self, name: str, values: list[Any]) -> set[int] | None:
        index = self.indexes.get(name)
        if index is None:
            return None
        if len(values) == 1:
            try:
                return index.get(_key(values[0]), set())  # callers never mutate it
            except TypeError:
                return None
        found: set[int] = set()
        for value in values:
            try:
                bucket = index.get(_key(value))
            except TypeError:  # unhashable value: let the scan decide
                return None
            if bucket:
                found |= bucket
        return found
