"""`connector status`: what the state store says."""

from __future__ import annotations

import sys

from connector.cli.common import (
    ConfigOption,
    JsonOption,
    out,
    settings_for,
)
from connector.cli.render import (
    dumps,
    print_runs,
)
from connector.cli.status_daemons import daemons_json, live_daemons, print_daemons
from connector.redaction import redact_text
from connector.store import open_store, utcnow


def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Show the state store: schema, known subscriptions, dead letters, cursors, last runs."""
    settings = settings_for(config)
    store = open_store(settings.store_url)
    try:
        queue = store.queue_stats(utcnow())
        runs = store.recent_runs(10)
        store_cursors = store.cursors()
        down = store.systems_down()
        daemons = live_daemons(store)
        info = {
            # the URL may carry the database password: masked like in every log line
            "store": redact_text(settings.store_url),
            "schema_version": store.schema_version(),
            "subscriptions_synced": store.count_known(),
            "open_dead_letters": store.count_dead_letters("open"),
            "queue": {
                "queued": queue.queued,
                "leased": queue.leased,
                "delayed": queue.delayed,
                "oldest_enqueued_at": queue.oldest_enqueued_at,
            },
            "cursors": store_cursors,
            "systems_down": [
                {
                    "system": d.system,
                    "reason": d.reason,
                    "since": d.since,
                    "resume_at": d.resume_at,
                }
                for d in down
            ],
            "daemons": daemons_json(daemons),
            "runs": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "started_at": r.started_at,
                    "status": r.status,
                    "finished_at": r.finished_at,
                    "dry_run": r.dry_run,
                }
                for r in runs
            ],
        }
    finally:
        store.close()
    if as_json:
        sys.stdout.write(dumps(info) + "\n")
        return
    out.print(
        f"store {info['store']} (schema v{info['schema_version']}): "
        f"{info['subscriptions_synced']} subscriptions synced, "
        f"{info['open_dead_letters']} open dead letters"
    )
    out.print(
        f"queue: {queue.queued} queued ({queue.delayed} backing off), {queue.leased} in work"
        + (
            f", oldest since {queue.oldest_enqueued_at:%Y-%m-%d %H:%M:%S}"
            if queue.oldest_enqueued_at
            else ""
        )
    )
    for d in down:
        out.print(
            f"[bold red]{d.system} is down[/bold red] since {d.since:%Y-%m-%d %H:%M:%S}: "
            f"{d.reason}; paused, its keys wait in the queue"
            + (f" (next try {d.resume_at:%H:%M:%S})" if d.resume_at else "")
        )
    print_daemons(out, daemons)
    for name, value in store_cursors.items():
        out.print(f"cursor {name}: {value}")
    print_runs(out, runs)
