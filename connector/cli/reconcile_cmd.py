"""`connector reconcile`: bring the CRM and the ERP in line with billing."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from connector.cli.common import (
    ConfigOption,
    JsonOption,
    err,
    exits_for,
    fail_usage,
    out,
    settings_for,
)
from connector.cli.plan_out import (
    DetailedExitOption,
    PlanOutOption,
    check_plan_options,
    detailed_exit,
    save_plan,
    usage_errors_as_failures,
)


@usage_errors_as_failures
def reconcile(
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan and show, write nothing.")
    ] = False,
    subscription: Annotated[
        list[str] | None,
        typer.Option(
            "--subscription",
            "-s",
            help="Only these subscription ids (repeatable). An id billing does not have and "
            "that was never synced is a usage error (exit 2).",
        ),
    ] = None,
    allow_mass_changes: Annotated[
        bool,
        typer.Option("--allow-mass-changes", help="Apply even if the safety valve trips."),
    ] = False,
    as_json: JsonOption = False,
    include_noop: Annotated[
        bool,
        typer.Option(
            "--include-noop", help="With --json: also list subscriptions with nothing to do."
        ),
    ] = False,
    plan_out: PlanOutOption = None,
    detailed_exitcode: DetailedExitOption = False,
) -> None:
    """Bring the CRM and the ERP in line with billing (all subscriptions, or some)."""
    from connector.burst import drain
    from connector.cli.progress import progress_reporter
    from connector.cli.render import print_report, write_report_json
    from connector.daemon import queue_policy
    from connector.logs import get_logger
    from connector.reconciler import RunOptions
    from connector.runtime import open_runtime

    check_plan_options(dry_run, plan_out, detailed_exitcode)
    settings = settings_for(config)
    logger = get_logger("connector.cli")
    options = RunOptions(
        dry_run=dry_run,
        allow_mass_changes=allow_mass_changes,
        kind="reconcile" if subscription else "full",
        # Only a document of every plan needs them all; the table shows the first few.
        keep_plans=as_json or plan_out is not None,
    )
    with (
        exits_for("run failed"),
        progress_reporter(logger, enabled=not as_json) as progress,
        open_runtime(settings, progress) as runtime,
    ):
        if subscription:
            unknown = runtime.reconciler.unknown_keys(subscription)
            if unknown:
                raise fail_usage(ValueError(_unknown_keys_message(unknown)))
            report = runtime.reconciler.reconcile(subscription, options)
        else:
            report = runtime.reconciler.reconcile_all(options)
        worked = 0
        if not dry_run and report.status != "stopped_by_safety_valve":
            worked = drain(
                runtime.store,
                runtime.reconciler,
                queue_policy(settings),
                settings.daemon.batch_size,
            )
    if as_json:
        write_report_json(sys.stdout, report, include_noop=include_noop)
    else:
        print_report(out, report)
        if worked or report.deferred:
            out.print(
                f"queue: {report.deferred:,} keys left to the queue by this run (another worker "
                f"held them or wrote them meanwhile); {worked:,} queued keys worked before exiting"
            )
    if plan_out is not None:
        save_plan(plan_out, report, runtime, err if as_json else out)
    raise detailed_exit(report) if detailed_exitcode else typer.Exit(report.exit_code)


def _unknown_keys_message(keys: list[str]) -> str:
    """A mistyped id is the operator's to fix, not a record to dead-letter: say which, and how."""
    named = ", ".join(keys)  # printed through say_error, which escapes it
    noun = "subscription" if len(keys) == 1 else "subscriptions"
    return (
        f"billing has no {noun} {named} and none was ever synced: "
        "check the id given to --subscription"
    )
