"""Stripe as the billing source: subscriptions read over the REST API, as canonical records.

Build one with :func:`build_stripe_source` from :class:`StripeSettings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.lazy import lazy_attributes

if TYPE_CHECKING:
    from adapters.stripe.factory import build_stripe_source
    from adapters.stripe.settings import PINNED_API_VERSION, StripeSettings
    from adapters.stripe.source import StripeSource

_HOMES = {
    "build_stripe_source": "adapters.stripe.factory",
    "PINNED_API_VERSION": "adapters.stripe.settings",
    "StripeSettings": "adapters.stripe.settings",
    "StripeSource": "adapters.stripe.source",
}

# The adapter and its client libraries load when one of these is first used.
__getattr__ = lazy_attributes(__name__, _HOMES)

__all__ = ["PINNED_API_VERSION", "StripeSettings", "StripeSource", "build_stripe_source"]
