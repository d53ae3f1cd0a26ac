"""The MRR of every subscription the connector has synced, from its canonical snapshots:
what the ledger's closing balance must equal."""

from __future__ import annotations

from decimal import Decimal
from itertools import islice

from connector.store import StateStore

CHUNK = 5_000


def synced_mrr(store: StateStore) -> dict[str, Decimal]:
    """Sum of the current MRR of every synced subscription, per currency."""
    totals: dict[str, Decimal] = {}
    keys = store.known_keys()
    while chunk := list(islice(keys, CHUNK)):
        for subscription in store.load_canonical(chunk).values():
            mrr = subscription.mrr
            if mrr.amount:
                totals[mrr.currency] = totals.get(mrr.currency, Decimal(0)) + mrr.amount
    return totals
