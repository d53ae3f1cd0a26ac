"""Stripe as the billing source: subscriptions read over the REST API, as canonical records.

Build one with :func:`build_stripe_source` from :class:`StripeSettings`.
"""

from adapters.stripe.factory import build_stripe_source
from adapters.stripe.settings import PINNED_API_VERSION, StripeSettings
from adapters.stripe.source import StripeSource

__all__ = ["PINNED_API_VERSION", "StripeSettings", "StripeSource", "build_stripe_source"]
