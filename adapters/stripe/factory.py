"""Building a :class:`StripeSource` from its settings."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from adapters.resilience import Resilient
from adapters.stripe.client import StripeClient
from adapters.stripe.events import EventFeed
from adapters.stripe.settings import StripeSettings
from adapters.stripe.source import StripeSource
from connector.redaction import SECRETS


def build_stripe_source(
    settings: StripeSettings,
    *,
    transport: httpx.BaseTransport | None = None,
    resilient: Resilient | None = None,
    clock: Callable[[], float] = time.time,
) -> StripeSource:
    """A ready source; ``transport``, ``resilient`` and ``clock`` are seams for tests."""
    SECRETS.register(settings.api_key.get_secret_value())
    client = StripeClient(settings, resilient=resilient, transport=transport)
    feed = EventFeed(
        client,
        page_size=settings.page_size,
        follow_customer_updates=settings.follow_customer_updates,
        clock=clock,
    )
    return StripeSource(settings, client, feed)
