"""`connector revert RUN_ID`: put back the values a run's writes replaced."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from connector.cli.common import ConfigOption, JsonOption, exits_for, fail_usage, out, settings_for


def revert(
    run_id: Annotated[
        str,
        typer.Argument(
            metavar="RUN_ID",
            help="The run to revert (`connector status` lists recent runs).",
            show_default=False,
        ),
    ],
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be put back; write nothing.")
    ] = False,
    allow_mass_changes: Annotated[
        bool,
        typer.Option("--allow-mass-changes", help="Revert even if the safety valve trips."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Put back the values a run's writes replaced, as its audit trail recorded them.

    For a wrong mapping or a wrong run, NOT a way to overrule billing:
    the next reconcile puts billing's truth back (to it, a revert is a hand edit).
    Stop the daemon and scheduled runs, or fix the mapping, to keep the values.

    Fields changed again since that run are skipped and listed.
    Records that run created are listed and left in place.
    Writes go under leases, through the safety valve, audited naming the run.
    """
    from connector.cli.render import dumps
    from connector.cli.revert_render import print_reverted, reverted_json
    from connector.revert import RevertError, revert_run
    from connector.runtime import open_runtime

    settings = settings_for(config)
    with exits_for("revert failed"), open_runtime(settings) as runtime:
        try:
            done = revert_run(
                runtime.reconciler,
                run_id,
                dry_run=dry_run,
                allow_mass_changes=allow_mass_changes,
            )
        except RevertError as exc:
            raise fail_usage(exc) from exc
    if as_json:
        sys.stdout.write(dumps(reverted_json(done)) + "\n")
    else:
        print_reverted(out, done)
    raise typer.Exit(done.exit_code)
