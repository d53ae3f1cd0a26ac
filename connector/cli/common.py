"""What every command shares: options, consoles, settings and how errors become exit codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from connector.config import Settings, load_settings
from connector.errors import ConfigError, ConnectorError
from connector.logs import configure_logging
from connector.mapping import MappingError
from connector.report import ExitCode

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Configuration file (TOML or YAML).", envvar="CONNECTOR_CONFIG"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def settings_for(config: Path | None) -> Settings:
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(ExitCode.USAGE) from exc
    configure_logging(settings.log_format, settings.log_level)
    return settings


def fail_usage(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(ExitCode.USAGE)


@contextmanager
def exits_for(what: str) -> Iterator[None]:
    """A command's errors as exit codes: bad configuration or mapping 2, a failure 1."""
    try:
        yield
    except (MappingError, ConfigError) as exc:
        raise fail_usage(exc) from exc
    except ConnectorError as exc:
        err.print(f"[red]{what}:[/red] {exc}")
        raise typer.Exit(ExitCode.FAILED) from exc


def moment(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise fail_usage(ValueError(f"{option} {text!r} is not an ISO date")) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def utc_day(text: str, option: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise fail_usage(ValueError(f"{option} {text!r} is not a date (YYYY-MM-DD)")) from exc
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
