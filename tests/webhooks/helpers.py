"""Signed Stripe-style webhook requests for tests and load generation."""

from __future__ import annotations

import json
import time
from typing import Any

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
