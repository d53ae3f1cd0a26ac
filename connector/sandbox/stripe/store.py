"""An indexed, ordered collection of one resource type, and Stripe-style list pagination.

Objects are kept in a dict by id and in a list sorted by ``(created, sequence)`` so that
"newest first" listing, ``created[...]`` ranges (bisect) and ``starting_after`` /
``ending_before`` cursors (bisect on the cursor's key) cost O(log n + page size) when no other
filter applies.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from connector.sandbox.stripe.errors import resource_missing

Obj = dict[str, Any]
Key = tuple[int, int]


@dataclass(frozen=True)
class CreatedRange:
    """``created[gt|gte|lt|lte]`` (or ``created=<ts>``) as inclusive bounds."""

    lower: int | None = None
    upper: int | None = None


@dataclass(frozen=True)
class Page:
    data: list[Obj]
    has_more: bool


class Collection:
    """Objects of one type, newest first."""

    def __init__(self, kind: str, created_field: str = "created") -> None:
        self.kind = kind
        self._created_field = created_field
        self._objects: dict[str, Obj] = {}
        self._keys: list[Key] = []
        self._ids: list[str] = []
        self._key_of: dict[str, Key] = {}
        self._sequence = 0
        self._dirty = False

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._objects

    def get(self, object_id: str) -> Obj | None:
        return self._objects.get(object_id)

    def require(self, object_id: str, param: str = "id") -> Obj:
        found = self._objects.get(object_id)
        if found is None:
            raise resource_missing(self.kind, object_id, param)
        return found

    def values(self) -> Iterator[Obj]:
        """All objects, oldest first."""
        self._ordered()
        for object_id in self._ids:
            yield self._objects[object_id]

    def add(self, obj: Obj) -> None:
        """Insert an object; out-of-order ``created`` values are sorted lazily (bulk loads)."""
        object_id: str = obj["id"]
        self._sequence += 1
        key = (int(obj[self._created_field]), self._sequence)
        self._objects[object_id] = obj
        self._key_of[object_id] = key
        if self._keys and key < self._keys[-1]:
            self._dirty = True
        self._keys.append(key)
        self._ids.append(object_id)

    def _ordered(self) -> None:
        if self._dirty:
            pairs = sorted(zip(self._keys, self._ids, strict=True))
            self._keys = [pair[0] for pair in pairs]
            self._ids = [pair[1] for pair in pairs]
            self._dirty = False

    def replace(self, obj: Obj) -> None:
        """Store a new version of an existing object (its position does not change)."""
        self._objects[obj["id"]] = obj

    def remove(self, object_id: str) -> None:
        self._ordered()
        key = self._key_of.pop(object_id)
        del self._objects[object_id]
        position = bisect_left(self._keys, key)
        del self._keys[position]
        del self._ids[position]

    def clear(self) -> None:
        self.__init__(self.kind, self._created_field)  # type: ignore[misc]

    def page(
        self,
        limit: int,
        *,
        starting_after: str | None = None,
        ending_before: str | None = None,
        created: CreatedRange | None = None,
        predicate: Callable[[Obj], bool] | None = None,
    ) -> Page:
        """One page, newest first, as ``GET /v1/<resources>`` returns it."""
        self._ordered()
        low = 0
        high = len(self._keys)
        if created is not None:
            if created.lower is not None:
                low = bisect_left(self._keys, (created.lower, -1))
            if created.upper is not None:
                high = bisect_right(self._keys, (created.upper, 1 << 62))
        if ending_before is not None:
            cursor = self._cursor(ending_before, "ending_before")
            start = max(low, bisect_right(self._keys, cursor))
            found: list[Obj] = []
            index = start
            while index < high and len(found) <= limit:
                obj = self._objects[self._ids[index]]
                if predicate is None or predicate(obj):
                    found.append(obj)
                index += 1
            has_more = len(found) > limit
            found = found[:limit]
            found.reverse()
            return Page(found, has_more)
        if starting_after is not None:
            cursor = self._cursor(starting_after, "starting_after")
            high = min(high, bisect_left(self._keys, cursor))
        found = []
        index = high - 1
        while index >= low and len(found) <= limit:
            obj = self._objects[self._ids[index]]
            if predicate is None or predicate(obj):
                found.append(obj)
            index -= 1
        return Page(found[:limit], len(found) > limit)

    def _cursor(self, object_id: str, param: str) -> Key:
        key = self._key_of.get(object_id)
        if key is None:
            raise resource_missing(self.kind, object_id, param)
        return key
