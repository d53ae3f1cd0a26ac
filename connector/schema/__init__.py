"""The canonical subscription schema every adapter translates to and from."""

from connector.schema.base import CanonicalModel, UtcDatetime
from connector.schema.currency import CurrencyCode, UnknownCurrencyError, minor_units, quantum
from connector.schema.customer import Customer
from connector.schema.enums import (
    MRR_BEARING_STATUSES,
    DiscountDuration,
    IntervalUnit,
    PauseBehavior,
    SubscriptionStatus,
)
from connector.schema.money import CurrencyMismatchError, Money
from connector.schema.mrr import apply_discounts, discount_applies, monthly
from connector.schema.pricing import BillingInterval, Discount, TaxRate
from connector.schema.subscription import Pause, Subscription, SubscriptionItem

__all__ = [
    "MRR_BEARING_STATUSES",
    "BillingInterval",
    "CanonicalModel",
    "CurrencyCode",
    "CurrencyMismatchError",
    "Customer",
    "Discount",
    "DiscountDuration",
    "IntervalUnit",
    "Money",
    "Pause",
    "PauseBehavior",
    "Subscription",
    "SubscriptionItem",
    "SubscriptionStatus",
    "TaxRate",
    "UnknownCurrencyError",
    "UtcDatetime",
    "apply_discounts",
    "discount_applies",
    "minor_units",
    "monthly",
    "quantum",
]
