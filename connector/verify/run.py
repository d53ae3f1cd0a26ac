"""Reading billing page by page and each target in batches, and comparing as we go.

Memory stays bounded by one batch: billing's pages are compared as soon as a batch of keys is
full, and only the disagreements and the totals are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from adapters.base import Source, StatedRevenue, Target
from connector.records import RecordError
from connector.schema import Money, Subscription, SubscriptionStatus
from connector.verify.compare import Disagreement, SystemFigures, compare_subscription
from connector.verify.stated import expected_status, stated_revenue, subscription_object

BATCH = 500


@dataclass
class VerifyReport:
    """What ``connector verify`` found: per-currency totals per system and every difference."""

    systems: tuple[str, ...]
    subscriptions: int = 0
    agreeing: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    unreadable: list[RecordError] = field(default_factory=list)
    # system -> currency -> the sum of the MRR it states
    totals: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    @property
    def agrees(self) -> bool:
        return not self.disagreements and not self.unreadable

    @property
    def agreement_share(self) -> Decimal:
        if self.subscriptions == 0:
            return Decimal(1)
        return Decimal(self.agreeing) / Decimal(self.subscriptions)

    def add_total(self, system: str, money: Money) -> None:
        by_currency = self.totals.setdefault(system, {})
        by_currency[money.currency] = by_currency.get(money.currency, Decimal(0)) + money.amount


def verify_systems(
    source: Source,
    targets: Sequence[Target],
    *,
    create_cancelled: bool = True,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Compare every subscription billing has with what each target states about it."""
    billing_name = source.system
    report = VerifyReport(systems=(billing_name, *(t.system for t in targets)))
    pending: list[Subscription] = []
    for page in source.scan():
        report.unreadable.extend(page.errors)
        pending.extend(page.subscriptions)
        if len(pending) >= BATCH:
            _compare_batch(pending, targets, report, billing_name, create_cancelled)
            pending = []
            if progress is not None:
                progress(report.subscriptions)
    if pending:
        _compare_batch(pending, targets, report, billing_name, create_cancelled)
    return report


def _compare_batch(
    subscriptions: Sequence[Subscription],
    targets: Sequence[Target],
    report: VerifyReport,
    billing_name: str,
    create_cancelled: bool,
) -> None:
    stated: dict[str, dict[str, StatedRevenue]] = {}
    keys_of: dict[str, dict[str, str]] = {}
    for target in targets:
        obj = subscription_object(target.mapping)
        keys = {sub.id: key for sub in subscriptions if (key := obj.key_of(sub)) is not None}
        keys_of[target.system] = keys
        stated[target.system] = dict(stated_revenue(target, list(keys.values())))
    for sub in subscriptions:
        report.subscriptions += 1
        report.add_total(billing_name, sub.mrr)
        rightly_absent = sub.status is SubscriptionStatus.CANCELLED and not create_cancelled
        figures = SystemFigures(
            subscription_id=sub.id,
            status=sub.status.value,
            mrr=sub.mrr,
            expected_status={t.system: expected_status(t.mapping, sub) for t in targets},
            expected_absent=frozenset(t.system for t in targets) if rightly_absent else frozenset(),
        )
        found: dict[str, StatedRevenue | None] = {}
        for target in targets:
            key = keys_of[target.system].get(sub.id)
            revenue = stated[target.system].get(key) if key is not None else None
            found[target.system] = revenue
            if revenue is not None and revenue.mrr is not None:
                report.add_total(target.system, revenue.mrr)
        differences = compare_subscription(figures, found)
        if differences:
            report.disagreements.extend(differences)
        else:
            report.agreeing += 1
