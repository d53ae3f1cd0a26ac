"""What reverting a run writes: each field back to its value before the run, where it still
holds what the run wrote.

The targets are read again. A field whose current value is no longer the run's ``after`` was
changed again since (by a person, a later run, a workflow): it is skipped and listed, never
overwritten. So is a field whose audited value was masked as a secret, a record gone from its
target, and a system or object no longer configured. The rest becomes an update per record,
one plan per subscription, in the shape every run applies (:mod:`connector.apply`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from adapters.base import Target
from connector.plan_basis import canonical_json
from connector.planner import RecordAction, RecordPlan, SubscriptionPlan
from connector.records import FieldValues, JsonValue
from connector.redaction import REDACTED, is_excerpt
from connector.revert_writes import FieldWrite, RunWrites, WrittenRecord
from connector.target_reads import read_whole

# Characters of a value shown in a skipped field's line.
SHOWN_VALUE = 60


@dataclass(frozen=True, slots=True)
class Skipped:
    """A field of the run's writes a revert leaves as it is, and why."""

    subscription: str
    system: str
    object_name: str
    key: str
    field: str
    reason: str

    def line(self) -> str:
        record = f"{self.system} {self.object_name} {self.key}"
        return f"{self.subscription}: {record} {self.field}: {self.reason}"


@dataclass(frozen=True, slots=True)
class PutBack:
    """A field a revert writes: from its current value (the run's) to the one before it."""

    field: str
    now: JsonValue
    back: JsonValue


@dataclass(slots=True)
class RevertPlan:
    plans: list[SubscriptionPlan] = field(default_factory=list)
    # (system, object, key) -> the fields put back in that record
    fields: dict[tuple[str, str, str], list[PutBack]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def field_count(self) -> int:
        return sum(len(put) for put in self.fields.values())


def shown(value: JsonValue) -> str:
    return shown_text(canonical_json(value))


def shown_text(text: str) -> str:
    return text if len(text) <= SHOWN_VALUE else text[: SHOWN_VALUE - 3] + "..."


def plan_revert(writes: RunWrites, targets: Mapping[str, Target]) -> RevertPlan:
    """Read the records the run updated and plan putting their fields back."""
    plan = RevertPlan()
    by_subscription: dict[str, SubscriptionPlan] = {}
    grouped: dict[tuple[str, str], list[WrittenRecord]] = {}
    for record in writes.updated:
        grouped.setdefault((record.system, record.object_name), []).append(record)
    for (system, object_name), records in grouped.items():
        current = _current(targets, system, object_name, records, plan)
        if current is None:
            continue
        for record in records:
            found = _revert_record(record, current, plan)
            if found is None:
                continue
            sub = by_subscription.setdefault(
                record.subscription,
                SubscriptionPlan(
                    key=record.subscription, customer_id=record.customer_id, current=None
                ),
            )
            sub.records.append(found)
    plan.plans = list(by_subscription.values())
    return plan


def _skip_all(records: Sequence[WrittenRecord], reason: str, plan: RevertPlan) -> None:
    for record in records:
        for name in record.fields:
            plan.skipped.append(
                Skipped(
                    record.subscription, record.system, record.object_name, record.key, name, reason
                )
            )


_Current = tuple[Target, dict[str, tuple[FieldValues, str | None]]]


def _current(
    targets: Mapping[str, Target],
    system: str,
    object_name: str,
    records: Sequence[WrittenRecord],
    plan: RevertPlan,
) -> _Current | None:
    """The records as the target holds them now (mapped fields, remote id), by key."""
    target = targets.get(system)
    if target is None:
        _skip_all(records, f"{system} is not a configured target", plan)
        return None
    obj = target.mapping.objects.get(object_name)
    if obj is None:
        _skip_all(records, f"{object_name} is no longer in the {system} mapping", plan)
        return None
    found = read_whole(target, object_name, [record.key for record in records])
    return target, {
        key: (obj.normalise(record.fields), record.remote_id) for key, record in found.items()
    }


def _revert_record(record: WrittenRecord, current: _Current, plan: RevertPlan) -> RecordPlan | None:
    _, found = current
    now = found.get(record.key)
    if now is None:
        _skip_all([record], "the record no longer exists in the target", plan)
        return None
    values, remote_id = now
    put: list[PutBack] = []
    for write in record.fields.values():
        reason = _why_skip(write, values.get(write.field))
        if reason is not None:
            plan.skipped.append(
                Skipped(
                    record.subscription,
                    record.system,
                    record.object_name,
                    record.key,
                    write.field,
                    reason,
                )
            )
        else:
            put.append(PutBack(write.field, values.get(write.field), write.before))
    if not put:
        return None
    plan.fields[record.record_key] = put
    writes: FieldValues = {p.field: p.back for p in put}
    return RecordPlan(
        system=record.system,
        object_name=record.object_name,
        key=record.key,
        action=RecordAction.UPDATE,
        writes=writes,
        diffs=(),
        synced={**values, **writes},
        remote_id=remote_id,
    )


def _holds_excerpt(value: JsonValue) -> bool:
    """Whether an audited value (a text, or lines holding texts) was cut to an excerpt."""
    if isinstance(value, dict):
        return any(_holds_excerpt(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_excerpt(item) for item in value)
    return is_excerpt(value)


def _why_skip(write: FieldWrite, now: JsonValue) -> str | None:
    if REDACTED in canonical_json(write.before) or REDACTED in canonical_json(write.after):
        return "the audit trail kept a masked value, not the value itself"
    if _holds_excerpt(write.before) or _holds_excerpt(write.after):
        return "the audit trail kept an excerpt of an over-long value, not the value itself"
    if canonical_json(now) == canonical_json(write.before):
        return "already holds its value from before that run"
    if canonical_json(now) != canonical_json(write.after):
        return (
            f"changed again since that run (now {shown(now)}, the run wrote {shown(write.after)})"
        )
    return None
