"""`connector console` refuses, in one line and exit 2, what would leave it unusable: no token,
a store that does not exist, a port already taken. Its token is never logged."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli.app import app
from connector.config import load_settings
from connector.exit_codes import ExitCode
from connector.redaction import redact_text
from tests.cli.test_cli import run, workdir  # noqa: F401 - the fixture

TOKEN = "console-token-for-tests-0123456789"


def _console(workdir: Path, *args: str, token: str | None = TOKEN) -> tuple[int, str]:  # noqa: F811
    env = {"CONNECTOR_CONSOLE__TOKEN": token} if token is not None else {}
    result = CliRunner().invoke(
        app, ["console", "--config", str(workdir / "connector.toml"), *args], env=env
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_without_a_token_it_says_how_to_set_one(workdir: Path) -> None:  # noqa: F811
    code, output = _console(workdir, token=None)
    assert code == ExitCode.USAGE
    assert "CONNECTOR_CONSOLE__TOKEN" in output
    assert "Traceback" not in output
    code, _ = _console(workdir, token="short")
    assert code == ExitCode.USAGE


def test_a_store_that_does_not_exist_is_not_created(workdir: Path) -> None:  # noqa: F811
    code, output = _console(workdir)
    assert code == ExitCode.USAGE
    assert "no state store at" in output
    assert not (workdir / "state" / "connector.db").exists()


def test_a_port_taken_is_one_line(workdir: Path) -> None:  # noqa: F811
    assert run(workdir, "reconcile")[0] == ExitCode.CLEAN
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = _console(workdir, "--port", str(port))
    assert code == ExitCode.USAGE
    assert f"cannot listen on 127.0.0.1:{port}" in output
    assert len(output.strip().splitlines()) == 1


def test_the_token_is_a_secret_the_logs_never_show(
    workdir: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Read from a file as mounted secrets are, masked in every log line and repr."""
    (workdir / "console-token").write_text(TOKEN + "\n")
    monkeypatch.setenv("CONNECTOR_CONSOLE__TOKEN_FILE", str(workdir / "console-token"))
    settings = load_settings(workdir / "connector.toml")
    assert settings.console.token is not None
    assert settings.console.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in redact_text(f"login with {TOKEN}")
