"""What a plan is made of: per subscription, per target record, per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from connector.records import FieldValues, JsonValue
from connector.revenue import Movement
from connector.schema import Money, Subscription


class ChangeKind(StrEnum):
    """What happened to a subscription, in the words revenue teams use.

    Billing changes each have their own name; ``drift_corrected`` is only ever an edit made in
    a target put right, and ``mapping_changed`` a change of what the mapping writes.
    """

    BASELINE = "baseline"  # first sight of a subscription older than the connector's history
    CREATED = "created"  # new in billing
    UPGRADED = "upgraded"
    DOWNGRADED = "downgraded"
    QUANTITY_CHANGED = "quantity_changed"
    PLAN_CHANGED = "plan_changed"
    TRIAL_CONVERTED = "trial_converted"
    PAUSED = "paused"
    RESUMED = "resumed"
    CANCELLATION_SCHEDULED = "cancellation_scheduled"
    CANCELLATION_WITHDRAWN = "cancellation_withdrawn"
    CANCELLED = "cancelled"
    REACTIVATED = "reactivated"
    ACTIVATED = "activated"  # incomplete -> paying
    STATUS_CHANGED = "status_changed"  # e.g. active -> past_due, active -> trialing
    CURRENCY_CHANGED = "currency_changed"
    INTERVAL_CHANGED = "interval_changed"
    DISCOUNT_ADDED = "discount_added"
    DISCOUNT_REMOVED = "discount_removed"
    RENEWED = "renewed"
    BILLING_UPDATED = "billing_updated"  # any other billing change the targets follow
    MAPPING_CHANGED = "mapping_changed"
    DRIFT_CORRECTED = "drift_corrected"


class RecordAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    NOOP = "noop"
    CONFLICT = "conflict"  # differences reported for a person to resolve; nothing written


class DiffReason(StrEnum):
    SOURCE_CHANGED = "source_changed"  # billing changed, target untouched since last sync
    DRIFT = "drift"  # target edited, billing unchanged (or never synced before)
    CONFLICT = "conflict"  # both changed since the last sync
    TARGET_OWNED = "target_owned"  # billing changed a field the target owns


class Resolution(StrEnum):
    WRITE = "write"
    KEEP_TARGET = "keep_target"
    REPORT = "report"


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    before: JsonValue
    after: JsonValue
    last_synced: JsonValue
    reason: DiffReason
    resolution: Resolution


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPlan:
    """One target record: what to write, why, and the snapshot to keep once it is accepted."""

    system: str
    object_name: str
    key: str
    action: RecordAction
    writes: FieldValues
    diffs: tuple[FieldDiff, ...]
    synced: FieldValues
    remote_id: str | None = None
    snapshot_stale: bool = False  # the stored snapshot must be refreshed even without a write
    agreed_modstamp: str | None = None  # set when the target record equals the desired one

    @property
    def needs_write(self) -> bool:
        return self.action in (RecordAction.CREATE, RecordAction.UPDATE)

    @property
    def conflicts(self) -> tuple[FieldDiff, ...]:
        return tuple(d for d in self.diffs if d.reason is DiffReason.CONFLICT)


@dataclass(frozen=True, slots=True)
class CanonicalChange:
    """A change of one canonical field between the last synced and the current subscription."""

    field: str
    before: JsonValue
    after: JsonValue


@dataclass(slots=True)
class SubscriptionPlan:
    """Everything a run will do, or did, for one subscription."""

    key: str
    customer_id: str | None
    current: Subscription | None
    changes: tuple[ChangeKind, ...] = ()
    field_changes: tuple[CanonicalChange, ...] = ()
    movements: tuple[Movement, ...] = ()  # recorded once billing's new state is synced
    mrr_before: Money | None = None
    mrr_after: Money | None = None
    records: list[RecordPlan] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # system -> why it cannot be planned
    source_missing: bool = False
    canonical_stale: bool = False  # the stored canonical snapshot differs from ``current``

    @property
    def mrr_delta(self) -> Decimal | None:
        before, after = self.mrr_before, self.mrr_after
        if after is None and before is None:
            return None
        if before is not None and after is not None and before.currency != after.currency:
            return None
        return (after.amount if after else Decimal(0)) - (before.amount if before else Decimal(0))

    @property
    def currency(self) -> str | None:
        money = self.mrr_after or self.mrr_before
        return money.currency if money else None

    @property
    def write_count(self) -> int:
        return sum(1 for record in self.records if record.needs_write)

    @property
    def is_noop(self) -> bool:
        """Nothing to write, report or audit (the store may still need refreshing)."""
        return (
            not self.errors
            and not self.changes
            and all(r.action is RecordAction.NOOP and not r.diffs for r in self.records)
        )

    @property
    def needs_recording(self) -> bool:
        return (
            not self.is_noop or self.canonical_stale or any(r.snapshot_stale for r in self.records)
        )
