"""Closed vocabularies of the canonical schema."""

from __future__ import annotations

from enum import StrEnum


class SubscriptionStatus(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    UNPAID = "unpaid"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    INCOMPLETE = "incomplete"


# Statuses whose recurring revenue counts in MRR. A past-due or unpaid subscription is still
# billed (its invoices are open, not written off); trialing, paused, cancelled and incomplete
# ones bring in nothing this month.
MRR_BEARING_STATUSES = frozenset(
    {SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID}
)


class IntervalUnit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class DiscountDuration(StrEnum):
    ONCE = "once"
    REPEATING = "repeating"
    FOREVER = "forever"


class PauseBehavior(StrEnum):
    KEEP_AS_DRAFT = "keep_as_draft"
    MARK_UNCOLLECTIBLE = "mark_uncollectible"
    VOID = "void"


class TiersMode(StrEnum):
    """How a tiered price charges a quantity (Stripe's ``tiers_mode``)."""

    GRADUATED = "graduated"  # each unit at the price of the tier it falls in
    VOLUME = "volume"  # every unit at the price of the tier the whole quantity falls in


class RoundDirection(StrEnum):
    UP = "up"
    DOWN = "down"


class TaxBehavior(StrEnum):
    """Whether a price includes tax (Stripe's ``tax_behavior``)."""

    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"
    UNSPECIFIED = "unspecified"


class UsageType(StrEnum):
    LICENSED = "licensed"  # a quantity is bought in advance
    METERED = "metered"  # usage is reported and billed in arrears: not recurring revenue
