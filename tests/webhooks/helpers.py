"""Signed Stripe-style webhook requests for tests and load generation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from connector.metrics import Metrics
from connector.sandbox.common import serve_in_thread
from connector.store import StateStore
from connector.webhooks.app import create_webhook_app
from connector.webhooks.signature import sign

SECRET = "whsec_test_primary_0123456789"


def subscription_event(
    event_id: str, subscription_id: str, event_type: str = "customer.subscription.updated"
) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": {"id": subscription_id, "object": "subscription", "status": "active"}},
    }


def signed(
    event: dict[str, Any], secrets: tuple[str, ...] = (SECRET,), timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    t = int(time.time()) if timestamp is None else timestamp
    header = ",".join([f"t={t}", *(f"v1={sign(body, s, t)}" for s in secrets)])
    return body, {"Stripe-Signature": header, "Content-Type": "application/json"}


@contextmanager
def probe_client(store: StateStore) -> Iterator[httpx.Client]:
    metrics = Metrics()
    metrics.watch_store(lambda: store)
    app = create_webhook_app(store, [SECRET], metrics=metrics)
    with serve_in_thread(app) as running, httpx.Client(base_url=running.base_url) as client:
        yield client


def metric_samples(text: str) -> dict[str, float]:
    """Every sample of a scrape as ``name{label=value,...}`` -> value."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found
