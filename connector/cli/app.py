"""The ``connector`` command line: the commands, each in a module of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from connector.cli.apply_cmd import apply
from connector.cli.audit_cmd import audit
from connector.cli.common import out
from connector.cli.console_cmd import console
from connector.cli.daemon_cmd import run, serve
from connector.cli.dlq_cmd import dlq_app
from connector.cli.mappings_cmd import mappings_app
from connector.cli.mrr_cmd import mrr
from connector.cli.reconcile_cmd import reconcile
from connector.cli.revert_cmd import revert
from connector.cli.sandbox import sandbox_app
from connector.cli.status_cmd import status
from connector.cli.verify_cmd import verify
from connector.logs import configure_logging

app = typer.Typer(
    help="Keep billing (Stripe), CRM (Salesforce) and ERP (Odoo) subscriptions in agreement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
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
    subscriptions: Annotated[int, typer.Option(min=10, max=200_000)] = 2000,
    drift: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of drifted records.")
    ] = 0.03,
) -> None:
    """Run the whole job on a generated data set with drift, and show what it does."""
    from connector.cli.demo import run_demo

    configure_logging("console", "WARNING")
    raise typer.Exit(run_demo(workdir.resolve(), subscriptions, drift, out))


def main() -> None:
    app()
