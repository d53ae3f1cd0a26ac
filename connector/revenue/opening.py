"""Opening balances for subscriptions synced before the ledger existed.

A store upgraded from a version without the movements ledger already holds subscriptions it
synced: none of them has a baseline, so the ledger's closing balance would not equal their
MRR. The first run after the upgrade records one ``baseline`` audit entry per such
subscription, with its last synced MRR as the opening balance, once: after it, baseline
entries exist and this never runs again.
"""

from __future__ import annotations

import datetime as dt
from itertools import islice

from connector.store import AuditEntry, AuditQuery, StateStore

CHUNK = 1_000


def needs_opening_balances(store: StateStore) -> bool:
    """Synced subscriptions, and no baseline ever recorded: a store from before the ledger."""
    if store.count_known() == 0:
        return False
    return not store.query_audit(AuditQuery(event_type="baseline", limit=1))


def record_opening_balances(
    store: StateStore, run_id: str, mapping_version: str, at: dt.datetime
) -> int:
    """One baseline entry per synced subscription; returns how many were recorded."""
    recorded = 0
    keys = store.known_keys()
    while chunk := list(islice(keys, CHUNK)):
        entries = []
        for subscription in store.load_canonical(chunk).values():
            mrr = subscription.mrr
            entries.append(
                AuditEntry(
                    at=at,
                    run_id=run_id,
                    correlation_id=run_id,
                    subscription_id=subscription.id,
                    customer_id=subscription.customer.id,
                    event_types=("baseline",),
                    outcome="recorded",
                    dry_run=False,
                    mapping_version=mapping_version,
                    mrr_before=None,
                    mrr_after=f"{mrr.amount:f}",
                    mrr_delta=None,
                    currency=mrr.currency,
                    detail={"opening_balance": "synced before the revenue ledger existed"},
                    movements=(("baseline", mrr.currency, mrr.amount),) if mrr.amount else (),
                )
            )
        store.append_audit(entries)
        recorded += len(entries)
    return recorded


def open_ledger(
    store: StateStore, run_id: str, mapping_version: str, at: dt.datetime
) -> int | None:
    """Record the opening balances of a store from before the ledger, if it is one.

    Returns how many were recorded, or None when the store needed none.
    """
    if not needs_opening_balances(store):
        return None
    return record_opening_balances(store, run_id, mapping_version, at)
