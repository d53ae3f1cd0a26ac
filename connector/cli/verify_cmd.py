"""`connector verify`: compare the three systems, write nothing."""

from __future__ import annotations

import sys

import typer

from connector.cli.common import (
    ConfigOption,
    JsonOption,
    exits_for,
    out,
    settings_for,
)
from connector.exit_codes import ExitCode


def verify(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Compare status and MRR as billing, the CRM and the ERP each state them; writes nothing.

    Exit code 0 only when every subscription agrees in every system, 1 otherwise.
    """
    from connector.cli.verify_render import print_verify, verify_json
    from connector.runtime import open_runtime
    from connector.verify import verify_systems

    settings = settings_for(config)
    with exits_for("verify failed"), open_runtime(settings) as runtime:
        report = verify_systems(
            runtime.source, runtime.targets, create_cancelled=settings.sync.create_cancelled
        )
    if as_json:
        sys.stdout.write(verify_json(report) + "\n")
    else:
        print_verify(out, report)
    raise typer.Exit(ExitCode.CLEAN if report.agrees else ExitCode.FAILED)
