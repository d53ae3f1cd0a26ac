"""`connector mappings`: check and describe mapping files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from connector.cli.common import (
    ConfigOption,
    JsonOption,
    err,
    fail_usage,
    out,
    settings_for,
)
from connector.errors import ConfigError, MappingContractError
from connector.exit_codes import ExitCode
from connector.mapping import MappingError

if TYPE_CHECKING:
    from connector.config import Settings


mappings_app = typer.Typer(help="Check and describe mapping files.", no_args_is_help=True)


@mappings_app.command("check")
def mappings_check(
    config: ConfigOption = None,
    as_json: JsonOption = False,
    live: Annotated[
        bool, typer.Option("--live", help="Also compare with the targets' live schemas.")
    ] = False,
) -> None:
    """Validate the configured mapping files against the canonical schema (and the targets)."""
    from connector.cli.render import dumps
    from connector.runtime import load_target_mappings

    settings = settings_for(config)
    if live:
        _check_live(settings, as_json)
    try:
        mappings = load_target_mappings(settings)
    except MappingError as exc:
        if as_json:
            issues = [
                {"file": i.file, "line": i.line, "field": i.field, "message": i.message}
                for i in exc.issues
            ]
            sys.stdout.write(dumps({"ok": False, "issues": issues}) + "\n")
        else:
            err.print(f"[red]{len(exc.issues)} problem(s) in the mappings:[/red]")
            for issue in exc.issues:
                err.print(f"  {escape(str(issue))}", highlight=False)
        raise typer.Exit(ExitCode.USAGE) from exc
    except ConfigError as exc:
        raise fail_usage(exc) from exc
    described: dict[str, dict[str, Any]] = {
        name: {
            "file": m.path,
            "version": m.digest,
            "objects": {o.name: {"target": o.target, "fields": len(o.fields)} for o in m.ordered()},
        }
        for name, m in mappings.items()
    }
    if as_json:
        sys.stdout.write(dumps({"ok": True, "mappings": described}) + "\n")
        return
    for name, info in described.items():
        objects = ", ".join(
            f"{obj} -> {d['target']} ({d['fields']} fields)" for obj, d in info["objects"].items()
        )
        out.print(
            "[green]ok[/green] "
            + escape(f"{name}: {info['file']} (version {info['version']}): {objects}")
        )


def _check_live(settings: Settings, as_json: bool) -> None:
    from connector.cli.render import dumps
    from connector.runtime import open_runtime

    try:
        with open_runtime(settings) as runtime:
            runtime.reconciler.check_contracts(force=True)
    except MappingContractError as exc:
        if as_json:
            sys.stdout.write(dumps({"ok": False, "live": exc.problems}) + "\n")
        else:
            err.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
        raise typer.Exit(ExitCode.USAGE) from exc
    except (MappingError, ConfigError) as exc:
        raise fail_usage(exc) from exc


@mappings_app.command("schema")
def mappings_schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of mapping files, for editor completion and validation."""
    from connector.mapping import mapping_json_schema

    text = json.dumps(mapping_json_schema(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
