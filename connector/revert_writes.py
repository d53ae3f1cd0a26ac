"""What a run wrote, as its audit trail recorded it: the first step of reverting it.

Each audit entry names, per target, the records of its subscription with their action, the
target's answer, and for an update the differences with the value before and after (see
:mod:`connector.audit`). A field was written when its record's write was answered ``ok`` and
its difference was resolved by writing. Records the run created are kept apart: a revert
leaves them in place (see :mod:`connector.revert`). A record written whose entry kept no
differences (an entry recorded for a crashed run) cannot be put back and is listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connector.records import JsonValue
from connector.store import AuditEntry

RecordKey = tuple[str, str, str]  # system, object, key


@dataclass(frozen=True, slots=True)
class FieldWrite:
    field: str
    before: JsonValue  # the target's value before the run wrote
    after: JsonValue  # what the run wrote


@dataclass(slots=True)
class WrittenRecord:
    """A target record the run updated, and its fields it wrote."""

    subscription: str
    customer_id: str | None
    system: str
    object_name: str
    key: str
    fields: dict[str, FieldWrite] = field(default_factory=dict)

    @property
    def record_key(self) -> RecordKey:
        return self.system, self.object_name, self.key


@dataclass(frozen=True, slots=True)
class TouchedRecord:
    """A record the run created, or wrote without keeping its values."""

    subscription: str
    system: str
    object_name: str
    key: str
    remote_id: str | None = None


@dataclass(slots=True)
class RunWrites:
    run_id: str
    updated: list[WrittenRecord] = field(default_factory=list)
    created: list[TouchedRecord] = field(default_factory=list)
    without_values: list[TouchedRecord] = field(default_factory=list)

    def subscriptions(self) -> list[str]:
        return list(dict.fromkeys(record.subscription for record in self.updated))

    def only(self, subscriptions: Iterable[str]) -> RunWrites:
        """The writes of these subscriptions alone."""
        keep = set(subscriptions)
        return RunWrites(
            self.run_id,
            [r for r in self.updated if r.subscription in keep],
            self.created,
            self.without_values,
        )


def run_writes(run_id: str, entries: Sequence[AuditEntry]) -> RunWrites:
    """Every field the run wrote, oldest entry first: a field written twice in one run goes
    back to its value before the first write."""
    found = RunWrites(run_id)
    updated: dict[RecordKey, WrittenRecord] = {}
    for entry in sorted(entries, key=lambda e: (e.id or 0, e.at)):
        if entry.dry_run:
            continue
        targets: Mapping[str, Sequence[Mapping[str, Any]]] = entry.detail.get("targets", {})
        for system, records in targets.items():
            for record in records:
                _take(entry, system, record, updated, found)
    found.updated = list(updated.values())
    return found


def _take(
    entry: AuditEntry,
    system: str,
    record: Mapping[str, Any],
    updated: dict[RecordKey, WrittenRecord],
    found: RunWrites,
) -> None:
    if record.get("result") != "ok":
        return  # not written: refused, held back, or a plan with nothing to write
    object_name, key = str(record.get("object")), str(record.get("key"))
    touched = TouchedRecord(
        entry.subscription_id, system, object_name, key, record.get("remote_id")
    )
    if record.get("action") == "create":
        found.created.append(touched)
        return
    diffs = [d for d in record.get("diffs", ()) if d.get("resolution") == "write"]
    if not diffs:
        found.without_values.append(touched)
        return
    written = updated.setdefault(
        (system, object_name, key),
        WrittenRecord(entry.subscription_id, entry.customer_id, system, object_name, key),
    )
    for diff in diffs:
        name = str(diff["field"])
        first = written.fields.get(name)
        before = first.before if first is not None else diff.get("before")
        written.fields[name] = FieldWrite(name, before, diff.get("after"))
