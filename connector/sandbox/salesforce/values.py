"""Canonical stored forms of field values.

Values are kept in the JSON form the REST API returns, so answers need no conversion:
datetimes as ``2026-01-05T10:00:00.000+0000`` in UTC, dates as ``2026-01-05``, numbers as
floats, booleans and strings as such. Both datetime and date forms sort chronologically as
plain strings, which the SOQL evaluator relies on.
"""

from __future__ import annotations

import datetime as dt
import re

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def format_datetime(value: dt.datetime) -> str:
    """``2026-01-05T10:00:00.000+0000`` (UTC, millisecond precision)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def now_stamp() -> str:
    return format_datetime(dt.datetime.now(dt.UTC))


def parse_datetime(text: str) -> dt.datetime | None:
    """Parse an ISO-8601 datetime as Salesforce accepts it; naive values are UTC."""
    match = _DATETIME_RE.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz: dt.tzinfo = dt.UTC
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        tz = dt.timezone(sign * offset)
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
    except ValueError:
        return None


def parse_date(text: str) -> dt.date | None:
    match = _DATE_RE.match(text.strip())
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def canonical_datetime(text: str) -> str | None:
    parsed = parse_datetime(text)
    if parsed is None:
        parsed_date = parse_date(text)
        if parsed_date is None:
            return None
        parsed = dt.datetime(parsed_date.year, parsed_date.month, parsed_date.day, tzinfo=dt.UTC)
    return format_datetime(parsed)


def canonical_date(text: str) -> str | None:
    parsed = parse_date(text)
    if parsed is not None:
        return parsed.isoformat()
    stamp = parse_datetime(text)
    return stamp.date().isoformat() if stamp is not None else None
