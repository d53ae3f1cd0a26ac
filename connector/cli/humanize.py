"""Numbers, times and cursors as a person reads them at a terminal."""

from __future__ import annotations

import datetime as dt

from adapters.stripe.cursor import CursorError, EventCursor


def count(number: int) -> str:
    """``20000`` -> ``20,000``."""
    return f"{number:,}"


def duration(seconds: float) -> str:
    """``0.4 s``, ``42 s``, ``3 min 05 s``, ``2 h 07 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours:,} h {minutes:02d} min"


def when(moment: dt.datetime) -> str:
    """A moment in UTC, to the minute: ``2026-12-03 09:12 UTC``."""
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def ago(moment: dt.datetime, now: dt.datetime) -> str:
    """How long before ``now``: ``just now``, ``3 min ago``, ``2 h ago``, ``4 days ago``."""
    seconds = (now - moment).total_seconds()
    if seconds < 0:
        return "in the future (clocks differ?)"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400):,} days ago"


def cursor_reading(name: str, value: str, now: dt.datetime) -> str:
    """What a change-feed cursor means: how far the feed was read, and how long ago that is."""
    system = name.split(".", 1)[0]
    try:
        position = EventCursor.parse(value)
    except CursorError:
        return f"{name}: {value}"
    if position.created == 0:
        return f"{system} events: none read yet"
    moment = dt.datetime.fromtimestamp(position.created, dt.UTC)
    return f"{system} events up to {when(moment)} ({ago(moment, now)})"
