"""Read-after-write verification: every record written is read back and compared.

A target may accept a write and keep something else (a trigger, a rounding, a workflow); only
reading it back tells. A record that reads back otherwise is ``UNVERIFIED`` (see
:mod:`connector.outcome`); one that reads back as sent gives the modstamp its snapshot keeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.base import Target
from connector.apply import RecordId, RecordOutcome
from connector.lanes import Lanes
from connector.planner import RecordPlan, Resolution, SubscriptionPlan
from connector.records import TargetRecord
from connector.redaction import redact_text
from connector.target_reads import read_objects

# Differing fields named in a mismatch's reason; the rest would only make it longer.
SHOWN_DIFFERENCES = 5


@dataclass(slots=True)
class Verification:
    """What reading back the written records showed, per (system, object, key)."""

    mismatches: dict[RecordId, str] = field(default_factory=dict)
    stamps: dict[RecordId, str] = field(default_factory=dict)
    verified: int = 0  # records read back and found as written


def read_back(
    plans: Sequence[SubscriptionPlan],
    outcomes: Mapping[RecordId, RecordOutcome],
    targets: Mapping[str, Target],
    log: Any,
    lanes: Lanes | None = None,
) -> Verification:
    """Read back every record written, in batches, and compare it with what was sent."""
    check = Verification()
    by_system: dict[str, dict[str, dict[str, RecordPlan]]] = {}
    for (system, object_name), records in _written(plans, outcomes).items():
        by_system.setdefault(system, {})[object_name] = records

    def read(system: str) -> Mapping[str, Mapping[str, TargetRecord]] | None:
        written = by_system[system]
        try:
            return read_objects(targets[system], {name: list(r) for name, r in written.items()})
        except Exception as exc:  # verification must not undo writes that landed
            log.warning(
                "run.verify_failed",
                system=system,
                objects=sorted(written),
                error=redact_text(str(exc)),
            )
            return None

    # Each target read back on its lane, as it was written.
    answers = (lanes or Lanes(())).each(by_system, read)
    for system, found in answers.items():
        if found is None:
            continue
        for object_name, records in by_system[system].items():
            back = found.get(object_name, {})
            for key, record in records.items():
                _compare(targets[system], record, back.get(key), check)
    return check


def _written(
    plans: Sequence[SubscriptionPlan], outcomes: Mapping[RecordId, RecordOutcome]
) -> dict[tuple[str, str], dict[str, RecordPlan]]:
    """The records that were written, per (system, object), by key."""
    written: dict[tuple[str, str], dict[str, RecordPlan]] = {}
    for plan in plans:
        for record in plan.records:
            outcome = outcomes.get((record.system, record.object_name, record.key))
            if record.needs_write and outcome is not None and outcome.ok:
                written.setdefault((record.system, record.object_name), {})[record.key] = record
    return written


def _compare(
    target: Target, record: RecordPlan, back: TargetRecord | None, check: Verification
) -> None:
    record_id = (record.system, record.object_name, record.key)
    if back is None:
        check.mismatches[record_id] = "not found when read back after the write"
        return
    actual = target.mapping.objects[record.object_name].normalise(back.fields)
    # Only what was written: a field kept or reported as the target has it was not sent,
    # and ``synced`` holds the last value billing gave it, not the target's.
    differing = [f for f in record.writes if actual.get(f) != record.synced.get(f)]
    if differing:
        check.mismatches[record_id] = "read back differs: " + "; ".join(
            f"{f} written {record.synced[f]!r}, reads {actual.get(f)!r}"
            for f in differing[:SHOWN_DIFFERENCES]
        )
        return
    check.verified += 1
    # A field kept or reported as the target has it may differ from billing: the stamp of
    # such a record must not mark it as agreeing.
    settled = not any(
        d.resolution in (Resolution.KEEP_TARGET, Resolution.REPORT) for d in record.diffs
    )
    if settled and back.modstamp:
        check.stamps[record_id] = back.modstamp
