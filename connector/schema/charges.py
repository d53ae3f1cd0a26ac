"""What one invoice charges for one subscription item, before discounts and taxes.

Follows Stripe's price model (https://docs.stripe.com/products-prices/pricing-models):

- per-unit: unit price x quantity; the unit price may be finer than the currency's minor unit
  (``unit_amount_decimal``);
- ``transform_quantity``: the quantity is divided by ``divide_by`` and rounded up or down
  before it is priced (a price per pack of seats); Stripe allows it on per-unit prices only;
- graduated tiers: each unit at the price of the tier it falls in, plus the flat amount of
  every tier the quantity reaches;
- volume tiers: every unit at the price of the tier the whole quantity falls in, plus that
  tier's flat amount;
- a quantity of zero charges nothing (no tier is reached).

The result is exact; the invoice rounds it to the minor unit (``invoice.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from connector.schema.enums import RoundDirection, TiersMode

if TYPE_CHECKING:
    from connector.schema.pricing import PriceTier
    from connector.schema.subscription import SubscriptionItem


def billed_quantity(item: SubscriptionItem) -> int:
    """The quantity the price is applied to, after ``transform_quantity``."""
    transform = item.transform_quantity
    if transform is None:
        return item.quantity
    whole, rest = divmod(item.quantity, transform.divide_by)
    return whole + 1 if rest and transform.round is RoundDirection.UP else whole


def item_charge(item: SubscriptionItem) -> Decimal:
    """The exact amount one invoice charges for ``item`` (major units, unrounded)."""
    quantity = billed_quantity(item)
    if quantity == 0:
        return Decimal(0)
    if item.tiers:
        if item.tiers_mode is TiersMode.VOLUME:
            return _volume(item.tiers, quantity)
        return _graduated(item.tiers, quantity)
    unit = item.unit_price
    assert unit is not None  # the item's validator requires a unit price without tiers
    return unit * quantity


def _volume(tiers: tuple[PriceTier, ...], quantity: int) -> Decimal:
    tier = next((t for t in tiers if t.up_to is None or quantity <= t.up_to), tiers[-1])
    return tier.unit_amount * quantity + tier.flat_amount


def _graduated(tiers: tuple[PriceTier, ...], quantity: int) -> Decimal:
    total = Decimal(0)
    floor = 0
    for tier in tiers:
        if quantity <= floor:
            break
        ceiling = quantity if tier.up_to is None else min(quantity, tier.up_to)
        total += tier.unit_amount * (ceiling - floor) + tier.flat_amount
        floor = ceiling
    return total
