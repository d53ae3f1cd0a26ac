"""What the console reads, on both backends: pages of runs, audit entries and dead letters
(one query each, with an offset), a run by its id, and the audit trail by customer."""

from __future__ import annotations

import datetime as dt

from connector.store import AuditEntry, AuditQuery, DeadLetter, RunRecord, StateStore

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _entry(n: int, customer: str) -> AuditEntry:
    at = NOW + dt.timedelta(minutes=n)
    return AuditEntry(
        at, "run_a", "c", f"sub_{n}", customer, ("upgraded",), "applied", False, "v",
        None, None, None, "EUR", {},
    )  # fmt: skip


def _letter(n: int) -> DeadLetter:
    updated = NOW + dt.timedelta(minutes=n)
    return DeadLetter(f"sub_{n}", "odoo", "refused", "X", False, "run_1", {}, NOW, updated)


def test_runs_are_paged_newest_first_and_found_by_id(store: StateStore) -> None:
    for n in range(5):
        store.start_run(RunRecord(f"run_{n}", "full", NOW + dt.timedelta(hours=n), False, "v"))
    assert [r.id for r in store.recent_runs(limit=2)] == ["run_4", "run_3"]
    assert [r.id for r in store.recent_runs(limit=2, offset=2)] == ["run_2", "run_1"]
    assert [r.id for r in store.recent_runs(limit=2, offset=4)] == ["run_0"]
    found = store.get_run("run_2")
    assert found is not None
    assert found.started_at == NOW + dt.timedelta(hours=2)
    assert store.get_run("run_none") is None


def test_audit_entries_are_paged_and_found_by_customer(store: StateStore) -> None:
    store.append_audit([_entry(n, "cus_even" if n % 2 == 0 else "cus_odd") for n in range(6)])
    first = store.query_audit(AuditQuery(limit=4))
    rest = store.query_audit(AuditQuery(limit=4, offset=4))
    assert [e.subscription_id for e in first + rest] == [f"sub_{n}" for n in range(5, -1, -1)]
    odd = store.query_audit(AuditQuery(customer_id="cus_odd"))
    assert [e.subscription_id for e in odd] == ["sub_5", "sub_3", "sub_1"]


def test_dead_letters_are_paged(store: StateStore) -> None:
    store.add_dead_letters([_letter(n) for n in range(3)])
    assert [d.key for d in store.list_dead_letters("open", limit=2)] == ["sub_2", "sub_1"]
    assert [d.key for d in store.list_dead_letters("open", limit=2, offset=2)] == ["sub_0"]
    assert [d.key for d in store.list_dead_letters(None, limit=5, offset=1)] == ["sub_1", "sub_0"]
