"""A state machine over random sequences of billing changes, reconciled for real: the ledger's
movements always add up to closing minus opening MRR, per currency, exactly."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from adapters.memory import MemorySource, MemoryTarget
from connector.reconciler import Reconciler, RunOptions
from connector.revenue.synced import synced_mrr
from connector.safety import SafetySettings
from connector.schema import Subscription, SubscriptionStatus
from connector.store import SqliteStore
from tests.factories import forever_percent, item, load_default_mappings, paused, subscription

KEYS = ("sub_00001", "sub_00002", "sub_00003", "sub_00004")
CURRENCIES = {"sub_00001": "EUR", "sub_00002": "EUR", "sub_00003": "USD", "sub_00004": "JPY"}
PLAN_AMOUNTS = {"EUR": "99.00", "USD": "109.00", "JPY": "12000"}
RUN = RunOptions(kind="full", allow_mass_changes=True)
MAPPINGS = load_default_mappings()

keys = st.sampled_from(KEYS)


def _start(n: int) -> Subscription:
    currency = CURRENCIES[KEYS[n - 1]]
    return subscription(n, currency=currency, items=(_item(currency, 1),))


def _item(currency: str, seats: int, amount: str | None = None, plan: str = "pro") -> object:
    return item(plan, seats, currency=currency, amount=amount or PLAN_AMOUNTS[currency])


class LedgerMachine(RuleBasedStateMachine):
    """Billing changes one subscription at a time; a full reconcile follows every change."""

    @initialize()
    def first_sync(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.store = SqliteStore(Path(self.directory.name) / "state.db")
        self.billing = {key: _start(n) for n, key in enumerate(KEYS, start=1)}
        self.source = MemorySource(list(self.billing.values()))
        targets = [MemoryTarget(MAPPINGS["salesforce"]), MemoryTarget(MAPPINGS["odoo"])]
        self.reconciler = Reconciler(
            self.source, targets, self.store, safety=SafetySettings(min_affected=10_000)
        )
        assert self.reconciler.reconcile_all(RUN).status == "clean"
        kinds = {row.kind for row in self.store.ledger()}
        assert kinds <= {"baseline"}, kinds  # a first sync records no movement
        self.opening = self._sums(self.store.ledger())

    def teardown(self) -> None:
        self.store.close()
        self.directory.cleanup()

    @staticmethod
    def _sums(rows: object) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:  # type: ignore[attr-defined]
            totals[row.currency] += row.amount
        return {code: amount for code, amount in totals.items() if amount}

    def _change(self, key: str, new: Subscription) -> None:
        self.billing[key] = new
        self.source.put(new)
        assert self.reconciler.reconcile_all(RUN).status == "clean"

    @rule(key=keys, seats=st.integers(min_value=0, max_value=7))
    def change_seats(self, key: str, seats: int) -> None:
        sub = self.billing[key]
        self._change(key, sub.replace(items=(_item(sub.currency, seats),)))

    @rule(key=keys, plan=st.sampled_from(["starter", "pro", "enterprise"]))
    def change_plan(self, key: str, plan: str) -> None:
        sub = self.billing[key]
        seats = sub.items[0].quantity
        amount = {"starter": "29", "pro": "99", "enterprise": "499"}[plan]
        if sub.currency != "JPY":
            amount += ".00"
        self._change(key, sub.replace(items=(_item(sub.currency, seats, amount, plan),)))

    @rule(key=keys, percent=st.sampled_from(["10", "25", "100"]))
    def add_coupon(self, key: str, percent: str) -> None:
        sub = self.billing[key]
        self._change(key, sub.replace(discounts=(forever_percent(percent),)))

    @rule(key=keys)
    def remove_coupons(self, key: str) -> None:
        self._change(key, self.billing[key].replace(discounts=()))

    @rule(
        key=keys,
        status=st.sampled_from(
            [
                SubscriptionStatus.ACTIVE,
                SubscriptionStatus.TRIALING,
                SubscriptionStatus.PAST_DUE,
                SubscriptionStatus.UNPAID,
                SubscriptionStatus.CANCELLED,
                SubscriptionStatus.INCOMPLETE,
            ]
        ),
    )
    def change_status(self, key: str, status: SubscriptionStatus) -> None:
        self._change(key, self.billing[key].replace(status=status, pause=None))

    @rule(key=keys)
    def pause(self, key: str) -> None:
        self._change(key, paused(self.billing[key]))

    @rule(key=keys, currency=st.sampled_from(["EUR", "USD", "JPY"]))
    def change_currency(self, key: str, currency: str) -> None:
        sub = self.billing[key]
        seats = sub.items[0].quantity
        self._change(
            key, sub.replace(currency=currency, discounts=(), items=(_item(currency, seats),))
        )

    @invariant()
    def movements_add_up(self) -> None:
        """Per currency: opening + every movement since = closing = the MRR of every synced
        subscription, exactly; and billing's MRR is what was synced."""
        if not hasattr(self, "store"):
            return
        closing = self._sums(self.store.ledger())
        moved = self._sums(row for row in self.store.ledger() if row.kind != "baseline")
        for code in set(closing) | set(self.opening) | set(moved):
            assert self.opening.get(code, Decimal(0)) + moved.get(code, Decimal(0)) == (
                closing.get(code, Decimal(0))
            )
        assert closing == synced_mrr(self.store)
        billing: dict[str, Decimal] = defaultdict(Decimal)
        for sub in self.billing.values():
            billing[sub.currency] += sub.mrr.amount
        assert closing == {code: amount for code, amount in billing.items() if amount}


LedgerMachine.TestCase.settings = settings(
    max_examples=12, stateful_step_count=8, deadline=None, derandomize=True
)
TestLedgerMachine = LedgerMachine.TestCase
