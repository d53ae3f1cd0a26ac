"""An installation without the sandbox (the production image, or no `sandbox` extra) says so
in one line when a sandbox command runs, and everything else still works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connector.exit_codes import ExitCode

# Run a command as if the module were not installed (None in sys.modules makes its import
# fail with ModuleNotFoundError, as a missing package does).
RUN_WITHOUT = """
import sys
sys.modules[{missing!r}] = None
from connector.cli.app import main
sys.argv = ["connector", *{arguments!r}]
main()
"""


def _run_without(missing: str, arguments: list[str]) -> subprocess.CompletedProcess[str]:
    script = RUN_WITHOUT.format(missing=missing, arguments=arguments)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", ["cryptography", "connector.sandbox"])
def test_sandbox_up_without_the_sandbox_says_how_to_get_it(missing: str, tmp_path: Path) -> None:
    done = _run_without(missing, ["sandbox", "up", "--dir", str(tmp_path)])
    assert done.returncode == ExitCode.USAGE, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) <= 3, done.stderr  # one sentence, wrapped by the terminal width at most
    text = " ".join(lines)
    assert "no sandbox" in text
    assert missing in text
    assert "subsync-connector[sandbox]" in text
    assert "Traceback" not in done.stderr


def test_other_commands_run_without_the_sandbox(tmp_path: Path) -> None:
    done = _run_without("cryptography", ["mappings", "schema"])
    assert done.returncode == 0, done.stderr
    assert '"$schema"' in done.stdout or '"properties"' in done.stdout
