"""On a real terminal (a pty): a 20,000-subscription run shows a bar with a total, a rate and
the time left, and console logs stay at a few lines per step of the run."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli.app import app
from connector.run_progress import READING
from connector.sandbox.local import LocalSandbox
from connector.sandbox.seeding import seed_billing
from tests.cli.conftest import reset_sandbox, stripe_client, write_config

SUBSCRIPTIONS = 20_000
CANCELLED = 60
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FRAME = re.compile(
    rf"{READING} [^\r\n]*?(?P<done>[\d,]+)/(?P<total>[\d,]+) +(?P<rate>[\d,]+)/s +ETA +"
    r"(?P<eta>\d+:\d\d:\d\d)"
)
LOG_LINE = re.compile(r"^\S+Z \[(debug|info|warning|error) *\] ")

runner = CliRunner()


def run_in_terminal(args: list[str], columns: int = 160) -> tuple[int, str]:
    """Run the connector with a pseudo-terminal as its stdin, stdout and stderr."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from connector.cli.app import main; main()", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process exited
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return process.wait(timeout=600), b"".join(chunks).decode("utf-8", "replace")


def _cancel_some(box: LocalSandbox, how_many: int) -> None:
    with stripe_client(box) as stripe:
        listed = stripe.get("/v1/subscriptions", params={"limit": how_many, "status": "active"})
        for sub in listed.json()["data"]:
            assert stripe.delete(f"/v1/subscriptions/{sub['id']}").status_code == 200


@pytest.mark.timeout(1800)
def test_a_20000_subscription_run_shows_total_rate_and_eta(
    sandbox: LocalSandbox, tmp_path: Path
) -> None:
    """The second full run knows its total from the store: the bar shows count/total, a rate
    and an ETA; 60 cancellations log a few summary lines, not one audit dict each."""
    assert sandbox.endpoints is not None
    reset_sandbox(sandbox)
    seed_billing(sandbox.endpoints.stripe_url, SUBSCRIPTIONS)
    config = write_config(sandbox, tmp_path)
    first = runner.invoke(app, ["reconcile", "--config", str(config)])
    assert first.exit_code == 0, first.output
    _cancel_some(sandbox, CANCELLED)

    code, screen = run_in_terminal(["reconcile", "--config", str(config)])

    text = ANSI.sub("", screen)
    assert code == 0, text[-3000:]
    frames = list(FRAME.finditer(text))
    assert frames, text[-3000:]
    assert {m["total"] for m in frames} >= {f"{SUBSCRIPTIONS:,}"}
    moving = [m for m in frames if int(m["rate"].replace(",", "")) > 0]
    assert moving, "no frame showed a rate"
    assert len({m["done"] for m in frames}) > 2, "the count moved fewer than three times"
    lines = [line.strip() for line in re.split(r"[\r\n]+", text)]
    logged = [line for line in lines if LOG_LINE.match(line)]
    assert len(logged) <= 8, "\n".join(logged)
    assert any("audit.recorded" in line and f"'cancelled': {CANCELLED}" in line for line in logged)
    assert f"{SUBSCRIPTIONS:,} subscriptions" in text
