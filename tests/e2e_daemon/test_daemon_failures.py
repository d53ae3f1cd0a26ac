"""The daemon when things go wrong: a stuck batch and repeated signals, the grace period
running out, a component that dies, a store connection that drops, a crash right after Odoo
created records. The daemon runs in a subprocess; the emulators in this process, where
faults are injected (latency) or a call is held at a chosen point."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from connector.sandbox.common.faults import FaultKind, FaultRule
from connector.store import SqliteStore, StateStore
from tests.conftest import postgres_url
from tests.e2e_daemon.conftest import (
    DaemonProcess,
    Sandbox,
    connector_command,
    enqueue,
    queue_stats,
    wait_until,
)

SLOW_WRITE = 6_000  # ms: a Salesforce write that outlasts the grace period
GRACE = 2.0


def _slow_salesforce_writes(sandbox: Sandbox) -> None:
    """Every Salesforce upsert (PATCH composite/sobjects) hangs for SLOW_WRITE ms."""
    assert sandbox.box.salesforce is not None
    rule = FaultRule(
        kind=FaultKind.LATENCY, method="PATCH", path_prefix="/services/data", latency_ms=SLOW_WRITE
    )
    sandbox.box.salesforce.injector.set_rules([rule])


def _clear_faults(sandbox: Sandbox) -> None:
    assert sandbox.box.salesforce is not None
    sandbox.box.salesforce.injector.clear()


def _in_a_write(store: StateStore) -> None:
    """Wait until a worker holds keys and has had time to reach its (slow) write."""
    wait_until(lambda: queue_stats(store).leased, bool, timeout=20, what="a leased batch")
    time.sleep(1.0)


@pytest.fixture
def stuck(
    sandbox: Sandbox,
    sqlite_store: tuple[str, SqliteStore],
    daemon_process: Callable[..., DaemonProcess],
) -> Iterator[tuple[DaemonProcess, list[str]]]:
    """A daemon (one worker, batches of 5, leases of 5 s, grace 2 s) stuck in a slow write."""
    url, store = sqlite_store
    keys = sandbox.seed(10)
    enqueue(store, keys)
    _slow_salesforce_writes(sandbox)
    daemon = daemon_process(
        sandbox.config(store_url=url, secret="whsec_e2e_stuck"),
        daemon__workers=1,
        daemon__batch_size=5,
        daemon__lease_seconds=5,
        daemon__shutdown_grace_seconds=GRACE,
    )
    _in_a_write(store)
    yield daemon, keys
    _clear_faults(sandbox)


def test_a_second_sigterm_stops_at_once_with_exit_1(
    stuck: tuple[DaemonProcess, list[str]],
) -> None:
    """The first SIGTERM waits for the batch in hand; a second one exits at once, code 1."""
    daemon, _keys = stuck
    daemon.send(signal.SIGTERM)
    time.sleep(1.0)
    assert daemon.alive(), "the first SIGTERM must let the batch in hand finish"
    started = time.monotonic()
    daemon.send(signal.SIGTERM)
    assert daemon.wait(5) == 1, daemon.tail()
    assert time.monotonic() - started < 3.0, "the second signal waited for the batch"


def test_grace_period_running_out_exits_1_and_a_restart_finishes_the_work(
    sandbox: Sandbox,
    sqlite_store: tuple[str, SqliteStore],
    stuck: tuple[DaemonProcess, list[str]],
    daemon_process: Callable[..., DaemonProcess],
) -> None:
    """A batch outlasting the grace period: exit 1 after it; its keys are worked after restart."""
    url, store = sqlite_store
    daemon, keys = stuck
    started = time.monotonic()
    daemon.send(signal.SIGTERM)
    assert daemon.wait(10) == 1, daemon.tail()
    took = time.monotonic() - started
    assert GRACE - 0.5 < took < GRACE + 1.5, f"exited after {took:.1f}s, grace {GRACE}s"
    assert queue_stats(store).leased > 0, "the abandoned batch's keys are still leased"

    _clear_faults(sandbox)
    again = daemon_process(sandbox.config(store_url=url, secret="whsec_e2e_stuck"))
    wait_until(
        lambda: queue_stats(store),
        lambda s: s.queued == 0 and s.leased == 0,
        timeout=30,
        what="the abandoned keys to be retaken and done",
        interval=0.25,
    )
    again.send(signal.SIGTERM)
    assert again.wait(20) == 0
    counts = sandbox.targets.sf_key_counts("Subscription__c", "Stripe_Subscription_Id__c")
    assert counts == dict.fromkeys(keys, 1)


def test_daemon_that_cannot_bind_its_webhook_port_exits_nonzero(
    sandbox: Sandbox, sqlite_store: tuple[str, SqliteStore]
) -> None:
    """A daemon whose webhook server cannot start must not report success: it says so and
    exits 2 (a configuration to fix) before starting anything."""
    url, _store = sqlite_store
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = sandbox.config(store_url=url, secret="whsec_e2e_port", port=port)
        done = subprocess.run(
            [*connector_command(), "run", "--config", str(config), "--no-poller"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert "address already in use" in (done.stderr + done.stdout).lower()
    assert done.returncode == 2, done.stderr


@pytest.mark.postgres
def test_daemon_keeps_working_after_its_postgres_connections_are_dropped(
    sandbox: Sandbox,
    pg_store: tuple[str, StateStore],
    daemon_process: Callable[..., DaemonProcess],
) -> None:
    """After PostgreSQL drops the daemon's connections (restart, failover), work continues."""
    url, store = pg_store
    keys = sandbox.seed(4)
    application = f"e2e_{uuid.uuid4().hex[:10]}"
    own_url = f"{url}&application_name={application}"
    daemon = daemon_process(sandbox.config(store_url=own_url, secret="whsec_e2e_pgdrop"))
    with psycopg.connect(postgres_url(), autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (application,),
        ).fetchall()
    assert dropped, "no connection of the daemon was found"
    time.sleep(2.0)  # the workers' next polls of the queue meet the dropped connections

    enqueue(store, keys)
    wait_until(
        lambda: (daemon.alive(), len(sandbox.targets.sf_subscriptions())),
        lambda seen: seen == (True, len(keys)) or not seen[0],
        timeout=30,
        what="the queued keys to be reconciled",
    )
    assert daemon.alive(), f"the daemon exited ({daemon.process.returncode}):\n{daemon.tail()}"
    assert len(sandbox.targets.sf_subscriptions()) == len(keys)


def _hold_after_odoo_creates_subscriptions(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> tuple[threading.Event, threading.Event]:
    """Hold the Odoo emulator right after it has committed the first call that creates
    sale.subscription records (``create`` or ``load``), before the daemon gets the answer:
    the most dangerous point to die at, whatever that call is. Once released the answer is
    dropped (the client that asked is gone by then)."""
    assert sandbox.box.odoo is not None
    dispatcher = sandbox.box.odoo.dispatcher
    original = dispatcher.call_model
    reached, release = threading.Event(), threading.Event()

    def call_model(
        uid: int, model: str, name: str, args: list[Any], kwargs: dict[str, Any], path: str
    ) -> Any:
        result = original(uid, model, name, args, kwargs, path)
        if model == "sale.subscription" and name in ("create", "load") and not reached.is_set():
            reached.set()
            release.wait(30)
            raise ConnectionResetError("the client that asked for this is gone")
        return result

    monkeypatch.setattr(dispatcher, "call_model", call_model)
    return reached, release


def test_kill_9_between_odoo_record_and_external_id_creates_no_twin(
    sandbox: Sandbox,
    sqlite_store: tuple[str, SqliteStore],
    daemon_process: Callable[..., DaemonProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed once Odoo has created subscriptions, before the daemon heard of it: the restart
    finds them by their external ids (created in the same transaction) and creates no twin."""
    url, store = sqlite_store
    keys = sandbox.seed(5)
    enqueue(store, keys)
    reached, release = _hold_after_odoo_creates_subscriptions(sandbox, monkeypatch)
    config = sandbox.config(store_url=url, secret="whsec_e2e_twins")
    settings = {"daemon__workers": 1, "daemon__batch_size": 5, "daemon__lease_seconds": 5}
    daemon = daemon_process(config, **settings)
    assert reached.wait(30), "the daemon never created Odoo subscriptions"
    daemon.send(signal.SIGKILL)
    assert daemon.wait(10) == -signal.SIGKILL
    assert sandbox.targets.odoo_record_count("sale.subscription") == len(keys)  # committed
    release.set()
    monkeypatch.undo()

    again = daemon_process(config, **settings)
    wait_until(
        lambda: queue_stats(store),
        lambda s: s.queued == 0 and s.leased == 0,
        timeout=30,
        what="the killed batch to be retaken and done",
        interval=0.25,
    )
    again.send(signal.SIGTERM)
    assert again.wait(20) == 0
    assert sandbox.targets.odoo_key_counts("sale.subscription", "subscription") == dict.fromkeys(
        keys, 1
    )
    headers = sandbox.targets.odoo_record_count("sale.subscription")
    assert headers == len(keys), f"{headers} sale.subscription records for {len(keys)} keys"
    lines = sandbox.targets.odoo_record_count("sale.subscription.line")
    assert lines == len(sandbox.targets.odoo_xmlids("sale.subscription.line"))
    # The restart also did what the killed daemon never got to (the follow-up writes).
    assert sandbox.targets.mismatches_with_billing(sandbox.stripe.subscriptions(keys)) == []
