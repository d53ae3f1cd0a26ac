"""What `connector reconcile --dry-run` adds for plans: --plan-out and --detailed-exitcode."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec

import typer
from rich.console import Console
from rich.markup import escape

from connector.cli.common import err, fail_usage
from connector.exit_codes import ExitCode

if TYPE_CHECKING:
    from connector.report import RunReport
    from connector.runtime import Runtime

# `connector reconcile` names these options in its signature, read for `connector --help`:
# what saving a plan needs is imported when a plan is saved.

P = ParamSpec("P")
CHANGES_PENDING = 2

PlanOutOption = Annotated[
    Path | None,
    typer.Option(
        "--plan-out",
        metavar="FILE",
        help="With --dry-run: save the plan to FILE (JSON) for review; `connector apply FILE` "
        "applies exactly it.",
    ),
]
DetailedExitOption = Annotated[
    bool,
    typer.Option(
        "--detailed-exitcode",
        help="With --dry-run: exit 0 when there is nothing to do, 2 when changes are pending, "
        "1 on any error (bad usage included).",
    ),
]


def check_plan_options(dry_run: bool, plan_out: Path | None, detailed: bool) -> None:
    """Both options describe a dry run; the plan's folder must exist before anything runs."""
    if plan_out is not None and not dry_run:
        raise fail_usage(ValueError("--plan-out saves a dry run's plan: add --dry-run"))
    if detailed and not dry_run:
        raise fail_usage(ValueError("--detailed-exitcode describes a dry run: add --dry-run"))
    if plan_out is not None and not plan_out.expanduser().parent.is_dir():
        raise fail_usage(
            ValueError(f"--plan-out {plan_out}: the folder {plan_out.parent} does not exist")
        )


def usage_errors_as_failures(command: Callable[P, None]) -> Callable[P, None]:
    """Under --detailed-exitcode, 2 means only "changes pending": every error exits 1."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except typer.Exit as exc:
            usage = exc.exit_code == ExitCode.USAGE and not isinstance(exc, ChangesPending)
            if kwargs.get("detailed_exitcode") and usage:
                raise typer.Exit(ExitCode.FAILED) from exc
            raise

    return run


def save_plan(path: Path, report: RunReport, runtime: Runtime, console: Console) -> None:
    from connector.plan_file import plan_document, write_plan
    from connector.store import utcnow

    document = plan_document(
        report.plans,
        run_id=report.run_id,
        planned_at=utcnow(),
        mapping_version=runtime.reconciler.mapping_version,
        source_system=runtime.source.system,
    )
    try:
        write_plan(path, document)
    except OSError as exc:
        err.print(f"[red]plan not saved:[/red] {escape(str(path))}: {exc.strerror or exc}")
        raise typer.Exit(ExitCode.FAILED) from exc
    subscriptions = len(document.by_subscription())
    console.print(
        f"plan saved to {escape(str(path))}: {document.write_count} records to write for "
        f"{subscriptions} subscriptions; review it, then apply exactly it with "
        f"`connector apply {escape(str(path))}`"
    )


class ChangesPending(typer.Exit):
    """A dry run's exit 2 under --detailed-exitcode: not a usage error."""


def detailed_exit(report: RunReport) -> typer.Exit:
    """Terraform's meaning: 0 nothing to do, 2 changes pending; other outcomes as usual."""
    code = report.exit_code
    if code is not ExitCode.CLEAN:
        return typer.Exit(code)
    return ChangesPending(CHANGES_PENDING) if report.planned_writes else typer.Exit(0)
