"""Errors at the terminal: one line that says what to do, brackets kept, no traceback."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli.app import app
from connector.exit_codes import ExitCode
from connector.store import open_store
from tests.factories import MAPPINGS

runner = CliRunner()
LOG_LINE = re.compile(r"^\S+Z \[(debug|info|warning|error) *\] ")  # the configured log lines


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def _config(directory: Path, body: str = "") -> Path:
    path = directory / "connector.toml"
    path.write_text(
        f'store_url = "sqlite:///state/connector.db"\nmappings_dir = "{MAPPINGS}"\n'
        f'log_level = "WARNING"\n{body}',
        encoding="utf-8",
    )
    return path


def test_brackets_in_an_error_are_printed(tmp_path: Path) -> None:
    """`add a [targets.<name>] section` keeps its brackets (the renderer ate them)."""
    config = _config(tmp_path)
    code, _, err = invoke("reconcile", "--config", str(config))
    assert code == ExitCode.USAGE
    assert "add a [targets.<name>] section" in err


def test_a_config_path_with_markup_does_not_crash(tmp_path: Path) -> None:
    """A path holding ``[/x]`` is printed as it is; the renderer does not crash on it."""
    directory = tmp_path / "[" / "x]"
    directory.mkdir(parents=True)
    config = directory / "connector.toml"
    config.write_text("store_url = [unclosed\n", encoding="utf-8")
    code, _, err = invoke("status", "--config", str(config))
    assert code == ExitCode.USAGE
    assert str(config) in err
    assert "Traceback" not in err


def test_status_without_configuration_creates_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no configuration, a read-only command says there is no store and makes none."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONNECTOR_CONFIG", raising=False)
    for command in (["status"], ["audit"], ["dlq", "list"], ["mrr"]):
        code, _, err = invoke(*command)
        assert code == ExitCode.USAGE, command
        assert "no state store yet" in err
        assert "connector reconcile" in err
        assert "no configuration file found" in err
    assert not (tmp_path / "state").exists()


def _newer_store(directory: Path) -> Path:
    config = _config(directory)
    store = open_store(f"sqlite:///{directory / 'state' / 'connector.db'}")
    store.close()
    with sqlite3.connect(directory / "state" / "connector.db") as conn:
        conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (999, 'x')")
    return config


def test_a_store_from_a_newer_connector_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A store migrated by a newer connector: one clear line and the usage exit code."""
    config = _newer_store(tmp_path)
    code, _, err = invoke("status", "--config", str(config))
    assert code == ExitCode.USAGE
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "999" in lines[0]
    assert "upgrade the connector" in lines[0]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """``--debug`` prints the traceback, then the same one-line explanation."""
    config = _newer_store(tmp_path)
    code, _, err = invoke("--debug", "status", "--config", str(config))
    assert code == ExitCode.USAGE
    assert "Traceback" in err
    assert "SchemaTooNewError" in err
    assert err.strip().splitlines()[-1].startswith("state store too new:")


@pytest.mark.parametrize("command", [["mappings", "check", "--live"], ["reconcile", "--dry-run"]])
def test_a_wrong_password_is_one_line(
    command: list[str], sandbox_config: Path, tmp_path: Path
) -> None:
    """A refused login names the system and what to check, in one line, not 33 frames."""
    text = sandbox_config.read_text(encoding="utf-8")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(
        "\n".join(
            'password = "not-the-password"' if line.startswith("password =") else line
            for line in text.splitlines()
        ),
        encoding="utf-8",
    )
    code, _, err = invoke(*command, "--config", str(wrong))
    assert code == ExitCode.FAILED
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if not LOG_LINE.match(line)]
    assert len(lines) == 1, err
    assert "salesforce failed: login refused" in lines[0]
    assert "[targets.salesforce]" in lines[0]
    assert "not-the-password" not in err
