"""Which subscriptions a Stripe event is about. Nothing else of the event is trusted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class MalformedEvent(ValueError):
    pass


@dataclass(frozen=True)
class EventRef:
    id: str
    type: str
    created: int | None
    keys: tuple[str, ...]
    customer: str | None = None  # a customer event: its subscriptions are looked up later


def _id_of(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def event_ref(event: Any) -> EventRef:
    """The event's id and type, and the subscription keys (or customer) it is about."""
    if not isinstance(event, Mapping):
        raise MalformedEvent("the body is not a JSON object")
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id.startswith("evt_"):
        raise MalformedEvent("no event id")
    if not isinstance(event_type, str):
        raise MalformedEvent("no event type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(obj, Mapping):
        raise MalformedEvent("no data.object")
    created = event.get("created")
    keys: tuple[str, ...] = ()
    customer: str | None = None
    kind = obj.get("object")
    if kind == "subscription" or event_type.startswith("customer.subscription."):
        key = _id_of(obj.get("id"))
        keys = (key,) if key else ()
    elif kind == "subscription_item" or "subscription" in obj:
        key = _id_of(obj.get("subscription"))
        keys = (key,) if key else ()
    elif kind == "customer" or event_type.startswith("customer."):
        customer = _id_of(obj.get("id"))
    return EventRef(
        event_id, event_type, created if isinstance(created, int) else None, keys, customer
    )
