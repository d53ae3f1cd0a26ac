"""Comparing one subscription's status and MRR as billing and each target state them.

Pure: figures in, disagreements out. MRR agrees only when the amounts are equal to the last
minor unit, in the same currency; status agrees when the target holds the value the mapping
gives billing's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.base import StatedRevenue
from connector.schema import Money


@dataclass(frozen=True, slots=True)
class SystemFigures:
    """Billing's figures for one subscription, and the status each target should hold."""

    subscription_id: str
    status: str
    mrr: Money
    expected_status: Mapping[str, str | None]  # target -> the mapped value of ``status``
    expected_absent: frozenset[str] = frozenset()  # targets that rightly never got it


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One way a target differs from billing about one subscription."""

    subscription_id: str
    system: str
    what: str  # "missing", "status" or "mrr"
    billing: str
    target: str

    def describe(self) -> str:
        return (
            f"{self.subscription_id}: {self.system} {self.what} is {self.target}, "
            f"billing says {self.billing}"
        )


def compare_subscription(
    figures: SystemFigures, stated: Mapping[str, StatedRevenue | None]
) -> list[Disagreement]:
    """Every disagreement between billing and the targets (``system -> stated``, None when
    the target has no record of the subscription)."""
    found: list[Disagreement] = []
    for system, revenue in stated.items():
        if revenue is None:
            if system not in figures.expected_absent:
                found.append(_differs(figures, system, "missing", figures.status, "absent"))
            continue
        expected = figures.expected_status.get(system)
        if revenue.status != expected:
            found.append(_differs(figures, system, "status", str(expected), str(revenue.status)))
        if not _same_money(revenue.mrr, figures.mrr):
            shown = str(revenue.mrr) if revenue.mrr is not None else f"unreadable ({revenue.basis})"
            found.append(_differs(figures, system, "mrr", str(figures.mrr), shown))
    return found


def _same_money(stated: Money | None, billing: Money) -> bool:
    return (
        stated is not None
        and stated.currency == billing.currency
        and stated.amount == billing.amount
    )


def _differs(
    figures: SystemFigures, system: str, what: str, billing: str, target: str
) -> Disagreement:
    return Disagreement(figures.subscription_id, system, what, billing, target)
