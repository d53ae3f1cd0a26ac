"""The audit search form: query-string parameters in, an ``AuditQuery`` (or what is wrong) out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from connector.planner.model import ChangeKind
from connector.store import AuditQuery

MAX_TEXT = 200  # longer than any id: anything beyond is not a search term
CHANGES = tuple(kind.value for kind in ChangeKind)


@dataclass(frozen=True)
class SearchForm:
    """The form as typed (shown back on the page) and the query it makes."""

    values: dict[str, str]
    query: AuditQuery
    problems: list[str] = field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return any(self.values.get(name) for name in FIELDS)


FIELDS = ("subscription", "customer", "change", "system", "from", "to", "dry_runs")


def _day(text: str, name: str, problems: list[str]) -> dt.datetime | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"{name}: {text[:20]!r} is not a date; use YYYY-MM-DD")
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def parse(params: Mapping[str, str]) -> SearchForm:
    """``to`` is a day included in the search; unknown changes and bad dates are named."""
    values = {name: params.get(name, "").strip()[:MAX_TEXT] for name in FIELDS}
    problems: list[str] = []
    change = values["change"] or None
    if change is not None and change not in CHANGES:
        problems.append(f"change: {change!r} is not a kind of change; pick one from the list")
        change = None
    since = _day(values["from"], "from", problems)
    until = _day(values["to"], "to", problems)
    if until is not None:
        until += dt.timedelta(days=1)
    if since is not None and until is not None and until <= since:
        problems.append("to: the day is before 'from'")
    query = AuditQuery(
        subscription_id=values["subscription"] or None,
        customer_id=values["customer"] or None,
        event_type=change,
        system=values["system"] or None,
        since=since,
        until=until,
        include_dry_runs=values["dry_runs"] == "on",
    )
    return SearchForm(values, query, problems)
