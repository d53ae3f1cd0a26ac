"""Every ``connector`` command line in deploy/ names a command and options the CLI has."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from connector.cli.app import app
from tests.deploy.manifests import CommandLine, command_lines

# Typer's own (vendored) click: commands are read by duck typing, groups have .commands.
ROOT: Any = typer.main.get_command(app)


def _resolve(args: tuple[str, ...]) -> tuple[list[str], Any, list[str]]:
    """(command path, the command or None when a name is unknown, the options used)."""
    command: Any = ROOT
    path: list[str] = []
    rest = list(args)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        path.append(rest.pop(0))
        if sub is None:
            return path, None, []
        command = sub
    options = [token.split("=", 1)[0] for token in rest if token.startswith("-")]
    return path, command, options


def _unique() -> list[CommandLine]:
    seen: dict[tuple[str, ...], CommandLine] = {}
    for line in command_lines():
        seen.setdefault(line.args, line)
    return list(seen.values())


def test_the_files_name_the_commands_operators_need() -> None:
    """The deployment files run the daemon, the nightly reconcile and the sandbox."""
    used = {line.args[:2] for line in command_lines()}
    assert ("run",) in {u[:1] for u in used}
    assert ("reconcile",) in {u[:1] for u in used}
    assert ("sandbox", "up") in used


@pytest.mark.parametrize("line", _unique(), ids=lambda line: line.id)
def test_command_exists_with_its_options(line: CommandLine) -> None:
    """`connector <cmd> --help` succeeds and lists every option the file passes."""
    path, command, options = _resolve(line.args)
    assert command is not None, f"{line.where}: `connector {' '.join(path)}` is no command"
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    unknown = [opt for opt in options if opt not in known]
    assert not unknown, f"{line.where}: `connector {line.id}` uses unknown options {unknown}"


def test_checker_catches_a_misspelt_command_and_option() -> None:
    """The resolver reports an unknown subcommand and leaves unknown options to the check."""
    assert _resolve(("mappings", "chek"))[1] is None
    path, command, options = _resolve(("run", "--worker", "3"))
    assert path == ["run"]
    known = {opt for param in command.params for opt in param.opts}
    assert options == ["--worker"]
    assert "--worker" not in known
