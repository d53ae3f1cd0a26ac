"""What one run has read from Odoo, so that its writes and read-back do not read it again.

A run reads our records (external ids, header rows, lines and their external ids) to plan;
writing an update needs the same rows again (the header fields a write recomputes, the lines
to turn into commands), and the read-back needs the same external ids. Within one run they
are taken from here. The next run starts with an empty memo (:meth:`forget`), so every run
still reads the truth before it plans.

Rows of a record are dropped once it is written (they changed); its id and the names of its
lines (including lines the write created) stay, which is all the read-back needs to read
the record by id. The memo is bounded: past ``limit`` records the oldest are forgotten and
simply read again if needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from adapters.odoo.client import Row

K = TypeVar("K")
V = TypeVar("V")
DEFAULT_LIMIT = 20_000


class RunMemo:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.ids: dict[str, int] = {}  # our external id's name -> record id
        self.names: dict[tuple[str, int], list[str]] = {}  # (model, id) -> our names
        self.rows: dict[tuple[str, int], Row] = {}  # (model, id) -> row read this run
        # subscription stage id -> its type: a handful per database, read once per run
        # instead of once per batch of writes
        self.stage_types: dict[int, str] = {}

    def forget(self) -> None:
        self.ids.clear()
        self.names.clear()
        self.rows.clear()
        self.stage_types.clear()

    def remember_ids(self, ids: Mapping[str, int]) -> None:
        self.ids.update(ids)
        self._bound(self.ids)

    def remember_names(self, names: Mapping[tuple[str, int], list[str]]) -> None:
        self.names.update(names)
        self._bound(self.names)

    def remember_rows(self, model: str, rows: Iterable[Row]) -> None:
        for row in rows:
            self.rows[(model, int(row["id"]))] = row
        self._bound(self.rows)

    def row(self, model: str, record_id: int, fields: Iterable[str]) -> Row | None:
        """The row read this run, if it holds every one of ``fields``."""
        row = self.rows.get((model, record_id))
        if row is None or any(field not in row for field in fields):
            return None
        return row

    def drop_rows(self, model: str, record_ids: Iterable[int]) -> None:
        """These records were written: the rows read before are stale."""
        for record_id in record_ids:
            self.rows.pop((model, record_id), None)

    def _bound(self, entries: dict[K, V]) -> None:
        """Past the limit, keep the newest half (dicts keep insertion order). Rebuilt at once:
        deleting a dict's first keys one by one makes each next look-up of the first key
        slower (it skips the holes), quadratic over a large run."""
        if len(entries) <= self.limit:
            return
        newest = list(entries.items())[-(self.limit // 2) :]
        entries.clear()
        entries.update(newest)
