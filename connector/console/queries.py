"""What each page shows, read from the store in a bounded number of queries per page.

Every list is one page of at most ``PAGE_SIZE`` rows, read with one query (one more row than
shown, to know whether a next page exists). Values are returned as they are; the templates
escape them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from connector.liveness import DAEMON_ALIVE_WITHIN
from connector.store import AuditEntry, AuditQuery, DeadLetter, RunRecord, StateStore
from connector.store.queue_rows import QueueStats
from connector.store.records import DaemonRecord, SystemDown

PAGE_SIZE = 50
MAX_PAGE = 10_000  # beyond it, a search narrows better than paging

# How a run came about, from its kind (a run's summary may name its trigger itself).
TRIGGERS = {
    "full": "command line",
    "reconcile": "command line",
    "replay": "dead-letter replay",
    "queue": "queue (webhook, poll, replay)",
    "sweep": "daily sweep",
    "poll": "poll",
    "apply": "plan applied",
    "revert": "revert",
}


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    has_next: bool


def page_of(rows: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """``rows`` read with ``limit=size + 1``: the page, and whether another follows."""
    return Page(list(rows[:size]), number, len(rows) > size)


def clamp_page(value: str | None) -> int:
    """A page number from a query string; anything odd is the first page."""
    if value is None or not value.isdigit():
        return 1
    return max(1, min(int(value), MAX_PAGE))


@dataclass(frozen=True)
class RunRow:
    id: str
    kind: str
    trigger: str
    dry_run: bool
    started_at: dt.datetime
    duration: str
    status: str
    counts: dict[str, int]
    calls: dict[str, str]  # system -> "reads / writes"


def _duration(start: dt.datetime, end: dt.datetime | None) -> str:
    if end is None:
        return "running"
    seconds = max((end - start).total_seconds(), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _counts(summary: Mapping[str, Any]) -> dict[str, int]:
    names = ("subscriptions", "changed", "unchanged", "dead_letters", "conflicts")
    return {name: int(summary[name]) for name in names if isinstance(summary.get(name), int)}


def _calls(summary: Mapping[str, Any]) -> dict[str, str]:
    cost = summary.get("cost")
    if not isinstance(cost, dict):
        return {}
    return {
        system: f"{int(c.get('reads', 0)):,} / {int(c.get('writes', 0)):,}"
        for system, c in sorted(cost.items())
        if isinstance(c, dict)
    }


def run_row(run: RunRecord) -> RunRow:
    trigger = run.summary.get("trigger")
    return RunRow(
        id=run.id,
        kind=run.kind,
        trigger=trigger if isinstance(trigger, str) else TRIGGERS.get(run.kind, run.kind),
        dry_run=run.dry_run,
        started_at=run.started_at,
        duration=_duration(run.started_at, run.finished_at),
        status=run.status,
        counts=_counts(run.summary),
        calls=_calls(run.summary),
    )


def runs(store: StateStore, number: int) -> Page[RunRow]:
    rows = store.recent_runs(limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return page_of([run_row(run) for run in rows], number)


@dataclass(frozen=True)
class Diff:
    field: str
    before: Any
    after: Any
    reason: str


@dataclass(frozen=True)
class RecordChange:
    """One target record of one audited change: what was done to it and why."""

    system: str
    object_name: str
    key: str
    action: str
    result: str
    error: str | None
    diffs: list[Diff]


@dataclass(frozen=True)
class EntryView:
    entry: AuditEntry
    records: list[RecordChange] = field(default_factory=list)


def _diffs(detail: Mapping[str, Any]) -> list[Diff]:
    found = detail.get("diffs")
    if isinstance(found, list):
        return [
            Diff(str(d.get("field")), d.get("before"), d.get("after"), str(d.get("reason", "")))
            for d in found
            if isinstance(d, dict)
        ]
    created = detail.get("fields")
    if isinstance(created, dict):  # a record created whole: every field is new
        return [Diff(str(name), None, value, "created") for name, value in created.items()]
    return []


def _record(system: str, detail: Mapping[str, Any]) -> RecordChange:
    error = detail.get("error")
    return RecordChange(
        system=system,
        object_name=str(detail.get("object", "")),
        key=str(detail.get("key", "")),
        action=str(detail.get("action", "")),
        result=str(detail.get("result", "")),
        error=str(error.get("message")) if isinstance(error, dict) else None,
        diffs=_diffs(detail),
    )


def entry_view(entry: AuditEntry) -> EntryView:
    targets = entry.detail.get("targets")
    records: list[RecordChange] = []
    if isinstance(targets, dict):
        for system, details in sorted(targets.items()):
            if isinstance(details, list):
                records.extend(_record(system, d) for d in details if isinstance(d, dict))
    return EntryView(entry, records)


def run_entries(store: StateStore, run_id: str, number: int) -> Page[EntryView]:
    query = AuditQuery(
        run_id=run_id,
        include_dry_runs=True,
        limit=PAGE_SIZE + 1,
        offset=(number - 1) * PAGE_SIZE,
    )
    return page_of([entry_view(e) for e in store.query_audit(query)], number)


def audit_search(store: StateStore, query: AuditQuery, number: int) -> Page[EntryView]:
    paged = AuditQuery(
        **{
            **{name: getattr(query, name) for name in query.__dataclass_fields__},
            "limit": PAGE_SIZE + 1,
            "offset": (number - 1) * PAGE_SIZE,
        }
    )
    return page_of([entry_view(e) for e in store.query_audit(paged)], number)


def dead_letters(store: StateStore, status: str | None, number: int) -> Page[DeadLetter]:
    rows = store.list_dead_letters(status, PAGE_SIZE + 1, (number - 1) * PAGE_SIZE)
    return page_of(rows, number)


@dataclass(frozen=True)
class Health:
    queue: QueueStats
    oldest_age: str | None
    down: list[SystemDown]
    last_synced: dict[str, dt.datetime]
    daemons: list[DaemonRecord]
    open_letters: int


def _age(since: dt.datetime | None, now: dt.datetime) -> str | None:
    if since is None:
        return None
    seconds = int(max((now - since).total_seconds(), 0))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {seconds:02d} s"


def health(store: StateStore, now: dt.datetime) -> Health:
    queue = store.queue_stats(now)
    return Health(
        queue=queue,
        oldest_age=_age(queue.oldest_enqueued_at, now),
        down=store.systems_down(),
        last_synced=dict(sorted(store.last_synced().items())),
        daemons=store.live_daemons(now, DAEMON_ALIVE_WITHIN),
        open_letters=store.count_dead_letters("open"),
    )
