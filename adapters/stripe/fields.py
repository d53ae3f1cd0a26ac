"""Reading fields of a Stripe JSON object, each failure naming the field's path.

Translation must turn a malformed record into a :class:`~connector.records.RecordError` that
says *where* it is malformed (``items.data[1].price.unit_amount``), so every accessor here
knows the path of the object it reads and raises :class:`FieldError` with the full path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any


class FieldError(ValueError):
    """A field of a Stripe object is missing or not of the expected shape."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class Fields:
    """A JSON object from Stripe and where it sits in the record (its path)."""

    def __init__(self, raw: Any, path: str = "") -> None:
        if not isinstance(raw, dict):
            raise FieldError(path or "(record)", f"expected an object, got {_kind(raw)}")
        self.raw: dict[str, Any] = raw
        self.path = path

    def at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, problem: str) -> FieldError:
        return FieldError(self.at(name), problem)

    def has(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def value(self, name: str) -> Any:
        return self.raw.get(name)

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        if not isinstance(value, str) or not value:
            raise self.error(name, f"expected a non-empty string, got {_kind(value)}")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(name, f"expected a string, got {_kind(value)}")
        return value

    def integer(self, name: str) -> int:
        value = self.raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"expected an integer, got {_kind(value)}")
        return value

    def opt_integer(self, name: str) -> int | None:
        return None if self.raw.get(name) is None else self.integer(name)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(name, f"expected a boolean, got {_kind(value)}")
        return value

    def time(self, name: str) -> dt.datetime:
        """A Unix timestamp (seconds, as Stripe sends every time) as an aware UTC datetime."""
        seconds = self.integer(name)
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise self.error(name, f"{seconds} is not a usable timestamp") from exc

    def opt_time(self, name: str) -> dt.datetime | None:
        return None if self.raw.get(name) is None else self.time(name)

    def obj(self, name: str) -> Fields:
        return Fields(self.raw.get(name), self.at(name))

    def opt_obj(self, name: str) -> Fields | None:
        return None if self.raw.get(name) is None else self.obj(name)

    def array(self, name: str) -> list[Any]:
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, f"expected a list, got {_kind(value)}")
        return value

    def objects(self, name: str) -> Iterator[Fields]:
        """The objects of list field ``name``, each with its indexed path."""
        for index, value in enumerate(self.array(name)):
            yield Fields(value, f"{self.at(name)}[{index}]")

    def metadata(self, name: str = "metadata") -> dict[str, str]:
        value = self.raw.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(name, f"expected an object, got {_kind(value)}")
        out: dict[str, str] = {}
        for key, item in value.items():
            if not isinstance(item, str):
                raise self.error(f"{name}.{key}", f"expected a string, got {_kind(item)}")
            out[str(key)] = item
        return out

    def ref_id(self, name: str) -> str:
        """An expandable reference: the id whether it came as ``"id"`` or as an object."""
        value = self.raw.get(name)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            return Fields(value, self.at(name)).text("id")
        raise self.error(name, f"expected an id or an object, got {_kind(value)}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"[:80]
