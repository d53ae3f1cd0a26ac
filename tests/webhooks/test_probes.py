"""Probes and metrics as operators expect them: answering while the store is down, with no
internal error text for anyone who asks, and the metrics every service exposes."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn, cast

from structlog.testing import capture_logs

from connector.store import SqliteStore, StateStore
from tests.webhooks.helpers import metric_samples, probe_client

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


def test_readyz_hides_the_stores_error_and_logs_it() -> None:
    """Store down: 503 with a generic state; the host, port and user go to the log only."""
    with probe_client(cast(StateStore, StoreDown())) as client, capture_logs() as logs:
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "store unreachable"}
    assert "db.internal" not in answer.text
    assert "5432" not in answer.text
    assert any("db.internal" in str(entry.get("error")) for entry in logs)


def test_metrics_answer_while_the_store_is_down() -> None:
    """Store down: /metrics answers 200, ``connector_store_up`` is 0, the store's gauges are
    left out, and the process's own metrics and counters are still there."""
    with probe_client(cast(StateStore, StoreDown())) as client, capture_logs():
        answer = client.get("/metrics")
    assert answer.status_code == 200
    samples = metric_samples(answer.text)
    assert samples["connector_store_up"] == 0
    assert "connector_queue_depth" not in samples
    assert "process_resident_memory_bytes" in samples
    assert "db.internal" not in answer.text


def test_metrics_answer_with_a_closed_sqlite_store(tmp_path: Path) -> None:
    """The same with a real store whose connection is gone."""
    store = SqliteStore(tmp_path / "s.db")
    with probe_client(store) as client:
        assert metric_samples(client.get("/metrics").text)["connector_store_up"] == 1
        store.close()
        with capture_logs():
            answer = client.get("/metrics")
    assert answer.status_code == 200
    assert metric_samples(answer.text)["connector_store_up"] == 0
