"""The ``connector`` command line: the commands, each in a module of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from connector.cli import help_format
from connector.cli.apply_cmd import apply
from connector.cli.audit_cmd import audit
from connector.cli.common import CliState, err, out
from connector.cli.console_cmd import console
from connector.cli.daemon_cmd import run, serve
from connector.cli.dlq_cmd import dlq_app
from connector.cli.errors import print_error
from connector.cli.mappings_cmd import mappings_app
from connector.cli.mrr_cmd import mrr
from connector.cli.reconcile_cmd import reconcile
from connector.cli.revert_cmd import revert
from connector.cli.sandbox import require_sandbox, sandbox_app
from connector.cli.status_cmd import status
from connector.cli.verify_cmd import verify

help_format.install()

DISTRIBUTION = "subsync-connector"


class _OneLineErrors(TyperGroup):
    """Any error a command lets through ends as one line and an exit code, not a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as exc:  # the last net: explained, never a stack of frames
            raise typer.Exit(print_error(err, exc, debug=CliState.debug)) from exc


app = typer.Typer(
    cls=_OneLineErrors,
    help="Keep billing (Stripe), CRM (Salesforce) and ERP (Odoo) subscriptions in agreement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def connector_version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        out.print(f"connector {connector_version()}", highlight=False)
        raise typer.Exit()


@app.callback()
def _top_level(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the full traceback of an error (before its one-line explanation).",
            envvar="CONNECTOR_DEBUG",
        ),
    ] = False,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the connector's version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Keep billing (Stripe), CRM (Salesforce) and ERP (Odoo) subscriptions in agreement."""
    CliState.debug = debug


app.add_typer(mappings_app, name="mappings")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(dlq_app, name="dlq")
app.command()(reconcile)
app.command()(apply)
app.command()(revert)
app.command()(audit)
app.command()(mrr)
app.command()(status)
app.command()(verify)
app.command()(serve)
app.command()(run)
app.command()(console)


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option(help="Where to write the demo's files.")] = Path(".demo"),
    subscriptions: Annotated[
        int, typer.Option(min=10, max=200_000, help="How many subscriptions billing gets.")
    ] = 2000,
    drift: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of drifted records.")
    ] = 0.03,
) -> None:
    """Run the whole job on a generated data set with drift, and show what it does."""
    require_sandbox()
    from connector.cli.demo import run_demo
    from connector.logs import configure_logging

    configure_logging("console", "WARNING")
    raise typer.Exit(run_demo(workdir.resolve(), subscriptions, drift, out))


def main() -> None:
    app()
