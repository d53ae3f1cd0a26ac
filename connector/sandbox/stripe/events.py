"""Events: one per change, with a frozen copy of the object (``data.object``).

https://docs.stripe.com/api/events: ``data.previous_attributes`` is present on ``*.updated``
events only; events are listed newest first and can be filtered by ``type`` (with ``*``
wildcards such as ``customer.subscription.*``), ``types[]`` and ``created``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class RequestInfo:
    """The API request that caused an event (``event.request``); ``None`` for automatic ones."""

    request_id: str | None = None
    idempotency_key: str | None = None


def build_event(
    event_id: str,
    created: int,
    event_type: str,
    api_version: str,
    obj: Obj,
    previous: Obj | None,
    request: RequestInfo | None,
    pending_webhooks: int,
) -> Obj:
    # No deep copy is needed: stored objects are never mutated in place (updates build new
    # dicts, see ``objects.py``), so this snapshot cannot change when the resource does.
    data: Obj = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {
        "id": event_id,
        "object": "event",
        "api_version": api_version,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {
            "id": request.request_id if request else None,
            "idempotency_key": request.idempotency_key if request else None,
        },
        "type": event_type,
    }


def type_matches(pattern: str, event_type: str) -> bool:
    """``customer.subscription.*`` matches ``customer.subscription.updated``; ``*`` all."""
    if pattern == "*" or pattern == event_type:
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return False
