"""Add-ons of the demo data set: the price kinds beyond a plain per-seat plan.

Drawn from a random stream of their own, so that every subscription keeps the plan, seats,
status and coupons it had before add-ons existed. Each add-on bills on its subscription's
interval (Stripe requires one interval per subscription).

- ``api-calls``: graduated tiers, the first 1,000 calls free, then 0.002 a call (finer than
  the cent) plus a 5.00 platform fee once past the free tier, then 0.001 a call;
- ``storage``: volume tiers, every GB at the price of the tier the total falls in;
- ``seat-packs``: a price per pack of 10 seats, packs rounded up (``transform_quantity``);
- ``sms``: 0.125 a message, a per-unit price finer than the cent.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from connector.schema import (
    BillingInterval,
    Money,
    PriceTier,
    RoundDirection,
    SubscriptionItem,
    TaxRate,
    TiersMode,
    TransformQuantity,
)

ADDON_CODES = ("api-calls", "storage", "seat-packs", "sms")
ADDON_SHARE = 0.16  # of subscriptions, split evenly between the four kinds


def _scaled(amount: str, currency: str) -> Decimal:
    # The data set prices JPY at 100 times the other currencies' figures.
    return Decimal(amount) * (100 if currency == "JPY" else 1)


def make_addon(
    n: int, seed: int, currency: str, interval: BillingInterval, tax: TaxRate | None
) -> SubscriptionItem | None:
    """Subscription ``n``'s add-on, or None (most subscriptions have none)."""
    rng = random.Random(n * 104_729 + seed)
    if rng.random() >= ADDON_SHARE:
        return None
    code = ADDON_CODES[rng.randrange(len(ADDON_CODES))]
    common: dict[str, Any] = {
        "id": f"si_{n:07d}_{code}",
        "product_id": f"prod_{code}",
        "product_name": code.replace("-", " ").title(),
        "plan_code": code,
        "price_id": f"price_{code}_{currency}_{interval.unit.value}{interval.count}",
        "interval": interval,
        "tax_rates": (tax,) if tax is not None else (),
    }
    if code == "api-calls":
        return SubscriptionItem(
            **common,
            quantity=rng.randint(200, 20_000),
            tiers_mode=TiersMode.GRADUATED,
            tiers=(
                PriceTier(up_to=1_000),
                PriceTier(
                    up_to=10_000,
                    unit_amount=_scaled("0.002", currency),
                    flat_amount=_scaled("5", currency),
                ),
                PriceTier(unit_amount=_scaled("0.001", currency)),
            ),
        )
    if code == "storage":
        return SubscriptionItem(
            **common,
            quantity=rng.randint(1, 200),
            tiers_mode=TiersMode.VOLUME,
            tiers=(
                PriceTier(up_to=10, unit_amount=_scaled("2", currency)),
                PriceTier(up_to=100, unit_amount=_scaled("1.5", currency)),
                PriceTier(unit_amount=_scaled("1", currency)),
            ),
        )
    if code == "seat-packs":
        return SubscriptionItem(
            **common,
            quantity=rng.randint(1, 60),
            unit_amount=Money(amount=_scaled("25", currency), currency=currency),
            transform_quantity=TransformQuantity(divide_by=10, round=RoundDirection.UP),
        )
    return SubscriptionItem(
        **common, quantity=rng.randint(100, 2_000), unit_amount_decimal=_scaled("0.125", currency)
    )
