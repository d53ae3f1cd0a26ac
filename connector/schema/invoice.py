"""The recurring invoice: what billing charges a subscription each period, line by line.

It is the ground truth for MRR and for an ERP that holds billing's amounts (Odoo's lines):

- one **item line** per recurring, licensed item: its charge (``charges.py``) rounded once to
  the currency's minor unit, as an invoice line is; one-off items never recur and metered
  items bill usage in arrears, so neither gives a line (Stripe's MRR leaves both out);
- one negative **discount line** per discount that applies to the period: item discounts
  first, on their item, then subscription discounts, on what the items still cost; percent
  discounts take their share of what is left (so they multiply), fixed amounts come off the
  invoice; each is rounded to the minor unit and never takes the invoice below zero; a
  subscription discount over items with different tax rates gets one line per set of rates;
- amounts are **net of tax**: a line whose rates include tax (``inclusive`` rates: the item's
  own, else the subscription's defaults) is divided by one plus those rates, then rounded; a
  discount line takes off the difference between the rounded nets of what the item cost
  before and after it, so an item and its discounts always add up to the rounded net of what
  is left (never below zero, whatever each rounding does).

Each line's ``quantity x unit_amount`` is exactly its ``amount``: an item shows its quantity
and unit price when that division is exact at the currency's precision, else one unit at the
whole amount (tiered and sub-cent prices), so a system that multiplies them back (Odoo's
``price_subtotal``) lands on the same cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from connector.schema.base import CanonicalModel
from connector.schema.charges import item_charge
from connector.schema.currency import quantum
from connector.schema.enums import UsageType
from connector.schema.money import Money
from connector.schema.mrr import discount_applies
from connector.schema.pricing import Discount, TaxRate

if TYPE_CHECKING:
    from connector.schema.subscription import Subscription, SubscriptionItem

DISCOUNT_PRODUCT_CODE = "DISCOUNT"
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_ONE = Decimal(1)


class InvoiceLineKind(StrEnum):
    ITEM = "item"
    DISCOUNT = "discount"


class InvoiceLine(CanonicalModel):
    """One line of the recurring invoice, net of tax."""

    key: Annotated[str, Field(min_length=1)]  # stable across runs: item id, discount id...
    kind: InvoiceLineKind
    item_id: str | None = None  # the item of an item line or of an item discount
    product_code: Annotated[str, Field(min_length=1)]
    description: str
    quantity: Decimal
    unit_amount: Decimal
    amount: Money
    tax_rates: tuple[TaxRate, ...] = ()


@dataclass(frozen=True, slots=True)
class InvoicePart:
    """A line's ingredients: what MRR needs (``net``), and what makes the line for a target."""

    key: str
    kind: InvoiceLineKind
    item_id: str | None
    product_code: str
    description: str
    quantity: Decimal
    unit_amount: Decimal
    net: Decimal
    tax_rates: tuple[TaxRate, ...]


@dataclass(slots=True)
class _Open:
    """What an item still costs while discounts are taken off: gross, and net as its lines so
    far add up to; and its tax rates."""

    item: SubscriptionItem
    gross: Decimal
    net: Decimal
    rates: tuple[TaxRate, ...]

    def take(self, off: Decimal, currency: str) -> Decimal:
        """Take ``off`` (gross) off; return what that takes off the net. The net left is
        always the rounded net of the gross left, so an item's lines never add up below
        zero, however many discounts each round on their own."""
        self.gross -= off
        after = _net(self.gross, self.rates, currency)
        taken, self.net = self.net - after, after
        return taken


def recurring_lines(subscription: Subscription) -> tuple[InvoiceLine, ...]:
    """The lines of ``subscription``'s recurring invoice for its current period."""
    currency = subscription.currency
    return tuple(
        InvoiceLine(
            key=part.key,
            kind=part.kind,
            item_id=part.item_id,
            product_code=part.product_code,
            description=part.description,
            quantity=part.quantity,
            unit_amount=part.unit_amount,
            amount=Money.rounded(part.net, currency),
            tax_rates=part.tax_rates,
        )
        for part in subscription.invoice_parts
    )


def invoice_parts(subscription: Subscription) -> tuple[InvoicePart, ...]:
    """The arithmetic of the recurring invoice, line by line (see the module's docstring)."""
    currency = subscription.currency
    period = subscription.current_period_start or subscription.start
    lines: list[InvoicePart] = []
    open_items: list[_Open] = []
    for item in subscription.items:
        if item.interval is None or item.usage_type is UsageType.METERED:
            continue
        rates = item.tax_rates or subscription.tax_rates
        gross = _round(item_charge(item), currency)
        line = _item_line(item, gross, rates, currency)
        lines.append(line)
        entry = _Open(item, gross, line.net, rates)
        for discount in item.discounts:
            if discount_applies(discount, period):
                off = _off(discount, entry.gross, currency)
                if off:
                    net = entry.take(off, currency)
                    key = f"{item.id}/{discount.id}"
                    lines.append(_discount_line(key, item.id, discount, net, rates))
        open_items.append(entry)
    for discount in subscription.discounts:
        if discount_applies(discount, period):
            lines.extend(_subscription_discount(discount, open_items, currency))
    return tuple(lines)


def _item_line(
    item: SubscriptionItem, gross: Decimal, rates: tuple[TaxRate, ...], currency: str
) -> InvoicePart:
    net = _net(gross, rates, currency)
    name = item.product_name or item.plan_code
    quantity = Decimal(item.quantity)
    unit = net / quantity if quantity else (item.unit_price or _ZERO)
    if quantity and unit != unit.quantize(quantum(currency)):
        # Tiered, packaged or sub-cent prices: the whole charge on one unit, so that quantity
        # x unit price is the charge to the cent in any system that multiplies them.
        name = f"{name} ({item.quantity:,} units)"
        quantity, unit = _ONE, net
    elif quantity:
        unit = unit.quantize(quantum(currency))
    return InvoicePart(
        item.id, InvoiceLineKind.ITEM, item.id, item.plan_code, name, quantity, unit, net, rates
    )


def _subscription_discount(
    discount: Discount, open_items: Sequence[_Open], currency: str
) -> list[InvoicePart]:
    groups: dict[tuple[str, ...], list[_Open]] = {}
    for entry in open_items:
        groups.setdefault(tuple(rate.id for rate in entry.rates), []).append(entry)
    total = sum((entry.gross for entry in open_items), _ZERO)
    wanted = _off(discount, total, currency)  # what the whole invoice gets off
    lines: list[InvoicePart] = []
    given = _ZERO
    for index, (rate_ids, entries) in enumerate(groups.items()):
        base = sum((entry.gross for entry in entries), _ZERO)
        last = index == len(groups) - 1
        if discount.percent_off is not None:
            off = _off(discount, base, currency)
        else:
            # A fixed amount is shared in proportion to what each group costs; the last group
            # takes the rounding rest, so the lines add up to the coupon exactly.
            if not total:
                off = _ZERO  # nothing left to discount
            else:
                share = wanted - given if last else _round(wanted * base / total, currency)
                off = min(share, base)
        if not off:
            continue
        given += off
        net = _take(entries, off, currency)
        key = discount.id
        if len(groups) > 1:
            key = f"{discount.id}/{'+'.join(rate_ids) or 'untaxed'}"
        lines.append(_discount_line(key, None, discount, net, entries[0].rates))
    return lines


def _take(entries: Sequence[_Open], off: Decimal, currency: str) -> Decimal:
    """Lower what the items of a group still cost by ``off``, first item first; return
    what that takes off their net."""
    net = _ZERO
    for entry in entries:
        taken = min(off, entry.gross)
        if taken:
            net += entry.take(taken, currency)
        off -= taken
    return net


def _off(discount: Discount, base: Decimal, currency: str) -> Decimal:
    """What ``discount`` takes off ``base`` (rounded), never more than ``base``."""
    if discount.percent_off is not None:
        off = _round(base * discount.percent_off / _HUNDRED, currency)
    elif discount.amount_off is not None:
        off = discount.amount_off.amount
    else:  # pragma: no cover - the model requires one of the two
        off = _ZERO
    return min(off, base)


def _discount_line(
    key: str,
    item_id: str | None,
    discount: Discount,
    taken: Decimal,
    rates: tuple[TaxRate, ...],
) -> InvoicePart:
    net = -taken
    if discount.percent_off is not None:
        what = f"{discount.percent_off:f} % off"
    else:
        assert discount.amount_off is not None
        what = f"{discount.amount_off} off"
    return InvoicePart(
        key,
        InvoiceLineKind.DISCOUNT,
        item_id,
        DISCOUNT_PRODUCT_CODE,
        f"{discount.name or discount.coupon_id} ({what})",
        _ONE,
        net,
        net,
        rates,
    )


def _net(gross: Decimal, rates: tuple[TaxRate, ...], currency: str) -> Decimal:
    included = sum((rate.percentage for rate in rates if rate.inclusive), _ZERO)
    if not included:
        return gross
    return _round(gross * _HUNDRED / (_HUNDRED + included), currency)


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)
