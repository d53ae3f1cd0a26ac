"""Probes and metrics as operators expect them: answering while the store is down, with no
internal error text for anyone who asks, and the metrics every service exposes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, cast

import httpx
from prometheus_client.parser import text_string_to_metric_families
from structlog.testing import capture_logs

from connector.metrics import Metrics, connector_version
from connector.sandbox.common import serve_in_thread
from connector.store import DaemonRecord, RunRecord, SqliteStore, StateStore
from connector.webhooks.app import create_webhook_app
from tests.webhooks.helpers import SECRET

#: What a PostgreSQL driver says when the server is gone: host, address, port, user.
DB_ERROR = (
    'connection failed: connection to server at "db.internal" (10.2.3.4), port 5432 '
    'failed: FATAL: password authentication failed for user "subsync"'
)


class StoreDown:
    """A store whose server is unreachable: every call fails with the driver's message."""

    def __getattr__(self, name: str) -> object:
        def fail(*_args: object, **_kwargs: object) -> NoReturn:
            raise ConnectionError(DB_ERROR)

        return fail


@contextmanager
def _client(store: StateStore) -> Iterator[httpx.Client]:
    metrics = Metrics()
    metrics.watch_store(lambda: store)
    app = create_webhook_app(store, [SECRET], metrics=metrics)
    with serve_in_thread(app) as running, httpx.Client(base_url=running.base_url) as client:
        yield client


def _samples(text: str) -> dict[str, float]:
    """Every sample as ``name{label=value,...}`` -> value."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def test_readyz_hides_the_stores_error_and_logs_it() -> None:
    """Store down: 503 with a generic state; the host, port and user go to the log only."""
    with _client(cast(StateStore, StoreDown())) as client, capture_logs() as logs:
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "store unreachable"}
    assert "db.internal" not in answer.text
    assert "5432" not in answer.text
    assert any("db.internal" in str(entry.get("error")) for entry in logs)


def test_metrics_answer_while_the_store_is_down() -> None:
    """Store down: /metrics answers 200, ``connector_store_up`` is 0, the store's gauges are
    left out, and the process's own metrics and counters are still there."""
    with _client(cast(StateStore, StoreDown())) as client, capture_logs():
        answer = client.get("/metrics")
    assert answer.status_code == 200
    samples = _samples(answer.text)
    assert samples["connector_store_up"] == 0
    assert "connector_queue_depth" not in samples
    assert "process_resident_memory_bytes" in samples
    assert "db.internal" not in answer.text


def test_metrics_answer_with_a_closed_sqlite_store(tmp_path: Path) -> None:
    """The same with a real store whose connection is gone."""
    store = SqliteStore(tmp_path / "s.db")
    with _client(store) as client:
        assert _samples(client.get("/metrics").text)["connector_store_up"] == 1
        store.close()
        with capture_logs():
            answer = client.get("/metrics")
    assert answer.status_code == 200
    assert _samples(answer.text)["connector_store_up"] == 0


def test_build_info_process_and_store_metrics(tmp_path: Path) -> None:
    """The version, process metrics, daemons alive and each system's last sync."""
    store = SqliteStore(tmp_path / "s.db")
    now = dt.datetime.now(dt.UTC)
    store.beat_daemon(DaemonRecord("d1", "host", 1, now, now, 3))
    store.start_run(RunRecord("run_1", "queue", now, False, "v1"))
    store.finish_run("run_1", "clean", {"cost": {"salesforce": {}}, "systems_down": {}})
    with _client(store) as client:
        samples = _samples(client.get("/metrics").text)
    version = connector_version()
    assert any(
        name.startswith("connector_build_info{") and f"version={version}" in name
        for name in samples
    )
    assert version != "unknown"
    assert samples["process_cpu_seconds_total"] >= 0
    assert samples["connector_store_up"] == 1
    assert samples["connector_daemons_alive"] == 1
    assert samples["connector_workers_alive"] == 3
    synced = samples["connector_last_sync_success_timestamp_seconds{system=salesforce}"]
    assert synced >= now.timestamp()
    store.close()
