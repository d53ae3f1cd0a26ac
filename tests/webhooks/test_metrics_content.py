"""The metrics every service exposes: build, process, daemons alive, each system's last
sync (read from the store at each scrape)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connector.metrics import connector_version
from connector.store import DaemonRecord, RunRecord, SqliteStore
from tests.webhooks.helpers import metric_samples, probe_client


def test_build_info_process_and_store_metrics(tmp_path: Path) -> None:
    """The version, process metrics, daemons alive and each system's last sync."""
    store = SqliteStore(tmp_path / "s.db")
    now = dt.datetime.now(dt.UTC)
    store.beat_daemon(DaemonRecord("d1", "host", 1, now, now, 3))
    store.start_run(RunRecord("run_1", "queue", now, False, "v1"))
    store.finish_run("run_1", "clean", {"cost": {"salesforce": {}}, "systems_down": {}})
    with probe_client(store) as client:
        samples = metric_samples(client.get("/metrics").text)
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
