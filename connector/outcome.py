"""What one key's attempt came to, and what happens to the key next: decided here only.

Per record and per system (``judge_key``): which records the targets hold as planned, which
systems failed and why, and which systems' open dead letters close because the key was found
in agreement with them (a planned no-op) or written to them and read back as sent. Nothing
else opens or closes a letter during a run, so the two can never disagree.

Per key (``decide``), from every system's failure: a transient failure in one target is never
dropped because another target refused the same key for good:

- a system down (revoked credentials, a missing permission, an exhausted daily quota) ->
  ``SYSTEM_DOWN``: that system is paused and the key goes back to the queue without spending
  an attempt; no dead letter for it;
- else anything to try again -> ``RETRY`` (an attempt is spent; the backoff grows);
- else anything refused for good -> ``TERMINAL`` (the dead letter waits for a person);
- else ``DONE``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from connector.apply import RecordId, RecordOutcome
from connector.planner import RecordAction, RecordPlan, SubscriptionPlan

BILLING = "billing"
# Letters the work queue writes when a whole batch failed name the component that raised,
# "connector" when it was none of the systems (see WorkQueue.failed).
WHOLE_KEY = "connector"


class RecordVerdict(StrEnum):
    AGREED = "agreed"  # planned no-op: the target already holds what billing says
    WRITTEN = "written"  # written, and read back as sent (or not read back at all)
    FAILED = "failed"  # refused, blocked by a refused parent, or never sent
    UNVERIFIED = "unverified"  # written, but the target reads back something else
    REPORTED = "reported"  # a conflict left to a person: nothing failed, nothing agrees


@dataclass(frozen=True, slots=True)
class SystemFailure:
    reasons: tuple[str, ...]
    code: str  # the first failure's code: the one a dead letter is filed under
    retryable: bool
    system_down: bool = False  # the system itself cannot be used, not these records


@dataclass(slots=True)
class KeyOutcome:
    verdicts: dict[RecordId, RecordVerdict] = field(default_factory=dict)
    failures: dict[str, SystemFailure] = field(default_factory=dict)
    # Systems whose open dead letters for this key close: found in agreement, or written.
    agreed: tuple[str, ...] = ()

    @property
    def wrote_some(self) -> bool:
        return any(
            v in (RecordVerdict.WRITTEN, RecordVerdict.UNVERIFIED) for v in self.verdicts.values()
        )


def record_verdict(
    record: RecordPlan, outcome: RecordOutcome | None, mismatch: str | None
) -> RecordVerdict:
    if not record.needs_write:
        return (
            RecordVerdict.REPORTED
            if record.action is RecordAction.CONFLICT
            else RecordVerdict.AGREED
        )
    if outcome is None or not outcome.ok:
        return RecordVerdict.FAILED
    return RecordVerdict.WRITTEN if mismatch is None else RecordVerdict.UNVERIFIED


def judge_key(
    plan: SubscriptionPlan,
    outcomes: Mapping[RecordId, RecordOutcome],
    mismatches: Mapping[RecordId, str],
    targets: Sequence[str],
    source_system: str = BILLING,
) -> KeyOutcome:
    """The verdict on one key after its writes were applied (and read back)."""
    judged = KeyOutcome()
    failing: dict[str, list[tuple[str, str, bool, bool]]] = {}
    for system, reason in plan.errors.items():
        code = "INVALID_SOURCE_RECORD" if system == BILLING else "MAPPING_ERROR"
        failing.setdefault(system, []).append((reason, code, False, False))
    for record in plan.records:
        record_id = (record.system, record.object_name, record.key)
        outcome = outcomes.get(record_id)
        verdict = record_verdict(record, outcome, mismatches.get(record_id))
        judged.verdicts[record_id] = verdict
        failure = _record_failure(record, verdict, outcome, mismatches.get(record_id))
        if failure is not None:
            failing.setdefault(record.system, []).append(failure)
    judged.failures = {
        system: SystemFailure(
            tuple(f[0] for f in found), found[0][1], found[0][2], any(f[3] for f in found)
        )
        for system, found in failing.items()
    }
    judged.agreed = _agreed(plan, judged, targets, source_system)
    return judged


def _record_failure(
    record: RecordPlan,
    verdict: RecordVerdict,
    outcome: RecordOutcome | None,
    mismatch: str | None,
) -> tuple[str, str, bool, bool] | None:
    """(reason, code, retryable, system down) of a record that failed or reads back
    otherwise."""
    where = f"{record.object_name} {record.key}"
    if verdict is RecordVerdict.UNVERIFIED:
        return f"{where}: {mismatch}", "VERIFY_MISMATCH", False, False
    if verdict is not RecordVerdict.FAILED:
        return None
    error = outcome.error if outcome is not None else None
    if error is None:
        return f"{where}: not written", "NOT_WRITTEN", False, False
    return f"{where}: {error}", error.code, error.retryable, error.system_down


def _agreed(
    plan: SubscriptionPlan, judged: KeyOutcome, targets: Sequence[str], source_system: str
) -> tuple[str, ...]:
    settled = (RecordVerdict.AGREED, RecordVerdict.WRITTEN)
    in_line = [
        system
        for system in targets
        if system not in judged.failures
        and all(
            judged.verdicts[(r.system, r.object_name, r.key)] in settled
            for r in plan.records
            if r.system == system
        )
    ]
    if BILLING in judged.failures:
        return tuple(in_line)
    # Billing was read: letters about reading it close, under either of its names; and when
    # every target is in line too, so does a letter about the key as a whole.
    whole = (WHOLE_KEY,) if len(in_line) == len(targets) else ()
    return (*in_line, *dict.fromkeys((BILLING, source_system)), *whole)


class Outcome(StrEnum):
    DONE = "done"
    RETRY = "retry"
    TERMINAL = "terminal"
    SYSTEM_DOWN = "system_down"


@dataclass(frozen=True, slots=True)
class KeyFailure:
    """One system's failure for one key."""

    system: str
    reason: str
    retryable: bool
    system_down: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    system: str | None = None
    reason: str = ""


DONE = Decision(Outcome.DONE)


def decide(failures: Sequence[KeyFailure]) -> Decision:
    for failure in failures:
        if failure.system_down:
            return Decision(Outcome.SYSTEM_DOWN, failure.system, failure.reason)
    for failure in failures:
        if failure.retryable:
            return Decision(Outcome.RETRY, failure.system, failure.reason)
    for failure in failures:
        return Decision(Outcome.TERMINAL, failure.system, failure.reason)
    return DONE
