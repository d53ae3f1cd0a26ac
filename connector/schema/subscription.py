"""The canonical subscription and its items, with MRR derived from them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, model_validator

from connector.schema.base import CanonicalModel, UtcDatetime
from connector.schema.currency import CurrencyCode
from connector.schema.customer import Customer
from connector.schema.derived import derived
from connector.schema.enums import (
    MRR_BEARING_STATUSES,
    PauseBehavior,
    SubscriptionStatus,
    TaxBehavior,
    TiersMode,
    UsageType,
)
from connector.schema.invoice import (
    InvoiceLine,
    InvoiceLineKind,
    InvoicePart,
    invoice_parts,
    recurring_lines,
)
from connector.schema.money import Money
from connector.schema.mrr import monthly
from connector.schema.pricing import (
    BillingInterval,
    Discount,
    PriceTier,
    TaxRate,
    TransformQuantity,
    UnitPrice,
)


class SubscriptionItem(CanonicalModel):
    """One priced line of a subscription. ``interval`` is None for a one-off fee.

    The price is one of: ``unit_amount`` (a per-unit price at the currency's precision),
    ``unit_amount_decimal`` (a per-unit price finer than the minor unit), or ``tiers`` with
    their ``tiers_mode``. ``transform_quantity`` prices packs of units.
    """

    id: Annotated[str, Field(min_length=1)]
    product_id: Annotated[str, Field(min_length=1)]
    product_name: str | None = None
    plan_code: Annotated[str, Field(min_length=1)]
    price_id: Annotated[str, Field(min_length=1)]
    unit_amount: Money | None = None
    unit_amount_decimal: UnitPrice | None = None
    tiers: tuple[PriceTier, ...] = ()
    tiers_mode: TiersMode | None = None
    transform_quantity: TransformQuantity | None = None
    tax_behavior: TaxBehavior = TaxBehavior.UNSPECIFIED
    usage_type: UsageType = UsageType.LICENSED
    quantity: Annotated[int, Field(ge=0)] = 1
    interval: BillingInterval | None = None
    tax_rates: tuple[TaxRate, ...] = ()
    discounts: tuple[Discount, ...] = ()
    metadata: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_price(self) -> Self:
        kinds = [
            self.unit_amount is not None,
            self.unit_amount_decimal is not None,
            bool(self.tiers),
        ]
        if sum(kinds) != 1:
            raise ValueError(
                f"item {self.id}: exactly one of unit_amount, unit_amount_decimal and tiers "
                "must be set"
            )
        if self.tiers:
            if self.tiers_mode is None:
                raise ValueError(f"item {self.id}: tiered prices need a tiers_mode")
            bounds = [tier.up_to for tier in self.tiers[:-1]]
            if self.tiers[-1].up_to is not None or None in bounds:
                raise ValueError(f"item {self.id}: only the last tier is unbounded, and it is")
            if bounds != sorted({b for b in bounds if b is not None}):
                raise ValueError(f"item {self.id}: tier bounds must increase")
        return self

    @property
    def recurring(self) -> bool:
        return self.interval is not None

    @property
    def unit_price(self) -> Decimal | None:
        """The exact per-unit price; None for a tiered price (it depends on the quantity)."""
        if self.unit_amount is not None:
            return self.unit_amount.amount
        return self.unit_amount_decimal


class Pause(CanonicalModel):
    """Collection paused, optionally until a resume date."""

    behavior: PauseBehavior = PauseBehavior.VOID
    resumes_at: UtcDatetime | None = None


class Subscription(CanonicalModel):
    """A subscription as the billing system states it; the truth the targets follow."""

    id: Annotated[str, Field(min_length=1)]
    customer: Customer
    status: SubscriptionStatus
    currency: CurrencyCode
    items: Annotated[tuple[SubscriptionItem, ...], Field(min_length=1)]
    discounts: tuple[Discount, ...] = ()
    tax_rates: tuple[TaxRate, ...] = ()
    start: UtcDatetime
    # When billing created the subscription (``start`` may be backdated): tells a subscription
    # new in billing from an existing one the connector sees for the first time.
    created: UtcDatetime | None = None
    trial_end: UtcDatetime | None = None
    current_period_start: UtcDatetime | None = None
    current_period_end: UtcDatetime | None = None
    cancel_at: UtcDatetime | None = None
    cancel_at_period_end: bool = False
    cancelled_at: UtcDatetime | None = None
    ended_at: UtcDatetime | None = None
    pause: Pause | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    source_updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for item in self.items:
            if item.unit_amount is not None and item.unit_amount.currency != self.currency:
                raise ValueError(
                    f"subscription {self.id}: item {item.id} is priced in "
                    f"{item.unit_amount.currency}, the subscription in {self.currency}"
                )
            for discount in item.discounts:
                self._check_discount_currency(discount)
        for discount in self.discounts:
            self._check_discount_currency(discount)
        intervals = {item.interval for item in self.items if item.interval is not None}
        if len(intervals) > 1:
            # Stripe requires every recurring item of a subscription to share one interval.
            raise ValueError(
                f"subscription {self.id}: recurring items bill on different intervals "
                f"({', '.join(sorted(str(i) for i in intervals))})"
            )
        if (
            self.current_period_start is not None
            and self.current_period_end is not None
            and self.current_period_end < self.current_period_start
        ):
            raise ValueError(f"subscription {self.id}: current period ends before it starts")
        return self

    def _check_discount_currency(self, discount: Discount) -> None:
        if discount.amount_off is not None and discount.amount_off.currency != self.currency:
            raise ValueError(
                f"subscription {self.id}: discount {discount.id} is in "
                f"{discount.amount_off.currency}, the subscription in {self.currency}"
            )

    # -- derived values: never stored, always computed from the fields above --------------

    @property
    def interval(self) -> BillingInterval | None:
        """The billing interval shared by the recurring items, None if all are one-off."""
        for item in self.items:
            if item.interval is not None:
                return item.interval
        return None

    @property
    def primary_item(self) -> SubscriptionItem:
        """The first recurring item (the plan), or the first item if none recurs."""
        for item in self.items:
            if item.recurring:
                return item
        return self.items[0]

    @property
    def plan_code(self) -> str:
        return self.primary_item.plan_code

    @property
    def total_quantity(self) -> int:
        return sum(item.quantity for item in self.items if item.recurring)

    @derived
    def invoice_parts(self) -> tuple[InvoicePart, ...]:
        """The recurring invoice's arithmetic, line by line (what MRR is computed from)."""
        return invoice_parts(self)

    @derived
    def recurring_lines(self) -> tuple[InvoiceLine, ...]:
        """The recurring invoice of the current period, line by line, net of tax."""
        return recurring_lines(self)

    @derived
    def recurring_net(self) -> Money:
        """What one recurring invoice bills, net of tax and of the discounts that apply."""
        total = sum((part.net for part in self.invoice_parts), Decimal(0))
        return Money.rounded(total, self.currency)

    @property
    def recurring_amount(self) -> Money:
        """Price of one recurring invoice before discounts, net of tax."""
        total = sum(
            (part.net for part in self.invoice_parts if part.kind is InvoiceLineKind.ITEM),
            Decimal(0),
        )
        return Money.rounded(total, self.currency)

    @property
    def discount_percent(self) -> Decimal:
        """The share (0-100) of the list MRR that active discounts take off."""
        listed = self.recurring_amount.amount
        if listed == 0:
            return Decimal(0)
        off = (listed - self.recurring_net.amount) / listed * 100
        return off.quantize(Decimal("0.01"))

    @property
    def tax_percent(self) -> Decimal:
        """The combined exclusive tax rate on the plan item (its own rates, else defaults)."""
        rates = self.primary_item.tax_rates or self.tax_rates
        return sum((rate.percentage for rate in rates if not rate.inclusive), Decimal(0))

    @property
    def discount_names(self) -> str | None:
        names = [d.name or d.coupon_id for d in self.discounts] + [
            d.name or d.coupon_id for item in self.items for d in item.discounts
        ]
        return ", ".join(names) if names else None

    @property
    def next_invoice_date(self) -> UtcDatetimeOrNone:
        """When billing next invoices: the current period's end while the subscription bears
        revenue; None while it is trialing, paused, cancelled or incomplete."""
        if self.status not in MRR_BEARING_STATUSES:
            return None
        return self.current_period_end

    @property
    def paused_until(self) -> UtcDatetimeOrNone:
        return self.pause.resumes_at if self.pause is not None else None

    @derived
    def list_mrr(self) -> Money:
        """MRR as if the subscription were billing now (status ignored): its recurring
        invoice, net of tax and discounts, normalised to one month."""
        interval = self.interval
        if interval is None:
            return Money.zero(self.currency)
        return Money.rounded(monthly(self.recurring_net.amount, interval), self.currency)

    @derived
    def mrr(self) -> Money:
        """Monthly recurring revenue: zero unless the status bears revenue."""
        if self.status not in MRR_BEARING_STATUSES:
            return Money.zero(self.currency)
        return self.list_mrr

    @property
    def arr(self) -> Money:
        return Money(amount=self.mrr.amount * 12, currency=self.currency)


UtcDatetimeOrNone = UtcDatetime | None
