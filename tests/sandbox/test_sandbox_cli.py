"""``connector sandbox up|seed`` as an operator meets them: on a terminal, with ports taken,
and with a configuration that ``connector run`` takes as printed."""

from __future__ import annotations

import os
import pty
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from connector.cli.app import app
from connector.exit_codes import ExitCode
from connector.sandbox.local import LocalSandbox
from tests.sandbox.custom_mappings import custom_mappings

runner = CliRunner()


def _connector() -> str:
    return str(Path(sys.executable).with_name("connector"))


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_base() -> int:
    """A port N with N..N+3 free on loopback."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            base = int(sock.getsockname()[1])
        if all(_free(base + offset) for offset in range(4)):
            return base
    pytest.fail("no four consecutive free ports on loopback")


@contextmanager
def _listening() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_up_with_its_port_in_use_is_one_line(tmp_path: Path) -> None:
    """Another process on the sandbox's port: one line naming the port and the fix, exit 2."""
    with _listening() as port:
        result = runner.invoke(
            app, ["sandbox", "up", "--dir", str(tmp_path), "--port-base", str(port)]
        )
    assert result.exit_code == ExitCode.USAGE, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert f"port {port}" in lines[0]
    assert "--port-base" in lines[0]


def _run_in_pty(command: list[str], timeout: float) -> str:
    """Run ``command`` on a pseudo-terminal 120 columns wide; everything it drew."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "LINES": "40", "TERM": "xterm"}
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: the command exited
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_seed_shows_a_bar_with_total_rate_and_eta_on_a_terminal(
    local_box: LocalSandbox,
) -> None:
    """On a terminal, seeding draws each phase's count against its total, a rate and an ETA
    (not ``5000/?``, not a blank screen)."""
    command = [_connector(), "sandbox", "seed", "--dir", str(local_box.directory)]
    screen = _run_in_pty([*command, "--subscriptions", "1000"], timeout=180)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    assert re.search(r"billing .*1,000/1,000", plain), plain[-2000:]
    assert re.search(r"CRM and ERP .*1,000/1,000 +[\d,]+/s +eta", plain), plain[-2000:]
    assert "Seeded 1,000 subscriptions" in plain


def _wait_for(process: subprocess.Popen[str], text: str, timeout: float) -> list[str]:
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if text in line:
            return seen
    pytest.fail(f"no {text!r} within {timeout:.0f}s; saw {seen}")


def _reconcile(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_connector(), "reconcile", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _ready(daemon: subprocess.Popen[str], port: int) -> int | None:
    """The daemon's ``/readyz`` status once it answers 200, or the last one seen."""
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline and daemon.poll() is None:
        try:
            status = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code
        except httpx.HTTPError:
            status = None
        if status == 200:
            break
        time.sleep(0.2)
    return status


def test_a_custom_field_mapping_runs_in_the_sandbox_as_printed(tmp_path: Path) -> None:
    """The operator's way: ``sandbox up`` with a mapping that writes custom fields, the
    schema grown from it and a seed; then ``connector reconcile`` and the printed
    ``connector run`` both work (a webhook secret and a free port in the configuration)."""
    mappings = custom_mappings(tmp_path)
    command = [_connector(), "sandbox", "up", "--dir", str(tmp_path / "box")]
    options = ["--port-base", str(_port_base()), "--mappings", str(mappings)]
    up = subprocess.Popen(
        [*command, *options, "--schema-from-mappings", "--seed", "20"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
    )
    daemon: subprocess.Popen[str] | None = None
    try:
        lines = _wait_for(up, "Sandbox running", timeout=120)
        assert any("Seeded 20 subscriptions" in line for line in lines), lines
        printed = next(line for line in lines if "connector run --config" in line)
        command = shlex.split(printed[printed.index("connector run") :])
        config = Path(command[-1])
        reconciled = _reconcile(config)
        assert reconciled.returncode == ExitCode.CLEAN, reconciled.stderr
        settings = tomllib.loads(config.read_text(encoding="utf-8"))
        assert settings["webhook"]["secrets"], "the configuration carries a webhook secret"
        daemon = subprocess.Popen([_connector(), *command[1:]], text=True)
        status = _ready(daemon, int(settings["webhook"]["port"]))
        assert daemon.poll() is None, f"connector run exited with {daemon.returncode}"
        assert status == 200
    finally:
        for process in (daemon, up):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
