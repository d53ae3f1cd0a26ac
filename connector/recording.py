"""What a run records, computed from its plans, the write outcomes and the read-back: pure.

For every key it decides (through :func:`connector.outcome.judge_key`) which records the
targets hold as planned, and from that: the bindings and snapshots to keep, billing's state
to count as synced, the dead letters to file and close, the audit entries, and the counters
of the run's report. Writing it all to the store is :mod:`connector.saving`'s one small step.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from connector.apply import RecordId, RecordOutcome
from connector.audit import build_entry
from connector.outcome import KeyFailure, KeyOutcome, RecordVerdict, judge_key
from connector.planner import RecordAction, RecordPlan, SubscriptionPlan
from connector.read_back import Verification
from connector.records import SnapshotRow
from connector.redaction import excerpt, redact_text
from connector.report import RunReport
from connector.schema import Subscription
from connector.store import AuditEntry, DeadLetter


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What every record of a run shares."""

    run_id: str
    correlation_id: str
    mapping_version: str
    at: dt.datetime
    dry_run: bool
    stopped: bool  # by the safety valve: nothing was written
    source_system: str
    digests: Mapping[str, str]  # target system -> its mapping's digest


@dataclass(slots=True)
class Recording:
    """What a run hands the store at its end, and what its report counts."""

    entries: list[AuditEntry] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    resolved: list[tuple[str, Sequence[str]]] = field(default_factory=list)
    snapshots: dict[tuple[str, str], dict[str, SnapshotRow]] = field(default_factory=dict)
    bindings: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    canonical: list[Subscription] = field(default_factory=list)
    applied: Counter[str] = field(default_factory=Counter)  # "salesforce.ok" / ".failed"
    key_failures: dict[str, list[KeyFailure]] = field(default_factory=dict)
    verified: int = 0  # records read back after writing and found as written

    def count_into(self, report: RunReport) -> None:
        """The report's counters of what was verified, applied, failed and dead-lettered."""
        report.verified += self.verified
        report.applied.update(self.applied)
        for key, failures in self.key_failures.items():
            report.key_failures[key] = failures
            for failure in failures:
                if failure.system_down:
                    report.systems_down.setdefault(failure.system, failure.reason)
        report.dead_letters += len(self.letters)
        for letter in self.letters:
            known = report.failures.get(letter.key)
            if known is None or (known[2] and not letter.retryable):
                report.failures[letter.key] = (letter.system, letter.reason, letter.retryable)


def what_to_record(
    plans: Sequence[SubscriptionPlan],
    outcomes: Mapping[RecordId, RecordOutcome],
    verification: Verification | None,
    *,
    facts: RunFacts,
) -> Recording:
    """Everything the store keeps and the report counts after the plans were applied."""
    verified = verification or Verification()
    applying = not facts.dry_run and not facts.stopped
    kept = Recording(verified=verified.verified)
    for plan in plans:
        judged = (
            judge_key(plan, outcomes, verified.mismatches, list(facts.digests), facts.source_system)
            if applying
            else None
        )
        if judged is not None:
            _keep(plan, judged, outcomes, verified, facts, kept)
        # Billing's new state counts as synced, and its revenue movements as recorded, only
        # once every system took it: a retry computes them again from the same last state.
        synced = judged is not None and not judged.failures and plan.current is not None
        if synced and plan.current is not None:
            kept.canonical.append(plan.current)
        label = audit_outcome(plan, judged, facts.dry_run, facts.stopped)
        if label is not None:
            kept.entries.append(
                build_entry(
                    plan,
                    outcomes,
                    outcome=label,
                    run_id=facts.run_id,
                    correlation_id=facts.correlation_id,
                    dry_run=facts.dry_run,
                    mapping_version=facts.mapping_version,
                    at=facts.at,
                    movements=plan.movements if synced else (),
                )
            )
    return kept


def _keep(
    plan: SubscriptionPlan,
    judged: KeyOutcome,
    outcomes: Mapping[RecordId, RecordOutcome],
    verified: Verification,
    facts: RunFacts,
    kept: Recording,
) -> None:
    """The key's records, letters and failures, once its outcome is judged."""
    for record in plan.records:
        verdict = judged.verdicts[(record.system, record.object_name, record.key)]
        _keep_record(record, verdict, outcomes, verified, facts, kept)
    kept.letters.extend(_letters(plan, judged, facts.run_id, facts.at))
    kept.resolved.append((plan.key, judged.agreed))
    failures = [
        KeyFailure(system, redact_text("; ".join(f.reasons)), f.retryable, f.system_down)
        for system, f in judged.failures.items()
    ]
    if failures:
        kept.key_failures[plan.key] = failures


def _keep_record(
    record: RecordPlan,
    verdict: RecordVerdict,
    outcomes: Mapping[RecordId, RecordOutcome],
    verified: Verification,
    facts: RunFacts,
    kept: Recording,
) -> None:
    """Binding and snapshot of a record the target holds as planned; its counter."""
    system, object_name, key = record.system, record.object_name, record.key
    record_id = (system, object_name, key)
    if verdict is RecordVerdict.FAILED:
        kept.applied[f"{system}.failed"] += 1
        return
    if verdict is RecordVerdict.UNVERIFIED:
        kept.applied[f"{system}.unverified"] += 1
        return
    outcome = outcomes.get(record_id)
    remote_id = outcome.remote_id if outcome is not None else record.remote_id
    if verdict is RecordVerdict.WRITTEN:
        kept.applied[f"{system}.ok"] += 1
    if remote_id:
        kept.bindings.setdefault((system, object_name), {})[key] = remote_id
    if record.needs_write or record.snapshot_stale:
        stamp = verified.stamps.get(record_id) if record.needs_write else record.agreed_modstamp
        kept.snapshots.setdefault((system, object_name), {})[key] = SnapshotRow(
            record.synced, stamp, facts.digests[system]
        )


def _letters(
    plan: SubscriptionPlan, judged: KeyOutcome, run_id: str, now: dt.datetime
) -> list[DeadLetter]:
    return [
        DeadLetter(
            key=plan.key,
            system=system,
            reason=excerpt(redact_text("; ".join(dict.fromkeys(failure.reasons)))),
            error_code=failure.code,
            retryable=failure.retryable,
            run_id=run_id,
            payload={"changes": [k.value for k in plan.changes]},
            created_at=now,
            updated_at=now,
        )
        for system, failure in judged.failures.items()
        # A system down is not the record's fault: no letter (see connector.outcome).
        if not failure.system_down
    ]


def audit_outcome(
    plan: SubscriptionPlan, judged: KeyOutcome | None, dry_run: bool, stopped: bool
) -> str | None:
    """The outcome an audit entry names, or None when the key has nothing worth auditing."""
    interesting = (
        plan.changes
        or plan.errors
        or any(r.action is not RecordAction.NOOP or r.diffs for r in plan.records)
    )
    if not interesting:
        return None
    if dry_run:
        return "planned"
    if stopped or judged is None:
        return "stopped"
    if judged.failures:
        return "partial" if judged.wrote_some else "failed"
    if any(r.needs_write for r in plan.records):
        return "applied"
    if any(r.action is RecordAction.CONFLICT for r in plan.records):
        return "reported"
    return "recorded"
