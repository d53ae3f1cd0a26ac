"""The canonical subscription schema every adapter translates to and from."""

from connector.schema.base import CanonicalModel, UtcDatetime
from connector.schema.currency import CurrencyCode, UnknownCurrencyError, minor_units, quantum
from connector.schema.customer import Customer
from connector.schema.enums import (
    MRR_BEARING_STATUSES,
    DiscountDuration,
    IntervalUnit,
    PauseBehavior,
    RoundDirection,
    SubscriptionStatus,
    TaxBehavior,
    TiersMode,
    UsageType,
)
from connector.schema.invoice import DISCOUNT_PRODUCT_CODE, InvoiceLine, InvoiceLineKind
from connector.schema.money import CurrencyMismatchError, Money
from connector.schema.mrr import discount_applies, monthly
from connector.schema.pricing import (
    BillingInterval,
    Discount,
    PriceTier,
    TaxRate,
    TransformQuantity,
)
from connector.schema.subscription import Pause, Subscription, SubscriptionItem

__all__ = [
    "DISCOUNT_PRODUCT_CODE",
    "MRR_BEARING_STATUSES",
    "BillingInterval",
    "CanonicalModel",
    "CurrencyCode",
    "CurrencyMismatchError",
    "Customer",
    "Discount",
    "DiscountDuration",
    "IntervalUnit",
    "InvoiceLine",
    "InvoiceLineKind",
    "Money",
    "Pause",
    "PauseBehavior",
    "PriceTier",
    "RoundDirection",
    "Subscription",
    "SubscriptionItem",
    "SubscriptionStatus",
    "TaxBehavior",
    "TaxRate",
    "TiersMode",
    "TransformQuantity",
    "UnknownCurrencyError",
    "UsageType",
    "UtcDatetime",
    "discount_applies",
    "minor_units",
    "monthly",
    "quantum",
]
