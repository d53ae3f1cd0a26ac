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

from connector.mapping import CompiledObject, DriftPolicy, Owner
from connector.planner.model import DiffReason, FieldDiff, RecordAction, RecordPlan, Resolution
from connector.records import FieldValues, JsonValue

_ABSENT = object()


def _decide(policy: DriftPolicy) -> Resolution:
    if policy is DriftPolicy.OVERWRITE:
        return Resolution.WRITE
    if policy is DriftPolicy.ACCEPT:
        return Resolution.KEEP_TARGET
    return Resolution.REPORT


def plan_record(
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
        return RecordPlan(system, obj.name, key, RecordAction.CREATE, initial, (), dict(desired))
    if actual == desired:
        stale = last is None or last != desired
        return RecordPlan(
            system, obj.name, key, RecordAction.NOOP, {}, (), desired, remote_id, stale, modstamp
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
        previous: object = _ABSENT if last is None else last.get(name, _ABSENT)
        shown_last: JsonValue = None if last is None else last.get(name)
        billing_changed = previous is _ABSENT or want != previous
        target_changed = previous is _ABSENT or have != previous
        if spec.owner is Owner.TARGET:
            synced[name] = have
            if previous is not _ABSENT and want != previous:
                diffs.append(
                    FieldDiff(
                        name,
                        have,
                        want,
                        shown_last,
                        DiffReason.TARGET_OWNED,
                        Resolution.KEEP_TARGET,
                    )
                )
            continue
        if previous is not _ABSENT and billing_changed and not target_changed:
            reason, resolution = DiffReason.SOURCE_CHANGED, Resolution.WRITE
        elif previous is _ABSENT or not billing_changed:
            reason, resolution = DiffReason.DRIFT, _decide(spec.drift)
        else:
            reason = DiffReason.CONFLICT
            resolution = Resolution.REPORT if spec.drift is DriftPolicy.REPORT else Resolution.WRITE
        diffs.append(FieldDiff(name, have, want, shown_last, reason, resolution))
        if resolution is Resolution.WRITE:
            writes[name] = want
            synced[name] = want
        elif resolution is Resolution.KEEP_TARGET:
            synced[name] = have
        elif previous is not _ABSENT:
            synced[name] = shown_last
    if writes:
        action = RecordAction.UPDATE
    elif any(d.resolution is Resolution.REPORT for d in diffs):
        action = RecordAction.CONFLICT
    else:
        action = RecordAction.NOOP
    stale = last is None or dict(last) != synced
    return RecordPlan(system, obj.name, key, action, writes, tuple(diffs), synced, remote_id, stale)
