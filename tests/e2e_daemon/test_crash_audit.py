"""kill -9 between the target writes and the store commit: no change goes unaudited.

The connector process is killed (SIGKILL, no clean-up of any kind) right after its writes
reached Salesforce and Odoo and before the transaction that records snapshots and the audit
trail. The next run finds the dead run, shows it aborted, and settles what it wrote by reading
the targets: every record the connector created has exactly one audit entry, and nothing is
written or audited twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from connector.config import load_settings
from connector.reconciler import RunOptions
from connector.runtime import open_runtime
from connector.store import AuditQuery, open_store
from tests.e2e_daemon.conftest import Sandbox

COUNT = 40

KILLED_RECONCILE = """
import os, signal, sys
from connector import reconciler

def killed_before_recording(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

reconciler.save = killed_before_recording
from connector.cli.app import main
sys.argv = ["connector", "reconcile", "--config", sys.argv[1]]
main()
"""


def test_kill_9_after_the_writes_then_restart_audits_each_record_once(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    keys = sandbox.seed(COUNT)
    config = sandbox.config()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RECONCILE, str(config)],
        env=environ,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert len(sandbox.targets.sf_subscriptions()) == COUNT  # the writes landed
    settings = load_settings(config)
    store = open_store(settings.store_url)
    try:
        assert store.query_audit(AuditQuery(limit=1000)) == []
        (dead,) = store.recent_runs()
        assert dead.status == "running"
    finally:
        store.close()

    with open_runtime(settings) as runtime:
        report = runtime.reconciler.reconcile_all(RunOptions(kind="full"))
        assert report.status == "clean", report.summary()
        writes = sum(cost.writes for system, cost in report.cost.items() if system != "stripe")
        assert writes == 0, report.summary()
        runs = {run.id: run for run in runtime.store.recent_runs()}
        assert runs[dead.id].status == "aborted"
        assert runs[dead.id].finished_at is not None
        entries = runtime.store.query_audit(AuditQuery(limit=10_000))
    per_key = Counter(entry.subscription_id for entry in entries)
    assert per_key == Counter(dict.fromkeys(keys, 1))
    assert all(entry.run_id == dead.id for entry in entries)
    assert all(entry.detail.get("settled_after_crash") for entry in entries)
    assert {entry.outcome for entry in entries} == {"applied"}
