"""Pure planning: from the three states of a subscription to the writes that align them."""

from connector.planner.classify import classify, field_changes
from connector.planner.model import (
    CanonicalChange,
    ChangeKind,
    DiffReason,
    FieldDiff,
    RecordAction,
    RecordPlan,
    Resolution,
    SubscriptionPlan,
)
from connector.planner.subscription import PlanPolicy, TargetState, plan_subscription
from connector.planner.three_way import plan_record

__all__ = [
    "CanonicalChange",
    "ChangeKind",
    "DiffReason",
    "FieldDiff",
    "PlanPolicy",
    "RecordAction",
    "RecordPlan",
    "Resolution",
    "SubscriptionPlan",
    "TargetState",
    "classify",
    "field_changes",
    "plan_record",
    "plan_subscription",
]
