"""The daemon's webhook path end to end: Stripe emulator -> signed POST -> queue -> workers ->
Salesforce and Odoo emulators. The daemon runs in a thread of this process, poller off, so a
change can only reach the targets through a webhook."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from connector.sandbox.common.faults import FaultKind, FaultRule
from connector.sandbox.common.server import free_port
from connector.store import AuditQuery, SqliteStore, utcnow
from tests.e2e_daemon.conftest import (
    DaemonThread,
    Sandbox,
    metric,
    queue_stats,
    wait_until,
)
from tests.webhooks.helpers import SECRET, signed, subscription_event

UPDATED = "customer.subscription.updated"
PATH = "/webhooks/stripe"


def _post(base_url: str, event: dict[str, Any], **kwargs: Any) -> httpx.Response:
    body, headers = signed(event, **kwargs)
    return httpx.post(f"{base_url}{PATH}", content=body, headers=headers, timeout=10)


def _drained(store: SqliteStore) -> bool:
    stats = queue_stats(store)
    return stats.queued == 0 and stats.leased == 0


def test_signed_webhook_from_stripe_reaches_salesforce_and_odoo(
    sandbox: Sandbox, daemon_thread: Callable[..., DaemonThread]
) -> None:
    """A change made through Stripe's API arrives by a real signed delivery and lands in both."""
    keys = sandbox.seed(5)
    sandbox.sync_once(sandbox.config())
    port = free_port()
    secret = sandbox.stripe.register_webhook(f"http://127.0.0.1:{port}{PATH}", [UPDATED])
    daemon = daemon_thread(sandbox.config(secret=secret, port=port))
    key = keys[2]
    quantity = sandbox.stripe.quantity(key) + 7
    sandbox.stripe.set_quantity(key, quantity)

    wait_until(
        lambda: sandbox.targets.quantities(key),
        lambda q: q == (quantity, (float(quantity),)),
        timeout=30,
        what=f"Salesforce and Odoo to show quantity {quantity} for {key}",
    )
    delivered = [a for a in sandbox.stripe.webhook_attempts() if a["delivered"]]
    assert delivered, "the emulator recorded no successful delivery"
    assert {a["status_code"] for a in delivered} == {200}
    assert metric(daemon.base_url, "connector_webhooks_total", {"result": "accepted"}) >= 1
    others = {k: v for k, v in sandbox.targets.sf_subscriptions().items() if k != key}
    assert len(others) == 4, "the other subscriptions are still there, untouched"


def test_same_event_delivered_three_times_reconciles_once(
    sandbox: Sandbox, daemon_thread: Callable[..., DaemonThread]
) -> None:
    """Three deliveries of one real Stripe event give one queued key, one reconcile, one audit."""
    keys = sandbox.seed(3)
    config = sandbox.config(secret=SECRET)
    sandbox.sync_once(config)
    daemon = daemon_thread(config, workers=1)
    store = SqliteStore(sandbox.directory / "connector.db")
    key = keys[0]
    quantity = sandbox.stripe.quantity(key) + 3
    started = utcnow()
    sandbox.stripe.set_quantity(key, quantity)
    (event,) = sandbox.stripe.events_about(key, UPDATED)

    answers = [_post(daemon.base_url, event) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    wait_until(
        lambda: sandbox.targets.quantities(key),
        lambda q: q == (quantity, (float(quantity),)),
        timeout=30,
        what=f"quantity {quantity} for {key} in both targets",
    )
    wait_until(lambda: _drained(store), bool, timeout=10, what="an empty queue")
    time.sleep(1.5)  # three idle cycles of the worker: a second reconcile would show by now
    assert metric(daemon.base_url, "connector_reconciles_total", {"outcome": "ok"}) == 1
    assert metric(daemon.base_url, "connector_webhooks_total", {"result": "duplicate"}) == 2
    queue_runs = [r for r in store.recent_runs(50) if r.kind == "queue"]
    assert len(queue_runs) == 1, queue_runs
    audit = store.query_audit(AuditQuery(subscription_id=key, since=started))
    assert len(audit) == 1, audit
    store.close()


def test_events_delivered_out_of_order_converge_on_stripes_latest_state(
    sandbox: Sandbox, daemon_thread: Callable[..., DaemonThread]
) -> None:
    """Events for quantities 2, 5, 3 delivered newest first still leave quantity 3 everywhere."""
    keys = sandbox.seed(3)
    config = sandbox.config(secret=SECRET)
    sandbox.sync_once(config)
    daemon = daemon_thread(config, workers=1)
    store = SqliteStore(sandbox.directory / "connector.db")
    key = keys[1]
    for quantity in (2, 5, 3):
        sandbox.stripe.set_quantity(key, quantity)
    events = sandbox.stripe.events_about(key, UPDATED)
    assert [e["data"]["object"]["items"]["data"][0]["quantity"] for e in events] == [2, 5, 3]

    # One at a time, each worked before the next arrives: the last one the daemon acts on is
    # the stale event that still says "quantity 2".
    for event in reversed(events):
        answer = _post(daemon.base_url, event)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"received": True, "duplicate": False, "keys": 1}
        wait_until(lambda: _drained(store), bool, timeout=20, what="the queue to drain")

    assert sandbox.targets.quantities(key) == (3, (3.0,))
    assert sandbox.stripe.quantity(key) == 3
    store.close()


def test_forged_stale_and_oversized_requests_are_refused_and_enqueue_nothing(
    sandbox: Sandbox, daemon_thread: Callable[..., DaemonThread]
) -> None:
    """400 for a forged and a stale signature, 413 for an oversized body; the queue stays empty."""
    (key,) = sandbox.seed(1)
    # No workers: whatever got queued would stay queued, so an empty queue means nothing was.
    daemon = daemon_thread(sandbox.config(secret=SECRET), workers=0)
    url = daemon.base_url
    event = subscription_event("evt_e2e_refused", key)
    big = subscription_event("evt_e2e_big", key)
    big["data"]["object"]["padding"] = "x" * (300 * 1024)  # over the default 256 KiB

    forged = _post(url, event, secrets=("whsec_an_attackers_guess",))
    stale = _post(url, event, timestamp=int(time.time()) - 3600)
    oversized = _post(url, big)

    assert (forged.status_code, stale.status_code, oversized.status_code) == (400, 400, 413)
    assert metric(url, "connector_queue_depth") == 0
    for result in ("bad_signature", "stale", "too_large"):
        assert metric(url, "connector_webhooks_total", {"result": result}) == 1, result
    store = SqliteStore(sandbox.directory / "connector.db")
    assert queue_stats(store).queued == 0
    # The measurement is not vacuous: the same event, properly signed, is queued.
    assert _post(url, event).status_code == 200
    assert metric(url, "connector_queue_depth") == 1
    store.close()


def test_a_change_arriving_while_its_key_is_worked_is_reconciled_again(
    sandbox: Sandbox, daemon_thread: Callable[..., DaemonThread]
) -> None:
    """An event for a key a worker holds is not lost: the key is worked again afterwards."""
    keys = sandbox.seed(3)
    config = sandbox.config(secret=SECRET)
    sandbox.sync_once(config)
    daemon = daemon_thread(config, workers=1)
    assert sandbox.box.salesforce is not None
    injector = sandbox.box.salesforce.injector
    # The worker's first Salesforce write hangs 2 s: it has read Stripe, and holds the key.
    injector.set_rules(
        [FaultRule(kind=FaultKind.LATENCY, method="PATCH", count=1, latency_ms=2000)]
    )
    store = SqliteStore(sandbox.directory / "connector.db")
    key = keys[0]
    sandbox.stripe.set_quantity(key, 11)
    (first,) = sandbox.stripe.events_about(key, UPDATED)
    assert _post(daemon.base_url, first).status_code == 200
    wait_until(
        lambda: injector.injected.get("latency", 0),
        bool,
        timeout=20,
        what="the worker to reach its (slow) Salesforce write",
        interval=0.02,
    )
    assert queue_stats(store).leased == 1

    sandbox.stripe.set_quantity(key, 12)
    second = sandbox.stripe.events_about(key, UPDATED)[-1]
    answer = _post(daemon.base_url, second)

    assert answer.json() == {"received": True, "duplicate": False, "keys": 1}
    wait_until(
        lambda: (sandbox.targets.quantities(key), _drained(store)),
        lambda seen: seen == ((12, (12.0,)), True),
        timeout=30,
        what="quantity 12 in both targets and an empty queue",
    )
    assert metric(daemon.base_url, "connector_reconciles_total", {"outcome": "ok"}) == 2
    store.close()
