"""The movements ledger in the store, on SQLite and PostgreSQL, and its /metrics gauge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prometheus_client import generate_latest

from connector.metrics import Metrics
from connector.store import AuditEntry, StateStore

T1 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _entry(key: str, at: dt.datetime, *movements: tuple[str, str, Decimal]) -> AuditEntry:
    return AuditEntry(
        at=at,
        run_id="run_1",
        correlation_id="run_1",
        subscription_id=key,
        customer_id="cus_1",
        event_types=("baseline",),
        outcome="applied",
        dry_run=False,
        mapping_version="v1",
        mrr_before=None,
        mrr_after=None,
        mrr_delta=None,
        currency=None,
        detail={},
        movements=movements,
    )


def test_movements_are_kept_exactly_and_added_up_per_currency(store: StateStore) -> None:
    """Amounts come back exactly, oldest first; totals add up per currency to the minor unit,
    three decimals for KWD and none for JPY."""
    store.append_audit(
        [
            _entry("sub_1", T1, ("baseline", "EUR", Decimal("99.00"))),
            _entry("sub_2", T1, ("baseline", "KWD", Decimal("10.288"))),
            _entry(
                "sub_3",
                T1 + dt.timedelta(days=1),
                ("churn", "EUR", Decimal("-33.33")),
                ("new_business", "JPY", Decimal("12000")),
            ),
        ]
    )
    rows = list(store.ledger())
    assert [(r.subscription_id, r.kind, r.amount) for r in rows] == [
        ("sub_1", "baseline", Decimal("99.00")),
        ("sub_2", "baseline", Decimal("10.288")),
        ("sub_3", "churn", Decimal("-33.33")),
        ("sub_3", "new_business", Decimal("12000")),
    ]
    assert [r.subscription_id for r in store.ledger(until=T1 + dt.timedelta(hours=1))] == [
        "sub_1",
        "sub_2",
    ]
    assert store.ledger_totals() == {
        "EUR": Decimal("65.67"),
        "KWD": Decimal("10.288"),
        "JPY": Decimal("12000"),
    }
    assert store.history_opened_at() == T1


def test_mrr_gauge_per_currency(store: StateStore) -> None:
    """/metrics shows connector_mrr per currency from the ledger."""
    store.append_audit([_entry("sub_1", T1, ("baseline", "EUR", Decimal("99.00")))])
    metrics = Metrics()
    metrics.watch_store(lambda: store)
    text = generate_latest(metrics.registry).decode()
    assert 'connector_mrr{currency="EUR"} 99.0' in text


def test_a_store_from_before_the_ledger_gets_its_opening_balances_once(
    store: StateStore,
) -> None:
    """Subscriptions synced before the ledger existed get one baseline each on the next run,
    so the ledger stands at their MRR; a second run adds nothing."""
    from adapters.memory import MemorySource, MemoryTarget
    from connector.reconciler import Reconciler
    from connector.revenue.synced import synced_mrr
    from tests.factories import load_default_mappings, subscription

    subs = [subscription(n) for n in range(1, 6)]
    store.save_canonical(subs)  # what an older connector left behind
    mappings = load_default_mappings()
    targets = [MemoryTarget(mappings["salesforce"]), MemoryTarget(mappings["odoo"])]
    reconciler = Reconciler(MemorySource(subs), targets, store)
    reconciler.reconcile_all()
    assert store.ledger_totals() == synced_mrr(store) == {"EUR": Decimal("495.00")}
    assert [row.kind for row in store.ledger()] == ["baseline"] * 5
    Reconciler(MemorySource(subs), targets, store).reconcile_all()
    assert len(list(store.ledger())) == 5
