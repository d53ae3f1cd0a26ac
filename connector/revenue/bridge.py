"""The MRR bridge finance reconciles with, per currency and period, from the ledger.

    opening + opening balances added + new business + expansion - contraction - churn
        + reactivation = closing

holds exactly (``Decimal``), because every row of the ledger is a signed change of one
subscription's MRR and a period's closing is the sum of every row before its end. Rows of the
``baseline`` kind are opening balances added during the period (subscriptions the connector
saw for the first time); they are shown apart so that no real movement is overstated.

Rates, per currency and period (None when opening MRR is zero):

- logo churn: subscriptions churned / subscriptions bearing MRR at the opening;
- revenue churn: (churn + contraction) / opening MRR;
- net revenue retention: (opening + expansion - contraction - churn + reactivation) / opening.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from connector.revenue.movements import MovementKind
from connector.store import LedgerRow

_ZERO = Decimal(0)
_K = MovementKind


@dataclass
class BridgeRow:
    """One currency over one period."""

    currency: str
    start: dt.datetime
    end: dt.datetime
    opening: Decimal = _ZERO
    totals: dict[MovementKind, Decimal] = field(default_factory=dict)
    subscriptions_at_opening: int = 0
    churned_subscriptions: int = 0

    def amount(self, kind: MovementKind) -> Decimal:
        return self.totals.get(kind, _ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + sum(self.totals.values(), _ZERO)

    @property
    def arr(self) -> Decimal:
        return self.closing * 12

    @property
    def logo_churn(self) -> Decimal | None:
        if not self.subscriptions_at_opening:
            return None
        return Decimal(self.churned_subscriptions) / Decimal(self.subscriptions_at_opening)

    @property
    def revenue_churn(self) -> Decimal | None:
        if not self.opening:
            return None
        return -(self.amount(_K.CHURN) + self.amount(_K.CONTRACTION)) / self.opening

    @property
    def net_revenue_retention(self) -> Decimal | None:
        if not self.opening:
            return None
        kept = self.opening + sum(
            (self.amount(k) for k in (_K.EXPANSION, _K.CONTRACTION, _K.CHURN, _K.REACTIVATION)),
            _ZERO,
        )
        return kept / self.opening


def month_periods(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """``[start, end)`` cut at calendar month boundaries (UTC)."""
    periods: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = start
    while cursor < end:
        following = (cursor.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        following = following.replace(hour=0, minute=0, second=0, microsecond=0)
        periods.append((cursor, min(following, end)))
        cursor = min(following, end)
    return periods


def bridge(
    ledger: Iterable[LedgerRow],
    periods: Sequence[tuple[dt.datetime, dt.datetime]],
    currency: str | None = None,
) -> list[BridgeRow]:
    """The bridge of every currency (or one) for each period, in order."""
    rows = [row for row in ledger if currency is None or row.currency == currency]
    currencies = sorted({row.currency for row in rows})
    out: list[BridgeRow] = []
    for start, end in periods:
        for code in currencies:
            of_currency = [row for row in rows if row.currency == code]
            out.append(_one(of_currency, code, start, end))
    return out


def _one(
    rows: Iterable[LedgerRow], currency: str, start: dt.datetime, end: dt.datetime
) -> BridgeRow:
    result = BridgeRow(currency, start, end)
    balance: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    churned: set[str] = set()
    for row in rows:
        if row.at >= end:
            break
        if row.at < start:
            balance[row.subscription_id] += row.amount
            continue
        kind = MovementKind(row.kind)
        result.totals[kind] = result.totals.get(kind, _ZERO) + row.amount
        if kind is MovementKind.CHURN:
            churned.add(row.subscription_id)
    result.opening = sum(balance.values(), _ZERO)
    paying = {key for key, amount in balance.items() if amount > 0}
    result.subscriptions_at_opening = len(paying)
    result.churned_subscriptions = len(churned & paying)
    return result
