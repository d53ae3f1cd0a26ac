"""The revenue movements of one subscription between its last synced state and now.

Categories are ChartMogul's (the reference most finance teams reconcile with), counted per
subscription rather than per customer: ChartMogul calls the end of one of a customer's
several subscriptions contraction, we call it churn of that subscription; the bridge adds up
the same either way.

- **baseline**: the first sight of a subscription that existed before the connector's history
  opened; its MRR is the opening balance, not a movement of the period;
- **new business**: a subscription's first paying MRR (a new subscription, a trial
  converting, an incomplete one activated);
- **expansion** / **contraction**: MRR up / down while paying (seats, price, plan, coupons);
- **churn**: MRR to zero (cancelled, or paused: a paused subscription bears no MRR);
- **reactivation**: MRR again after a cancellation or a pause;
- a currency change is churn in the old currency and new business in the new one.

Amounts are signed as they move MRR (churn and contraction negative), so a period's
movements always add up to closing minus opening MRR, per currency, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from connector.schema import Subscription, SubscriptionStatus

_ZERO = Decimal(0)


class MovementKind(StrEnum):
    BASELINE = "baseline"
    NEW_BUSINESS = "new_business"
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    CHURN = "churn"
    REACTIVATION = "reactivation"


@dataclass(frozen=True, slots=True)
class Movement:
    kind: MovementKind
    currency: str
    amount: Decimal  # signed: what it adds to MRR


# Statuses after which MRR coming back is a reactivation (it had stopped), not new business.
_STOPPED = frozenset({SubscriptionStatus.CANCELLED, SubscriptionStatus.PAUSED})


def derive_movements(
    previous: Subscription | None, current: Subscription | None, *, new_in_billing: bool
) -> tuple[Movement, ...]:
    """What happened to MRR from ``previous`` (last synced, None on first sight) to
    ``current`` (None: gone from billing without a cancelled copy)."""
    if current is None:
        if previous is None or previous.mrr.amount == 0:
            return ()
        return (_movement(MovementKind.CHURN, previous.currency, -previous.mrr.amount),)
    after = current.mrr.amount
    if previous is None:
        if after == 0:
            return ()
        kind = MovementKind.NEW_BUSINESS if new_in_billing else MovementKind.BASELINE
        return (_movement(kind, current.currency, after),)
    before = previous.mrr.amount
    if previous.currency != current.currency:
        moves = []
        if before:
            moves.append(_movement(MovementKind.CHURN, previous.currency, -before))
        if after:
            moves.append(_movement(MovementKind.NEW_BUSINESS, current.currency, after))
        return tuple(moves)
    if before == after:
        return ()
    if before == 0:
        kind = (
            MovementKind.REACTIVATION if previous.status in _STOPPED else MovementKind.NEW_BUSINESS
        )
        return (_movement(kind, current.currency, after),)
    if after == 0:
        return (_movement(MovementKind.CHURN, current.currency, -before),)
    kind = MovementKind.EXPANSION if after > before else MovementKind.CONTRACTION
    return (_movement(kind, current.currency, after - before),)


def _movement(kind: MovementKind, currency: str, amount: Decimal) -> Movement:
    return Movement(kind, currency, amount if amount else _ZERO)
