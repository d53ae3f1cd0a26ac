"""Query cursors behind ``nextRecordsUrl``.

A query returning more rows than the batch size (2,000 by default, 200..2,000 through the
``Sforce-Query-Options: batchSize=N`` header) answers with ``done: false`` and a
``nextRecordsUrl`` of the form ``/services/data/vXX.X/query/01gXXXXXXXXXXXXXXX-2000``: a query
locator and the offset of the next batch. Salesforce keeps a limited number of open cursors
per user and drops idle ones after 15 minutes; an unknown locator answers
``INVALID_QUERY_LOCATOR``.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from connector.sandbox.salesforce.ids import checksum
from connector.sandbox.salesforce.records import Record

CURSOR_IDLE_SECONDS = 15 * 60
MAX_OPEN_CURSORS = 100


@dataclass
class Cursor:
    locator: str
    rows: list[Record]
    layout: list[Any]
    object_name: str
    include_deleted: bool
    batch_size: int
    touched: float = field(default_factory=time.monotonic)


class CursorStore:
    """Open cursors by locator, least recently used dropped first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._counter = itertools.count(1)

    def open(
        self,
        rows: list[Record],
        layout: list[Any],
        object_name: str,
        include_deleted: bool,
        batch_size: int,
    ) -> Cursor:
        base = f"01g5g{next(self._counter):010d}"
        cursor = Cursor(
            base + checksum(base), rows, layout, object_name, include_deleted, batch_size
        )
        with self._lock:
            self._cursors[cursor.locator] = cursor
            while len(self._cursors) > MAX_OPEN_CURSORS:
                self._cursors.popitem(last=False)
        return cursor

    def get(self, locator: str) -> Cursor | None:
        now = time.monotonic()
        with self._lock:
            cursor = self._cursors.get(locator)
            if cursor is None:
                return None
            if now - cursor.touched > CURSOR_IDLE_SECONDS:
                del self._cursors[locator]
                return None
            cursor.touched = now
            self._cursors.move_to_end(locator)
            return cursor

    def close(self, locator: str) -> None:
        with self._lock:
            self._cursors.pop(locator, None)

    def clear(self) -> None:
        with self._lock:
            self._cursors.clear()
