"""Which subscriptions changed since a cursor, from Stripe's event log (``/v1/events``).

Stripe keeps events for 30 days and lists them newest first (https://docs.stripe.com/api/events/list),
filtered here by ``types[]`` and ``created[gte]``. The listing walks back (``starting_after``)
from the newest event to the cursor's event, then the events are handed out oldest first, in
pages of at most ``page_size`` events, each page with the cursor of its last event: a caller
that stores the cursor after handling a page never skips a change and at worst re-reads one.

Costs: one call per 100 events, plus, when ``customer.updated`` events are followed, one
``GET /v1/subscriptions?customer=`` per customer whose translated fields (name, email, address,
currency, metadata, tax ids) changed: those fields are part of the canonical subscription.
``customer.deleted`` is not followed: Stripe cancels the subscriptions of a deleted customer,
which emits ``customer.subscription.deleted`` for each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.base import ChangePage
from adapters.stripe.client import StripeClient
from adapters.stripe.cursor import CursorError, EventCursor
from connector.logs import get_logger

Obj = dict[str, Any]

SUBSCRIPTION_EVENTS: tuple[str, ...] = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "customer.subscription.pending_update_applied",
    "customer.subscription.pending_update_expired",
)
CUSTOMER_UPDATED = "customer.updated"
#: Customer fields the canonical subscription carries; other updates (balance, invoice
#: settings, default payment method...) change nothing downstream and are skipped.
TRANSLATED_CUSTOMER_FIELDS = frozenset(
    {"name", "email", "address", "currency", "metadata", "tax_ids", "deleted"}
)

RETENTION_SECONDS = 30 * 24 * 3600
#: A cursor this close to the retention limit is treated as expired: the listing takes time and
#: the oldest events it needs could be pruned meanwhile.
RETENTION_MARGIN_SECONDS = 3600
#: How far behind "now" an idle cursor is moved forward, so that a quiet account does not age
#: into a full scan, while events still arriving late (clock skew, Stripe's own lag) are seen.
IDLE_LAG_SECONDS = 300

log = get_logger("adapters.stripe.events")


@dataclass(frozen=True)
class _Event:
    event_id: str
    created: int
    event_type: str
    obj: Obj
    previous: Obj | None


class EventFeed:
    """``changed_since`` for the Stripe source."""

    def __init__(
        self,
        client: StripeClient,
        *,
        page_size: int,
        follow_customer_updates: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._page_size = page_size
        self._follow_customers = follow_customer_updates
        self._clock = clock

    @property
    def types(self) -> tuple[str, ...]:
        if self._follow_customers:
            return (*SUBSCRIPTION_EVENTS, CUSTOMER_UPDATED)
        return SUBSCRIPTION_EVENTS

    def changed_since(self, cursor: str | None) -> Iterator[ChangePage]:
        now = int(self._clock())
        if cursor is None:
            log.info("stripe.changes.no_cursor", action="full scan, then resume from now")
            yield ChangePage([], str(self._head(now)), full_scan_needed=True)
            return
        try:
            position = EventCursor.parse(cursor)
        except CursorError as exc:
            log.warning("stripe.changes.bad_cursor", error=str(exc), action="full scan")
            yield ChangePage([], str(self._head(now)), full_scan_needed=True)
            return
        if position.created < now - RETENTION_SECONDS + RETENTION_MARGIN_SECONDS:
            log.warning(
                "stripe.changes.cursor_expired",
                cursor=cursor,
                age_days=round((now - position.created) / 86400, 1),
                retention_days=RETENTION_SECONDS // 86400,
                action="full scan: Stripe no longer has every event since the cursor",
            )
            yield ChangePage([], str(self._head(now)), full_scan_needed=True)
            return
        events = self._events_after(position)
        if not events:
            idle = position.later(EventCursor(now - IDLE_LAG_SECONDS, position.event_id))
            if idle != position:
                yield ChangePage([], str(idle))
            return
        for start in range(0, len(events), self._page_size):
            chunk = events[start : start + self._page_size]
            last = chunk[-1]
            yield ChangePage(self._keys(chunk), str(EventCursor(last.created, last.event_id)))

    def _head(self, now: int) -> EventCursor:
        """The position of the newest event now (or of "now" when there is none)."""
        body = self._client.get("/v1/events", self._filters(1), label="list events")
        newest = [e for e in (_event(raw) for raw in body.get("data") or []) if e is not None]
        if newest:
            return EventCursor(newest[0].created, newest[0].event_id)
        # No event to anchor on: start a little in the past, as our clock may run ahead of
        # Stripe's; an event seen twice only costs a re-read, a missed one a stale target.
        return EventCursor(now - IDLE_LAG_SECONDS)

    def _filters(self, limit: int) -> list[tuple[str, str | int]]:
        params: list[tuple[str, str | int]] = [("limit", limit)]
        params.extend(("types[]", event_type) for event_type in self.types)
        return params

    def _events_after(self, position: EventCursor) -> list[_Event]:
        """Events newer than ``position``, oldest first."""
        newest_first: list[_Event] = []
        starting_after: str | None = None
        while True:
            params = self._filters(self._page_size)
            params.append(("created[gte]", position.created))
            if starting_after:
                params.append(("starting_after", starting_after))
            body = self._client.get("/v1/events", params, label="list events")
            raws = body.get("data") or []
            for raw in raws:
                event = _event(raw)
                if event is None:
                    log.warning("stripe.changes.bad_event", event=str(raw)[:200])
                    continue
                if event.event_id == position.event_id:
                    # Everything listed after the cursor's event was handed out before.
                    return newest_first[::-1]
                newest_first.append(event)
            if not body.get("has_more") or not raws:
                return newest_first[::-1]
            last = raws[-1]
            starting_after = last.get("id") if isinstance(last, dict) else None
            if not starting_after:
                return newest_first[::-1]

    def _keys(self, events: Sequence[_Event]) -> list[str]:
        keys: list[str] = []
        for event in events:
            if event.event_type == CUSTOMER_UPDATED:
                if _touches_translated_fields(event):
                    keys.extend(self._subscriptions_of(str(event.obj.get("id"))))
            elif event.obj.get("object") == "subscription" and isinstance(event.obj.get("id"), str):
                keys.append(event.obj["id"])
        return list(dict.fromkeys(keys))

    def _subscriptions_of(self, customer_id: str) -> list[str]:
        if not customer_id:
            return []
        keys: list[str] = []
        starting_after: str | None = None
        while True:
            params: list[tuple[str, str | int]] = [
                ("customer", customer_id),
                ("status", "all"),
                ("limit", 100),
            ]
            if starting_after:
                params.append(("starting_after", starting_after))
            body = self._client.get(
                "/v1/subscriptions", params, label="list customer subscriptions"
            )
            raws = [raw for raw in body.get("data") or [] if isinstance(raw, dict)]
            keys.extend(str(raw["id"]) for raw in raws if isinstance(raw.get("id"), str))
            if not body.get("has_more") or not raws:
                return keys
            starting_after = str(raws[-1].get("id"))


def _event(raw: Any) -> _Event | None:
    if not isinstance(raw, dict):
        return None
    data = raw.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    previous = data.get("previous_attributes") if isinstance(data, dict) else None
    if not (
        isinstance(raw.get("id"), str)
        and isinstance(raw.get("created"), int)
        and isinstance(raw.get("type"), str)
        and isinstance(obj, dict)
    ):
        return None
    return _Event(
        raw["id"],
        raw["created"],
        raw["type"],
        obj,
        previous if isinstance(previous, dict) else None,
    )


def _touches_translated_fields(event: _Event) -> bool:
    if event.previous is None:
        return True  # no diff given: assume it matters
    return not TRANSLATED_CUSTOMER_FIELDS.isdisjoint(event.previous)
