"""What a plan was made from: a fingerprint of billing's state and of each target record's.

A saved plan keeps them so that ``connector apply`` can tell, from fresh reads, whose world
moved since the plan was reviewed. Both are computed from the plans themselves, so the run
that makes them reads nothing more than any dry run.
"""

from __future__ import annotations

import json

from connector.planner import RecordAction, RecordPlan, SubscriptionPlan
from connector.records import FieldValues, JsonValue
from connector.store.fingerprint import fingerprint, fingerprint_of

# What stands for a state that has no fingerprint of its own.
ABSENT = "absent"  # the target has no such record (yet)
GONE = "gone_from_billing"  # billing no longer has the subscription
UNREADABLE = "unreadable"  # billing has it but it could not be read


def canonical_json(value: JsonValue) -> str:
    """One text per value, whatever the order of its keys: what fingerprints and comparisons
    of field values use (a JSON round trip turns nothing into something else)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def billing_fingerprint(plan: SubscriptionPlan) -> str:
    """Billing's subscription as the plan read it."""
    if plan.source_missing:
        # The plan's state is the last synced one marked cancelled at planning time: the
        # subscription's absence, not that copy, is what billing stated.
        return GONE
    if plan.current is None:
        return UNREADABLE
    return fingerprint_of(plan.current)


def observed(record: RecordPlan) -> FieldValues | None:
    """The target record's mapped fields as the plan found them (None: no such record).

    The plan holds them without keeping a copy (see :mod:`connector.planner.three_way`): a
    field either equals what billing wants, and ``synced`` has that value, or it differs, and
    its difference's ``before`` is the target's value; a field the target owns is in
    ``synced`` as the target has it.
    """
    if record.action is RecordAction.CREATE:
        return None
    values: FieldValues = dict(record.synced)
    values.update({diff.field: diff.before for diff in record.diffs})
    return values


def target_fingerprint(record: RecordPlan) -> str:
    """The target record as the plan found it: its mapped fields, or its absence."""
    values = observed(record)
    if values is None:
        return ABSENT
    return fingerprint(canonical_json(values))
