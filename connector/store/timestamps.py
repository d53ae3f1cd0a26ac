"""How the store writes times: UTC ISO-8601 text with microseconds, which sorts correctly."""

from __future__ import annotations

import datetime as dt


def to_text(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def from_text(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
