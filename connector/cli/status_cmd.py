"""`connector status`: what the state store says."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from connector.cli.common import (
    ConfigOption,
    JsonOption,
    existing_store,
    out,
    settings_for,
)

if TYPE_CHECKING:
    from connector.store import StateStore
    from connector.store.records import SystemDown


def _facts(store: StateStore, store_url: str, now: dt.datetime) -> dict[str, Any]:
    from connector.cli.status_daemons import live_daemons
    from connector.redaction import redact_text

    queue = store.queue_stats(now)
    runs = store.recent_runs(10)
    return {
        # the URL may carry the database password: masked like in every log line
        "store": redact_text(store_url),
        "schema_version": store.schema_version(),
        "subscriptions_synced": store.count_known(),
        "open_dead_letters": store.count_dead_letters("open"),
        "queue": queue,
        "cursors": store.cursors(),
        "systems_down": store.systems_down(),
        "runs": runs,
        "daemons": live_daemons(store),
    }


def _as_json(info: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    from connector.cli.humanize import cursor_reading
    from connector.cli.render import run_duration
    from connector.cli.status_daemons import daemons_json
    from connector.store.queue_rows import QueueStats

    queue: QueueStats = info["queue"]
    return {
        **info,
        "queue": {
            "queued": queue.queued,
            "leased": queue.leased,
            "delayed": queue.delayed,
            "oldest_enqueued_at": queue.oldest_enqueued_at,
        },
        "daemons": daemons_json(info["daemons"]),
        "cursors": info["cursors"],
        "cursor_readings": {
            name: cursor_reading(name, value, now) for name, value in info["cursors"].items()
        },
        "systems_down": [
            {"system": d.system, "reason": d.reason, "since": d.since, "resume_at": d.resume_at}
            for d in info["systems_down"]
        ],
        "runs": [
            {
                "id": r.id,
                "kind": r.kind,
                "started_at": r.started_at,
                "status": r.status,
                "finished_at": r.finished_at,
                "duration_seconds": run_duration(r, now),
                "dry_run": r.dry_run,
            }
            for r in info["runs"]
        ],
    }


def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Show the state store: schema, known subscriptions, dead letters, cursors, last runs."""
    from connector.cli.render import dumps
    from connector.store import utcnow

    settings = settings_for(config)
    now = utcnow()
    with existing_store(settings) as store:
        info = _facts(store, settings.store_url, now)
    if as_json:
        sys.stdout.write(dumps(_as_json(info, now)) + "\n")
        return
    print_status(out, info, now)


def _print_down(console: Console, down: SystemDown) -> None:
    from connector.cli.humanize import when

    console.print(
        f"[bold red]{escape(down.system)} is down[/bold red] since {when(down.since)}: "
        f"{escape(down.reason)}; paused, its keys wait in the queue"
        + (f" (next try {when(down.resume_at)})" if down.resume_at else "")
    )


def print_status(console: Console, info: dict[str, Any], now: dt.datetime) -> None:
    from connector.cli.humanize import ago, count, cursor_reading, when
    from connector.cli.render import print_runs
    from connector.cli.status_daemons import print_daemons
    from connector.store.queue_rows import QueueStats

    console.print(
        f"store {escape(info['store'])} (schema v{info['schema_version']}): "
        f"{count(info['subscriptions_synced'])} subscriptions synced, "
        f"{count(info['open_dead_letters'])} open dead letters"
    )
    queue: QueueStats = info["queue"]
    console.print(
        f"queue: {count(queue.queued)} queued ({count(queue.delayed)} backing off), "
        f"{count(queue.leased)} in work"
        + (
            f", oldest since {when(queue.oldest_enqueued_at)} "
            f"({ago(queue.oldest_enqueued_at, now)})"
            if queue.oldest_enqueued_at
            else ""
        )
    )
    print_daemons(console, info["daemons"])
    for down in info["systems_down"]:
        _print_down(console, down)
    for name, value in info["cursors"].items():
        console.print(f"cursor {escape(cursor_reading(name, value, now))}")
    print_runs(console, info["runs"], now)
