"""The daemon over HTTP and in the store: probes and metrics on a worker-only daemon, its
liveness in ``connector status``, one JSON line for a port in use, and uvicorn's lines
rendered like the connector's."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from connector.cli.app import app
from connector.config import load_settings
from connector.daemon import Daemon
from connector.exit_codes import ExitCode
from connector.logs import configure_logging
from connector.metrics import Metrics
from connector.queue import QueuePolicy, WorkQueue
from connector.sandbox.common.server import free_port
from connector.store import open_store, utcnow
from connector.worker import Worker
from tests.conftest import World
from tests.factories import MAPPINGS, subscription

runner = CliRunner()
_MINUTE = dt.timedelta(minutes=1)


def _workdir(tmp_path: Path, port: int, *, log: str = "WARNING") -> Path:
    export = [json.loads(subscription(i).model_dump_json()) for i in range(1, 6)]
    (tmp_path / "export.json").write_text(json.dumps(export))
    config = tmp_path / "connector.toml"
    config.write_text(
        f"""
store_url = "sqlite:///{tmp_path / "state" / "connector.db"}"
mappings_dir = "{MAPPINGS}"
log_format = "json"
log_level = "{log}"
[source]
kind = "memory"
path = "{tmp_path / "export.json"}"
[targets.salesforce]
kind = "memory"
mapping = "salesforce.yaml"
path = "{tmp_path / "crm.json"}"
[targets.odoo]
kind = "memory"
mapping = "odoo.yaml"
path = "{tmp_path / "erp.json"}"
[webhook]
host = "127.0.0.1"
port = {port}
[daemon]
workers = 2
"""
    )
    return config


def _samples(text: str) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


@pytest.fixture
def worker_only(tmp_path: Path) -> Iterator[tuple[Daemon, Path, str]]:
    """``connector run --no-webhooks --no-poller`` in a thread, stopped at teardown."""
    port = free_port()
    config = _workdir(tmp_path, port)
    daemon = Daemon(load_settings(config), serve=False, poll=False, install_signals=False)
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(daemon.run()), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and thread.is_alive():
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield daemon, config, base
    finally:
        daemon.request_stop()
        thread.join(timeout=30)
        assert result == [0]


def test_a_worker_only_daemon_answers_probes_and_metrics(
    worker_only: tuple[Daemon, Path, str],
) -> None:
    """Without the webhook receiver the daemon can still be probed and scraped; the
    webhook route is not there."""
    _daemon, _config, base = worker_only
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
    samples = _samples(httpx.get(f"{base}/metrics").text)
    assert samples["connector_store_up"] == 1
    assert samples["connector_daemons_alive"] == 1
    assert samples["connector_workers_alive"] == 2
    assert httpx.post(f"{base}/webhooks/stripe", content=b"{}").status_code == 404


def test_status_shows_the_daemons_alive(worker_only: tuple[Daemon, Path, str]) -> None:
    """``connector status`` names each live daemon with its host, pid and workers."""
    _daemon, config, _base = worker_only
    text = runner.invoke(app, ["status", "--config", str(config)])
    assert text.exit_code == 0, text.output
    assert "daemons: 1 alive, 2 workers" in text.output
    assert f"pid {os.getpid()}: 2 workers" in text.output
    data = runner.invoke(app, ["status", "--config", str(config), "--json"])
    daemons = json.loads(data.stdout)["daemons"]
    assert [(d["pid"], d["workers"]) for d in daemons] == [(os.getpid(), 2)]


def test_a_daemon_that_stopped_is_no_longer_alive(tmp_path: Path) -> None:
    """A clean stop removes the daemon's row: status says none is alive."""
    config = _workdir(tmp_path, free_port())
    daemon = Daemon(load_settings(config), serve=False, poll=False, install_signals=False)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    store = open_store(load_settings(config).store_url)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not store.live_daemons(utcnow(), _MINUTE):
            time.sleep(0.1)
        assert len(store.live_daemons(utcnow(), _MINUTE)) == 1
        daemon.request_stop()
        thread.join(timeout=30)
        assert store.live_daemons(utcnow(), _MINUTE) == []
    finally:
        store.close()
    result = runner.invoke(app, ["status", "--config", str(config)])
    assert "daemons: none alive" in result.output


def test_run_with_its_port_in_use_is_one_json_line_and_exit_2(tmp_path: Path) -> None:
    """Port taken: one JSON log line naming the port and the fix, exit 2, nothing started."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        config = _workdir(tmp_path, port, log="INFO")
        connector = str(Path(sys.executable).with_name("connector"))
        done = subprocess.run(
            [connector, "run", "--config", str(config), "--no-webhooks"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == ExitCode.USAGE, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    line = json.loads(lines[0])
    assert line["event"] == "daemon.port_in_use"
    assert line["port"] == port
    assert "webhook.port" in line["hint"]
    assert done.stdout == ""


def test_uvicorns_lines_are_rendered_as_json() -> None:
    """The HTTP server's own loggers go through the connector's logging: JSON lines."""
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    try:
        logging.getLogger("uvicorn.error").error("Address already in use")
    finally:
        configure_logging("json", "WARNING")
    line = json.loads(stream.getvalue().strip())
    assert line["event"] == "Address already in use"
    assert line["logger"] == "uvicorn.error"
    assert line["level"] == "error"


def test_run_durations_are_observed(world: World) -> None:
    """Each batch a worker runs is timed in ``connector_run_duration_seconds``."""
    queue = WorkQueue(world.store, QueuePolicy())
    queue.add(["sub_00001"], "webhook")
    metrics = Metrics()
    Worker("w1", queue, world.reconciler, batch=20, metrics=metrics).run_once()
    count = metrics.registry.get_sample_value(
        "connector_run_duration_seconds_count", {"kind": "queue"}
    )
    assert count == 1
