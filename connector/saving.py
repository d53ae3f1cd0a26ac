"""The store write at the end of a run: what :mod:`connector.recording` computed, kept."""

from __future__ import annotations

from connector.audit import AuditTrail
from connector.recording import Recording
from connector.store import StateStore


def save(store: StateStore, audit: AuditTrail, kept: Recording, run_id: str) -> int:
    """Everything a run learnt, in one transaction: a crash keeps all of it or none.

    Returns how many open dead letters closed. The run's intents are dropped in the same
    transaction, since its audit entries are now recorded (see connector.intents).
    """
    resolved = 0
    with store.transaction():
        for (system, object_name), values in kept.snapshots.items():
            store.save_snapshots(system, object_name, values)
        for (system, object_name), remote in kept.bindings.items():
            store.save_bindings(system, object_name, remote)
        if kept.canonical:
            store.save_canonical(kept.canonical)
        if kept.letters:
            store.add_dead_letters(kept.letters)
        for key, systems in kept.resolved:
            resolved += store.resolve_dead_letters(key, systems, run_id)
        audit.record(kept.entries)
        store.drop_intents(run_id)
    return resolved
