"""Field-level three-way comparison: desired (billing), actual (target), last synced.

Decision table, for a field whose desired value D differs from the target's actual value A,
with L the value last synced (absent on first sight):

=====================  ===========================  ==========================================
billing changed?       target changed?              outcome
=====================  ===========================  ==========================================
yes (D != L)           no (A == L)                  write D (source_changed)
no (D == L) / unknown  yes (A != L) / unknown       drift: the field's drift policy decides
yes                    yes                          conflict: the owner decides; a ``report``
                                                    policy leaves it for a person
=====================  ===========================  ==========================================

Fields owned by the target are written only when the record is created.
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.mapping import CompiledField, CompiledObject, DriftPolicy, Owner
from connector.planner.model import DiffReason, FieldDiff, RecordAction, RecordPlan, Resolution
from connector.records import FieldValues, JsonValue

_ABSENT = object()


def _decide(policy: DriftPolicy) -> Resolution:
    if policy is DriftPolicy.OVERWRITE:
        return Resolution.WRITE
    if policy is DriftPolicy.ACCEPT:
        return Resolution.KEEP_TARGET
    return Resolution.REPORT


def _judge(
    drift: DriftPolicy, first_sight: bool, billing_changed: bool, target_changed: bool
) -> tuple[DiffReason, Resolution]:
    """Why a field differs and what to do about it: the decision table above."""
    if not first_sight and billing_changed and not target_changed:
        return DiffReason.SOURCE_CHANGED, Resolution.WRITE
    if first_sight or not billing_changed:
        return DiffReason.DRIFT, _decide(drift)
    return (
        DiffReason.CONFLICT,
        Resolution.REPORT if drift is DriftPolicy.REPORT else Resolution.WRITE,
    )


def _field_diff(
    spec: CompiledField, want: JsonValue, have: JsonValue, last: Mapping[str, JsonValue] | None
) -> tuple[FieldDiff | None, bool, JsonValue]:
    """The difference of one field, if it is one to show; whether its snapshot keeps a value,
    and which."""
    name = spec.target
    previous: object = _ABSENT if last is None else last.get(name, _ABSENT)
    shown_last: JsonValue = None if last is None else last.get(name)
    billing_changed = previous is _ABSENT or want != previous
    target_changed = previous is _ABSENT or have != previous
    if spec.owner is Owner.TARGET:
        if previous is not _ABSENT and want != previous:
            owned = FieldDiff(
                name, have, want, shown_last, DiffReason.TARGET_OWNED, Resolution.KEEP_TARGET
            )
            return owned, True, have
        return None, True, have
    reason, resolution = _judge(spec.drift, previous is _ABSENT, billing_changed, target_changed)
    diff = FieldDiff(name, have, want, shown_last, reason, resolution)
    if resolution is Resolution.WRITE:
        return diff, True, want
    if resolution is Resolution.KEEP_TARGET:
        return diff, True, have
    # Reported: the snapshot keeps the last value agreed, if there was one.
    return diff, previous is not _ABSENT, shown_last


def plan_record(
    *,
    system: str,
    obj: CompiledObject,
    key: str,
    desired: FieldValues,
    actual: FieldValues | None,
    last: Mapping[str, JsonValue] | None,
    remote_id: str | None = None,
    modstamp: str | None = None,
) -> RecordPlan:
    """Plan one target record. ``actual`` is None when the target has no such record."""
    if actual is None:
        initial: FieldValues = {name: value for name, value in desired.items() if value is not None}
        return RecordPlan(
            system=system,
            object_name=obj.name,
            key=key,
            action=RecordAction.CREATE,
            writes=initial,
            diffs=(),
            synced=dict(desired),
        )
    if actual == desired:
        stale = last is None or last != desired
        return RecordPlan(
            system=system,
            object_name=obj.name,
            key=key,
            action=RecordAction.NOOP,
            writes={},
            diffs=(),
            synced=desired,
            remote_id=remote_id,
            snapshot_stale=stale,
            agreed_modstamp=modstamp,
        )
    writes: FieldValues = {}
    synced: FieldValues = {}
    diffs: list[FieldDiff] = []
    for spec in obj.fields:
        name = spec.target
        want = desired.get(name)
        have = actual.get(name)
        if want == have:
            synced[name] = want
            continue
        diff, keeps, kept = _field_diff(spec, want, have, last)
        if diff is not None:
            diffs.append(diff)
            if diff.resolution is Resolution.WRITE:
                writes[name] = want
        if keeps:
            synced[name] = kept
    action = (
        RecordAction.UPDATE
        if writes
        else RecordAction.CONFLICT
        if any(d.resolution is Resolution.REPORT for d in diffs)
        else RecordAction.NOOP
    )
    stale = last is None or dict(last) != synced
    return RecordPlan(
        system=system,
        object_name=obj.name,
        key=key,
        action=action,
        writes=writes,
        diffs=tuple(diffs),
        synced=synced,
        remote_id=remote_id,
        snapshot_stale=stale,
    )
