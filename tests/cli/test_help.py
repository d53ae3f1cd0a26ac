"""``--help`` and ``--version``: every flag explained, none with a type it does not take."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from connector.cli.app import app, connector_version
from connector.cli.daemon_cmd import bound_to
from connector.config import load_settings

runner = CliRunner()


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    if hasattr(command, "commands"):  # a group of commands
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_has_help(path: tuple[str, ...], command: Any) -> None:
    """An option without a sentence saying what it does is a guess for the operator."""
    undocumented = [
        param.opts[0]
        for param in command.params
        if param.param_type_name == "option" and not (param.help or "").strip()
    ]
    assert undocumented == [], f"connector {' '.join(path)}: {undocumented}"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_shows_no_bool_metavar(path: tuple[str, ...]) -> None:
    """A flag takes no value: its help line must not read ``--dry-run <bool>``."""
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output


def test_version_prints_the_package_version() -> None:
    """``connector --version`` names the installed package's version."""
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"connector {connector_version()}"
    assert connector_version()[0].isdigit()


def test_run_takes_host_and_port() -> None:
    """``connector run --host/--port`` override where the webhook server binds."""
    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    assert "--host" in result.output
    assert "--port" in result.output


def test_run_host_and_port_reach_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The values given on the command line are the ones the webhook server binds to."""
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None)
    bound = bound_to(settings, "127.0.0.2", 18080)
    assert (bound.webhook.host, bound.webhook.port) == ("127.0.0.2", 18080)
    assert bound_to(settings, None, None).webhook.port == settings.webhook.port
