"""`connector audit`: query the audit trail."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from connector.cli.common import (
    ConfigOption,
    JsonOption,
    err,
    existing_store,
    moment,
    out,
    settings_for,
)


def audit(
    config: ConfigOption = None,
    subscription: Annotated[
        str | None, typer.Option("--subscription", "-s", help="Only this subscription id.")
    ] = None,
    event_type: Annotated[
        str | None, typer.Option("--type", "-t", help="e.g. cancelled, upgraded, paused")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="ISO date or date-time (UTC if no zone)")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Before this ISO date or date-time (UTC).")
    ] = None,
    run: Annotated[str | None, typer.Option("--run", help="Only this run id.")] = None,
    system: Annotated[
        str | None, typer.Option("--system", help="Only changes planned for this target.")
    ] = None,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="applied, failed, partial, planned...")
    ] = None,
    include_dry_runs: Annotated[
        bool, typer.Option("--include-dry-runs", help="Also show what dry runs planned.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=100_000, help="At most this many, newest first.")
    ] = 100,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per entry.")] = False,
) -> None:
    """Query the audit trail: who changed what, when, and the MRR effect."""
    from connector.cli.render import audit_csv, audit_json, print_audit
    from connector.store import AuditQuery

    settings = settings_for(config)
    query = AuditQuery(
        subscription,
        event_type,
        moment(since, "--since"),
        run,
        include_dry_runs,
        limit + 1,  # one more tells whether the answer was cut
        until=moment(until, "--until"),
        outcome=outcome,
        system=system,
    )
    with existing_store(settings) as store:
        entries = store.query_audit(query)
    truncated = len(entries) > limit
    entries = entries[:limit]
    if as_csv:
        sys.stdout.write(audit_csv(entries))
    elif as_json:
        sys.stdout.write(audit_json(entries) + "\n")
    else:
        print_audit(out, entries)
    if truncated:
        err.print(
            f"Showing the newest {limit:,} entries; there are more. "
            "Narrow with --since/--until, or raise --limit."
        )
