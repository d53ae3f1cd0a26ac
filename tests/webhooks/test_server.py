"""The webhook server on a real uvicorn, on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from connector.metrics import Metrics
from connector.sandbox.common import serve_in_thread
from connector.store import StateStore, utcnow
from connector.store.migrations_sqlite import CURRENT_VERSION
from connector.webhooks.app import create_webhook_app
from tests.webhooks.helpers import SECRET, signed, subscription_event


@pytest.fixture
def server(store: StateStore) -> Iterator[tuple[httpx.Client, StateStore]]:
    metrics = Metrics()
    metrics.watch_store(lambda: store)
    app = create_webhook_app(
        store,
        [SECRET, "whsec_previous_secret_99"],
        metrics=metrics,
        max_body_bytes=4096,
        expected_schema=CURRENT_VERSION,
    )
    with serve_in_thread(app) as running, httpx.Client(base_url=running.base_url) as client:
        yield client, store


def _queued(store: StateStore) -> list[str]:
    return sorted(item.key for item in store.lease("probe", 1000, utcnow(), 1))


def test_signed_event_is_queued(server: tuple[httpx.Client, StateStore]) -> None:
    """A valid delivery answers 200 and queues the subscription key."""
    client, store = server
    body, headers = signed(subscription_event("evt_1", "sub_1"))
    response = client.post("/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False, "keys": 1}
    assert _queued(store) == ["sub_1"]


def test_same_event_three_times_is_queued_once(server: tuple[httpx.Client, StateStore]) -> None:
    """Stripe's retries of one event are recognised; the key is queued once."""
    client, store = server
    body, headers = signed(subscription_event("evt_2", "sub_2"))
    answers = [client.post("/webhooks/stripe", content=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    assert _queued(store) == ["sub_2"]


def test_rotated_secret_is_accepted(server: tuple[httpx.Client, StateStore]) -> None:
    """A delivery signed with the previous secret still verifies during a roll."""
    client, _store = server
    body, headers = signed(subscription_event("evt_3", "sub_3"), ("whsec_previous_secret_99",))
    assert client.post("/webhooks/stripe", content=body, headers=headers).status_code == 200


@pytest.mark.parametrize("case", ["forged", "stale", "unsigned", "malformed", "oversized"])
def test_bad_requests_are_refused_with_no_side_effect(
    server: tuple[httpx.Client, StateStore], case: str
) -> None:
    """Forged, stale, unsigned, malformed and oversized requests queue nothing."""
    client, store = server
    event = subscription_event("evt_bad", "sub_bad")
    if case == "forged":
        body, headers = signed(event, ("whsec_attacker_guess",))
    elif case == "stale":
        body, headers = signed(event, timestamp=int(time.time()) - 3600)
    elif case == "unsigned":
        body, headers = signed(event)
        headers.pop("Stripe-Signature")
    elif case == "malformed":
        body, headers = signed({"hello": "world"})
    else:
        event["data"]["object"]["padding"] = "x" * 5000
        body, headers = signed(event)
    response = client.post("/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == (413 if case == "oversized" else 400)
    assert _queued(store) == []
    # the refused event's id was not recorded
    assert store.accept_webhooks([("evt_bad", "x", [])], utcnow()) == {"evt_bad"}


def test_customer_event_queues_that_customers_subscriptions(
    server: tuple[httpx.Client, StateStore],
) -> None:
    """A customer change queues every subscription of that customer the connector knows."""
    from tests.factories import customer, subscription

    client, store = server
    store.save_canonical([subscription(1), subscription(2, customer=customer(1)), subscription(3)])
    event = {
        "id": "evt_cus",
        "type": "customer.updated",
        "created": int(time.time()),
        "data": {"object": {"id": "cus_00001", "object": "customer"}},
    }
    body, headers = signed(event)
    assert client.post("/webhooks/stripe", content=body, headers=headers).json()["keys"] == 2
    assert _queued(store) == ["sub_00001", "sub_00002"]


def test_health_readiness_and_metrics(server: tuple[httpx.Client, StateStore]) -> None:
    """Probes answer, and metrics show webhook results and the queue."""
    client, _store = server
    body, headers = signed(subscription_event("evt_m", "sub_m"))
    client.post("/webhooks/stripe", content=body, headers=headers)
    client.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": "t=1,v1=00"})
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    text = client.get("/metrics").text
    assert 'connector_webhooks_total{result="accepted"} 1.0' in text
    assert 'connector_webhooks_total{result="stale"} 1.0' in text
    assert "connector_queue_depth 1.0" in text
    assert "connector_queue_oldest_age_seconds" in text
    assert "connector_dead_letters_open 0.0" in text
    assert "connector_webhook_lag_seconds_count 1.0" in text
