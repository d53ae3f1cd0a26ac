"""The emulator's in-memory state: indexed collections, the clock, events and webhooks.

Every operation runs under one re-entrant lock (``state.lock``), so the state can be shared by
uvicorn's event loop, the webhook workers and Python callers in other threads. Operations are
in-memory and short; responses are serialised while the lock is held, so stored objects can be
shared by responses without copying.
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import Any

from connector.sandbox.stripe.clock import SandboxClock
from connector.sandbox.stripe.config import StripeSandboxConfig
from connector.sandbox.stripe.diff import previous_attributes
from connector.sandbox.stripe.events import RequestInfo, build_event, type_matches
from connector.sandbox.stripe.idempotency import IdempotencyStore
from connector.sandbox.stripe.ids import IdGenerator
from connector.sandbox.stripe.render import render
from connector.sandbox.stripe.store import Collection
from connector.sandbox.stripe.webhooks import WebhookDispatcher

Obj = dict[str, Any]


class StripeState:
    """All resources of one emulated Stripe account (test mode)."""

    def __init__(self, config: StripeSandboxConfig | None = None) -> None:
        self.config = config or StripeSandboxConfig()
        self.lock = threading.RLock()
        self.clock = SandboxClock(self.config.start_time)
        self.ids = IdGenerator(self.config.seed)
        self.customers = Collection("customer")
        self.products = Collection("product")
        self.prices = Collection("price")
        self.coupons = Collection("coupon")
        self.tax_rates = Collection("tax_rate")
        self.discounts = Collection("discount", created_field="start")
        self.tax_ids = Collection("tax_id")
        self.invoice_items = Collection("invoiceitem", created_field="date")
        self.tax_ids_of: dict[str, list[str]] = {}
        """Customer id -> its tax ids, oldest first."""
        self.subscriptions = Collection("subscription")
        self.subscription_items: dict[str, str] = {}
        """Subscription item id -> subscription id."""
        self.events = Collection("event")
        self.webhook_endpoints = Collection("webhook_endpoint")
        self.webhook_secrets: dict[str, str] = {}
        self.deleted: dict[str, Obj] = {}
        """Tombstones of deleted objects (``{"id", "object", "deleted": true}``)."""
        self.prices_by_lookup_key: dict[str, str] = {}
        self.price_tiers: dict[str, list[Obj]] = {}
        self.coupon_currency_options: dict[str, dict[str, Obj]] = {}
        """Coupon id -> ``{currency: {"amount_off": n}}`` (includable, shown when expanded)."""
        """Tiered price id -> its tiers (an includable field, rendered only when expanded)."""
        self.trial_will_end_sent: set[str] = set()
        self.idempotency = IdempotencyStore(self.config.idempotency_ttl_seconds)
        self.emit_events = True
        self.webhooks = WebhookDispatcher(
            self._resolve_delivery,
            self._delivered,
            self.config.webhook_retry_schedule,
            self.config.webhook_max_jitter_seconds,
            self.config.webhook_timeout_seconds,
            seed=self.config.seed,
        )

    # -- collections -------------------------------------------------------------------------

    def all_collections(self) -> dict[str, Collection]:
        return {
            "customers": self.customers,
            "products": self.products,
            "prices": self.prices,
            "coupons": self.coupons,
            "tax_rates": self.tax_rates,
            "discounts": self.discounts,
            "tax_ids": self.tax_ids,
            "invoice_items": self.invoice_items,
            "subscriptions": self.subscriptions,
            "events": self.events,
            "webhook_endpoints": self.webhook_endpoints,
        }

    def reset(self) -> None:
        """Forget every object, event, idempotency key and queued webhook."""
        with self.lock:
            for collection in self.all_collections().values():
                collection.clear()
            self.subscription_items.clear()
            self.tax_ids_of.clear()
            self.webhook_secrets.clear()
            self.deleted.clear()
            self.prices_by_lookup_key.clear()
            self.price_tiers.clear()
            self.coupon_currency_options.clear()
            self.trial_will_end_sent.clear()
            self.idempotency.clear()
            self.webhooks.clear()

    def now(self) -> int:
        return self.clock.now()

    def new_id(self, prefix: str) -> str:
        return self.ids.new(prefix)

    def new_webhook_secret(self) -> str:
        return "whsec_" + secrets.token_hex(16)

    def rendered(self, obj: Obj) -> Obj:
        return render(self, obj)

    # -- events ------------------------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        obj: Obj,
        before: Obj | None = None,
        request: RequestInfo | None = None,
    ) -> Obj | None:
        """Record an event about ``obj`` (rendered) and queue its webhooks.

        ``before`` (the rendered object before an update) yields ``previous_attributes``.
        """
        if not self.emit_events:
            return None
        with self.lock:
            previous = previous_attributes(before, obj) if before is not None else None
            endpoints = [
                endpoint
                for endpoint in self.webhook_endpoints.values()
                if endpoint["status"] == "enabled"
                and any(type_matches(p, event_type) for p in endpoint["enabled_events"])
            ]
            event = build_event(
                self.new_id("evt"),
                self.now(),
                event_type,
                self.config.api_version,
                obj,
                previous,
                request,
                len(endpoints),
            )
            self.events.add(event)
        for endpoint in endpoints:
            self.webhooks.enqueue(event["id"], endpoint["id"])
        return event

    def _resolve_delivery(self, event_id: str, endpoint_id: str) -> tuple[str, str, bytes] | None:
        with self.lock:
            event = self.events.get(event_id)
            endpoint = self.webhook_endpoints.get(endpoint_id)
            if event is None or endpoint is None or endpoint["status"] != "enabled":
                return None
            payload = json.dumps(event, indent=2).encode()
            return endpoint["url"], self.webhook_secrets[endpoint_id], payload

    def _delivered(self, event_id: str) -> None:
        with self.lock:
            event = self.events.get(event_id)
            if event is not None and event["pending_webhooks"] > 0:
                self.events.replace({**event, "pending_webhooks": event["pending_webhooks"] - 1})

    # -- Python-level admin API (same as the /__sandbox/ endpoints) ---------------------------

    def load(self, data: Obj) -> Obj:
        """Bulk insert without events or webhooks (format in ``loader.py``)."""
        from connector.sandbox.stripe.loader import load

        return load(self, data)

    def advance_clock(
        self, advance_seconds: int | None = None, now: int | None = None
    ) -> dict[str, int]:
        """Move the sandbox clock forward, applying renewals, trial ends and cancellations."""
        from connector.sandbox.stripe.lifecycle import advance_clock

        return advance_clock(self, advance_seconds=advance_seconds, now=now)

    def set_subscription_status(self, subscription_id: str, status: str) -> Obj:
        """Force a status (``past_due``, ``unpaid``, ...) with the events Stripe would send."""
        from connector.sandbox.stripe.subscriptions import force_status

        return force_status(self, subscription_id, status)

    def close(self) -> None:
        """Stop the webhook workers (pending deliveries are dropped)."""
        self.webhooks.stop()
