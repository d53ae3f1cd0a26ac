"""Webhook endpoints, signed deliveries and retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from connector.sandbox.stripe import StripeSandbox
from tests.sandbox.stripe.helpers import Catalog, WebhookReceiver, ok, subscribe


def verify_stripe_signature(payload: bytes, header: str, secret: str, tolerance: int = 300) -> bool:
    """Independent re-implementation of stripe.WebhookSignature.verify_header."""
    items = [part.split("=", 1) for part in header.split(",")]
    timestamps = [int(v) for k, v in items if k == "t"]
    signatures = [v for k, v in items if k == "v1"]
    if len(timestamps) != 1 or not signatures:
        return False
    timestamp = timestamps[0]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        return False
    return timestamp >= time.time() - tolerance


def _register(client: httpx.Client, url: str, events: list[str]) -> dict[str, str]:
    data = {"url": url, **{f"enabled_events[{i}]": e for i, e in enumerate(events)}}
    endpoint: dict[str, str] = ok(client.post("/v1/webhook_endpoints", data=data))
    return endpoint


def _wait(sandbox: StripeSandbox) -> None:
    assert sandbox.state.webhooks.wait_idle(10)


def test_endpoint_secret_shown_only_at_creation(
    client: httpx.Client, receiver: tuple[WebhookReceiver, str]
) -> None:
    """Creation returns a whsec_ secret; retrieval does not."""
    _, url = receiver
    endpoint = _register(client, url, ["*"])
    assert endpoint["secret"].startswith("whsec_")
    assert "secret" not in ok(client.get(f"/v1/webhook_endpoints/{endpoint['id']}"))


def test_delivery_is_signed_like_stripe(
    client: httpx.Client,
    sandbox: StripeSandbox,
    receiver: tuple[WebhookReceiver, str],
    catalog: Catalog,
) -> None:
    """Each delivery carries a Stripe-Signature that verifies with the endpoint secret."""
    hook, url = receiver
    endpoint = _register(client, url, ["customer.subscription.created"])
    sub = subscribe(client, catalog)
    _wait(sandbox)
    assert len(hook.received) == 1
    delivery = hook.received[0]
    assert verify_stripe_signature(
        delivery.body, delivery.headers["stripe-signature"], endpoint["secret"]
    )
    assert not verify_stripe_signature(delivery.body, delivery.headers["stripe-signature"], "x")
    event = json.loads(delivery.body)
    assert event["type"] == "customer.subscription.created"
    assert event["data"]["object"]["id"] == sub["id"]


def test_only_enabled_events_are_delivered(
    client: httpx.Client,
    sandbox: StripeSandbox,
    receiver: tuple[WebhookReceiver, str],
    catalog: Catalog,
) -> None:
    """An endpoint receives only the types it enabled (wildcards allowed)."""
    hook, url = receiver
    _register(client, url, ["customer.subscription.*"])
    sub = subscribe(client, catalog)
    client.post(f"/v1/subscriptions/{sub['id']}", data={"metadata[x]": "1"})
    client.post("/v1/customers", data={"name": "not delivered"})
    _wait(sandbox)
    types = sorted(json.loads(r.body)["type"] for r in hook.received)
    assert types == ["customer.subscription.created", "customer.subscription.updated"]


def test_failed_delivery_is_retried(
    client: httpx.Client,
    sandbox: StripeSandbox,
    receiver: tuple[WebhookReceiver, str],
    catalog: Catalog,
) -> None:
    """A 500 from the receiver is retried until it succeeds; attempts are visible."""
    hook, url = receiver
    hook.reset(planned=[500, 500])
    _register(client, url, ["customer.subscription.created"])
    subscribe(client, catalog)
    _wait(sandbox)
    attempts = ok(client.get("/__sandbox/webhook_attempts"))["data"]
    assert [(a["attempt"], a["status_code"], a["delivered"]) for a in attempts] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    event_id = attempts[0]["event_id"]
    assert ok(client.get(f"/v1/events/{event_id}"))["pending_webhooks"] == 0


def test_retries_stop_after_schedule(
    client: httpx.Client,
    sandbox: StripeSandbox,
    receiver: tuple[WebhookReceiver, str],
    catalog: Catalog,
) -> None:
    """After the last scheduled retry the delivery is given up."""
    hook, url = receiver
    hook.reset(planned=[503] * 10)
    _register(client, url, ["customer.subscription.created"])
    subscribe(client, catalog)
    _wait(sandbox)
    attempts = ok(client.get("/__sandbox/webhook_attempts"))["data"]
    assert len(attempts) == 1 + len(sandbox.config.webhook_retry_schedule)
    assert attempts[-1]["will_retry"] is False


def test_connection_error_is_retried(client: httpx.Client, sandbox: StripeSandbox) -> None:
    """An unreachable endpoint is recorded as an error with retries."""
    _register(client, "http://127.0.0.1:9/hooks", ["customer.created"])
    client.post("/v1/customers", data={"name": "n"})
    _wait(sandbox)
    attempts = ok(client.get("/__sandbox/webhook_attempts"))["data"]
    assert attempts[0]["error"] is not None
    assert attempts[0]["will_retry"] is True


def test_delivery_success_filter(
    client: httpx.Client,
    sandbox: StripeSandbox,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    """delivery_success=false lists events whose webhooks are not all delivered."""
    _, url = receiver
    _register(client, url, ["customer.created"])
    _register(client, "http://127.0.0.1:9/down", ["customer.updated"])
    customer = ok(client.post("/v1/customers", data={"name": "a"}))
    ok(client.post(f"/v1/customers/{customer['id']}", data={"name": "b"}))
    _wait(sandbox)
    failed = ok(client.get("/v1/events", params={"delivery_success": "false"}))["data"]
    assert [e["type"] for e in failed] == ["customer.updated"]
    succeeded = ok(client.get("/v1/events", params={"delivery_success": "true"}))["data"]
    assert [e["type"] for e in succeeded] == ["customer.created"]
