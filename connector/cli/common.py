"""What every command shares: options, consoles, settings and how errors become exit codes.

Every text that did not come from this package's own literals (an error, a path, a record's
value) goes through :func:`rich.markup.escape` before it is printed: the terminal renderer
would otherwise read ``[targets.<name>]`` as a style and eat it, or crash on ``[/x]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from connector.errors import ConfigError, ConnectorError
from connector.exit_codes import ExitCode
from connector.mapping import MappingError

if TYPE_CHECKING:
    from connector.config import Settings
    from connector.store import StateStore

# Command modules import only options, consoles and these helpers at start: Typer reads every
# command's signature to build `connector --help`, so what a command runs (the settings
# models, the store, the runtime) is imported inside the command (tests/cli/test_fast_start.py).

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Configuration file (TOML or YAML).", envvar="CONNECTOR_CONFIG"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output (JSON).")]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class CliState:
    """Set by the top-level options before any command runs."""

    debug = False


def say_error(label: str, message: object) -> None:
    """One error line on stderr: a red label, then the message exactly as it reads."""
    err.print(f"[red]{escape(label)}:[/red] {escape(str(message))}", highlight=False)


def settings_for(config: Path | None) -> Settings:
    from connector.config import load_settings
    from connector.logs import configure_logging

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        say_error("configuration error", exc)
        raise typer.Exit(ExitCode.USAGE) from exc
    configure_logging(settings.log_format, settings.log_level)
    return settings


def fail_usage(exc: Exception) -> typer.Exit:
    say_error("error", exc)
    return typer.Exit(ExitCode.USAGE)


@contextmanager
def exits_for(what: str) -> Iterator[None]:
    """A command's errors as exit codes: bad configuration or mapping 2, a failure 1."""
    try:
        yield
    except (MappingError, ConfigError) as exc:
        raise fail_usage(exc) from exc
    except ConnectorError as exc:
        if CliState.debug:
            raise  # the top level prints the traceback, then the same line
        from connector.cli.errors import explain

        explained = explain(exc)
        say_error(what, explained.sentence() if explained.label != "error" else explained.detail())
        raise typer.Exit(ExitCode.FAILED) from exc


def _sqlite_file(url: str) -> Path | None:
    if url.startswith(("postgresql://", "postgres://")):
        return None
    path = url.removeprefix("sqlite:///")
    return None if path == ":memory:" else Path(path)


@contextmanager
def existing_store(settings: Settings) -> Iterator[StateStore]:
    """The state store for a command that only reads it: never created as a side effect.

    A missing SQLite file means nothing ran yet with this configuration, or the wrong
    configuration was found: say which file was looked for and how to make one (exit 2).
    """
    path = _sqlite_file(settings.store_url)
    if path is not None and not path.exists():
        where = (
            f"configuration {settings.config_path}"
            if settings.config_path
            else "no configuration file found (pass --config, set CONNECTOR_CONFIG, "
            "or add connector.toml here)"
        )
        say_error(
            "no state store yet",
            f"{path} does not exist ({where}); a first `connector reconcile` or "
            "`connector run` creates it",
        )
        raise typer.Exit(ExitCode.USAGE)
    from connector.store import open_store

    store = open_store(settings.store_url)
    try:
        yield store
    finally:
        store.close()


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
