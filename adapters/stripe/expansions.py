"""The ``expand[]`` paths that make one list call return whole subscriptions.

Stripe expands at most four levels, counting ``data`` on lists
(https://docs.stripe.com/api/expanding_objects: "the deepest expansion allowed when listing
charges is data.invoice.subscription.default_source"). So:

- listing reaches ``data.discounts.source.coupon`` and ``data.items.data.discounts`` but *not*
  ``data.items.data.price.product`` (five levels) nor the coupons of item discounts (six):
  those come from ``catalog.py``, a few calls per scan (by id, cached), never one per
  subscription;
- retrieving one subscription reaches ``items.data.price.product`` and
  ``items.data.price.tiers`` (four levels) directly; a list reads tiered prices' tiers from
  ``catalog.py``.

Prices and tax rates need no expansion: items always carry their ``price`` object and
``tax_rates`` / ``default_tax_rates`` are always full objects.
"""

from __future__ import annotations

#: For ``GET /v1/subscriptions`` (paths start with ``data.``).
LIST_EXPANSIONS: tuple[str, ...] = (
    "data.customer",
    "data.discounts",
    "data.discounts.source.coupon",
    "data.items.data.discounts",
)

#: For ``GET /v1/subscriptions/{id}``.
RETRIEVE_EXPANSIONS: tuple[str, ...] = (
    "customer",
    "discounts",
    "discounts.source.coupon",
    "items.data.discounts",
    "items.data.price.product",
    "items.data.price.tiers",
)

#: ``customer.tax_ids`` is an includable field: sent only when asked for.
LIST_TAX_IDS = "data.customer.tax_ids"
RETRIEVE_TAX_IDS = "customer.tax_ids"


def list_expansions(tax_ids: bool) -> tuple[str, ...]:
    return (*LIST_EXPANSIONS, LIST_TAX_IDS) if tax_ids else LIST_EXPANSIONS


def retrieve_expansions(tax_ids: bool) -> tuple[str, ...]:
    return (*RETRIEVE_EXPANSIONS, RETRIEVE_TAX_IDS) if tax_ids else RETRIEVE_EXPANSIONS


def expand_params(paths: tuple[str, ...]) -> list[tuple[str, str | int]]:
    return [("expand[]", path) for path in paths]
