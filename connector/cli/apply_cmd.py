"""`connector apply FILE`: apply exactly a plan saved by `reconcile --dry-run --plan-out`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from connector.cli.common import ConfigOption, JsonOption, exits_for, fail_usage, out, settings_for

if TYPE_CHECKING:
    from connector.plan_apply import PlanApplied


def apply(
    plan_file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A plan saved by `connector reconcile --dry-run --plan-out FILE`.",
            show_default=False,
        ),
    ],
    config: ConfigOption = None,
    allow_mass_changes: Annotated[
        bool,
        typer.Option("--allow-mass-changes", help="Apply even if the safety valve trips."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Apply exactly a reviewed plan, and nothing else.

    Billing and the targets are read again first.
    What moved since the plan is refused, one line per subscription saying why.
    The rest is applied like any run: leases, safety valve, audit, dead letters.
    A plan made with other mappings is refused whole (exit 2).
    Exit 5 when some subscriptions were refused: make a new plan to review them.
    """
    from connector.cli.progress import progress_reporter
    from connector.cli.render import dumps, report_json
    from connector.logs import get_logger
    from connector.plan_apply import PlanRefusedError, apply_plan
    from connector.plan_file import PlanFileError, read_plan
    from connector.runtime import open_runtime

    settings = settings_for(config)
    try:
        document = read_plan(plan_file)
    except PlanFileError as exc:
        raise fail_usage(exc) from exc
    with (
        exits_for("apply failed"),
        progress_reporter(get_logger("connector.cli"), enabled=not as_json) as progress,
        open_runtime(settings, progress) as runtime,
    ):
        try:
            applied = apply_plan(
                document, runtime.reconciler, allow_mass_changes=allow_mass_changes
            )
        except PlanRefusedError as exc:
            raise fail_usage(exc) from exc
    if as_json:
        body = json.loads(report_json(applied.report))
        body["plan"] = document.run_id
        body["refused"] = [
            {"subscription": r.subscription, "reason": r.reason} for r in applied.refused
        ]
        sys.stdout.write(dumps(body) + "\n")
    else:
        _print_applied(applied, document.run_id, len(document.by_subscription()))
    raise typer.Exit(applied.exit_code)


def _print_applied(applied: PlanApplied, plan_id: str, planned: int) -> None:
    from connector.cli.render import print_report

    for refusal in applied.refused:
        out.print(f"[yellow]refused[/yellow] {escape(refusal.line())}")
    print_report(out, applied.report)
    taken = planned - len(applied.refused)
    out.print(
        f"plan {plan_id}: {taken} of {planned} subscriptions taken, {len(applied.refused)} refused"
    )
    if applied.refused:
        out.print(
            "The refused ones moved since the plan was made: nothing was written for them. "
            "Make a new plan (`connector reconcile --dry-run --plan-out FILE`) to review them."
        )
