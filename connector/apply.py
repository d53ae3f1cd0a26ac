"""Apply planned writes in batches, parents before children, and collect per-record results.

Nothing here raises for a refused record: each one gets an outcome, a failure blocks only the
records that depend on it, and the rest of the batch goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from adapters.base import Target
from connector.errors import FatalAdapterError, PartialWriteError
from connector.lanes import Lanes
from connector.planner import RecordAction, RecordPlan, SubscriptionPlan
from connector.records import WriteError, WriteRequest, WriteResult
from connector.redaction import redact_text

RecordId = tuple[str, str, str]  # system, object, key


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    ok: bool
    remote_id: str | None = None
    created: bool = False
    error: WriteError | None = None


def _parent_keys(target: Target, record: RecordPlan) -> list[tuple[str, str]]:
    obj = target.mapping.objects[record.object_name]
    parents = []
    for spec in obj.fields:
        if spec.ref_object is None:
            continue
        value = record.synced.get(spec.target)
        if isinstance(value, dict) and isinstance(value.get("key"), str):
            parents.append((spec.ref_object, str(value["key"])))
    return parents


def _batch_failure(exc: Exception) -> WriteError:
    code = getattr(exc, "code", type(exc).__name__)
    return WriteError(str(code), redact_text(str(exc)), retryable=True)


def apply_plans(
    plans: Sequence[SubscriptionPlan],
    targets: Mapping[str, Target],
    on_batch: Callable[[int], None] = lambda count: None,
    lanes: Lanes | None = None,
) -> dict[RecordId, RecordOutcome]:
    """Write every record that needs it; return an outcome per record written or blocked.
    ``on_batch`` is told how many records have an outcome after each batch (for progress).

    Each system is written on a thread of its own: their records never depend on each other
    (a parent is always in its child's system), so the CRM and the ERP are written at once
    and a run takes as long as its slowest system, not their sum.
    """
    writing = [
        system
        for system in targets
        if any(r.system == system and r.needs_write for plan in plans for r in plan.records)
    ]
    answered = _Answered(on_batch)
    per_system = (lanes or Lanes(())).each(
        writing, lambda system: _apply_system(plans, system, targets[system], answered)
    )
    outcomes: dict[RecordId, RecordOutcome] = {}
    for written in per_system.values():
        outcomes.update(written)
    return outcomes


class _Answered:
    """Records with an outcome so far, over every system's thread (for progress)."""

    def __init__(self, on_batch: Callable[[int], None]) -> None:
        self._on_batch = on_batch
        self._count = 0
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        with self._lock:
            self._count += count
            self._on_batch(self._count)


def _apply_system(
    plans: Sequence[SubscriptionPlan], system: str, target: Target, answered: _Answered
) -> dict[RecordId, RecordOutcome]:
    """One system's writes, object by object in the mapping's order (parents first)."""
    outcomes: dict[RecordId, RecordOutcome] = {}
    fatal: WriteError | None = None
    for obj in target.mapping.ordered():
        pending: dict[str, RecordPlan] = {}
        for plan in plans:
            for record in plan.records:
                if (
                    record.system == system
                    and record.object_name == obj.name
                    and record.needs_write
                    and record.key not in pending
                ):
                    pending[record.key] = record
        ready: list[RecordPlan] = []
        for record in pending.values():
            blocked = _blocked_by(system, target, record, outcomes, fatal)
            if blocked is not None:
                outcomes[(system, obj.name, record.key)] = RecordOutcome(False, error=blocked)
            else:
                ready.append(record)
        if len(ready) < len(pending):
            answered.add(len(pending) - len(ready))
        size = target.write_batch_size(obj.name)
        for start in range(0, len(ready), size):
            batch = ready[start : start + size]
            if fatal is not None:
                for record in batch:
                    outcomes[(system, obj.name, record.key)] = RecordOutcome(False, error=fatal)
                answered.add(len(batch))
                continue
            results, fatal = _write_batch(system, target, obj.name, batch)
            for record, result in zip(batch, results, strict=True):
                outcomes[(system, obj.name, record.key)] = RecordOutcome(
                    result.ok, result.remote_id, result.created, result.error
                )
            answered.add(len(batch))
    return outcomes


def _write_batch(
    system: str,
    target: Target,
    object_name: str,
    batch: Sequence[RecordPlan],
) -> tuple[Sequence[WriteResult], WriteError | None]:
    """One write call's results, one per record, and the system's fatal error if it went
    down (then every later batch of the system fails with it, unsent)."""
    requests = [
        WriteRequest(
            object_name,
            record.key,
            "create" if record.action is RecordAction.CREATE else "update",
            record.writes,
            record.remote_id,
        )
        for record in batch
    ]
    fatal: WriteError | None = None
    try:
        results: Sequence[WriteResult] = target.write(object_name, requests)
    except FatalAdapterError as exc:
        # Not these records' fault: the system is down for every record, but answers it
        # gave before going down stand (a write that landed counts).
        fatal = WriteError(exc.code, redact_text(exc.message), retryable=True, system_down=True)
        answered: Sequence[WriteResult | None] = (
            exc.answered
            if isinstance(exc, PartialWriteError) and len(exc.answered) == len(requests)
            else [None] * len(requests)
        )
        results = [
            answer if answer is not None else WriteResult(r.key, False, error=fatal)
            for r, answer in zip(requests, answered, strict=True)
        ]
    except Exception as exc:  # one failed call must not stop the run
        error = _batch_failure(exc)
        results = [WriteResult(r.key, False, error=error) for r in requests]
    if len(results) != len(requests):
        error = WriteError(
            "BAD_RESPONSE",
            f"{system} answered {len(results)} results for {len(requests)} records",
            retryable=True,
        )
        results = [WriteResult(r.key, False, error=error) for r in requests]
    return results, fatal


def _blocked_by(
    system: str,
    target: Target,
    record: RecordPlan,
    outcomes: Mapping[RecordId, RecordOutcome],
    fatal: WriteError | None,
) -> WriteError | None:
    if fatal is not None:
        return fatal
    for parent_object, parent_key in _parent_keys(target, record):
        parent = outcomes.get((system, parent_object, parent_key))
        if parent is not None and not parent.ok:
            reason = parent.error or WriteError("FAILED", "unknown")
            return WriteError(
                "PARENT_NOT_WRITTEN",
                f"{parent_object} {parent_key} was not written ({reason})",
                retryable=reason.retryable,
            )
    return None
