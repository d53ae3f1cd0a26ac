"""Revert a run: put back the values its writes replaced, through the path every run takes.

For a wrong mapping or a wrong run, not to overrule billing. Afterwards the targets hold what
they held before that run, which differs from billing's truth again: to the connector it looks
like an edit made in the target, so the next reconcile puts billing's values back wherever the
mapping says ``drift: overwrite`` (the default), reports ``drift: report`` fields and keeps
``drift: accept`` ones. Stop the daemon and the scheduled runs (or fix the mapping) first if
the reverted values are to stay.

- After the mappings' check against the live schemas, as any run's writes.
- Under the keys' leases (:mod:`connector.claims`): a key another writer holds, or wrote since
  the revert began, is left alone (and to the queue), and listed.
- Fields changed again since the run are skipped and listed (:mod:`connector.revert_plan`).
- The safety valve judges the revert like any run: putting back many records is a mass
  overwrite, which needs ``allow_mass_changes``.
- Each subscription's revert is audited once, naming the reverted run (``reverts_run``, and it
  is the entry's correlation id), with an intent recorded first so that a crash cannot lose
  or double it (:mod:`connector.intents`), wave by wave as a run's writes
  (:mod:`connector.waves`). The revert is a run of its own (kind ``revert``).
- Records the run created are listed and left in place: they mirror subscriptions billing
  has, people may have attached work to them, and the next reconcile would create them again.
  Remove them by hand in the target if they should not exist.
- A revert writes no snapshot: the records stay marked as last synced with the run's values,
  which is what makes the next reconcile see the revert as a difference to settle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connector.apply import RecordId, RecordOutcome, apply_plans
from connector.claims import Claims
from connector.errors import ConnectorError
from connector.exit_codes import ExitCode
from connector.heartbeat import beating
from connector.read_back import read_back
from connector.reconciler import Reconciler, new_run_id
from connector.report import RunReport
from connector.revert_audit import revert_entries, revert_intents
from connector.revert_plan import RevertPlan, plan_revert
from connector.revert_writes import RunWrites, run_writes
from connector.run_book import call_counts, finish_run, start_run
from connector.safety import SafetyVerdict, check
from connector.store import AuditQuery
from connector.waves import waves

RUN_KIND = "revert"
# Every entry of the run reverted is read: a full run audits one per subscription changed.
MAX_ENTRIES = 10_000_000


class RevertError(ConnectorError):
    """The run named cannot be reverted: nothing was read from the targets or written."""


@dataclass(slots=True)
class Reverted:
    """What a revert did (or, dry, would do)."""

    reverted_run: str
    dry_run: bool
    writes: RunWrites
    plan: RevertPlan
    report: RunReport | None = None  # the revert's own run; None for a dry run
    deferred: list[str] = field(default_factory=list)  # keys another writer held
    outcomes: dict[RecordId, RecordOutcome] = field(default_factory=dict)
    verdict: SafetyVerdict | None = None
    mismatches: dict[RecordId, str] = field(default_factory=dict)  # read back otherwise

    @property
    def failed(self) -> dict[RecordId, RecordOutcome]:
        return {record: outcome for record, outcome in self.outcomes.items() if not outcome.ok}

    @property
    def exit_code(self) -> ExitCode:
        if self.report is None:
            return ExitCode.CLEAN
        if self.report.status == "stopped_by_safety_valve":
            return ExitCode.SAFETY_VALVE
        return ExitCode.FAILED if self.failed else ExitCode.CLEAN


def audited_writes(reconciler: Reconciler, run_id: str) -> RunWrites:
    """What the run wrote, from its audit entries; :class:`RevertError` if there is none."""
    entries = reconciler.store.query_audit(
        AuditQuery(run_id=run_id, include_dry_runs=True, limit=MAX_ENTRIES)
    )
    if not entries:
        raise RevertError(
            f"no audit entries for run {run_id}: check the id (`connector status` lists recent "
            "runs, `connector audit --run ID` shows a run's entries)"
        )
    if all(entry.dry_run for entry in entries):
        raise RevertError(f"run {run_id} was a dry run: it wrote nothing to revert")
    return run_writes(run_id, entries)


def revert_run(
    reconciler: Reconciler,
    run_id: str,
    *,
    dry_run: bool = False,
    allow_mass_changes: bool = False,
) -> Reverted:
    """Revert ``run_id``'s writes (see the module's docstring)."""
    writes = audited_writes(reconciler, run_id)
    if dry_run:
        return Reverted(run_id, True, writes, plan_revert(writes, reconciler.targets))
    # As before any run's writes: a field renamed in a target stops it before it writes.
    reconciler.check_contracts()
    report = RunReport(new_run_id(), RUN_KIND, False)
    store, clock = reconciler.store, reconciler.clock
    start_run(store, report, reconciler.mapping_version, clock())
    calls_before = call_counts(reconciler.source, reconciler.targets)
    try:
        with Claims(store, clock).holding() as claims, beating(store, report.run_id, clock):
            taken = claims.take(writes.subscriptions())
            done = Reverted(run_id, False, writes, RevertPlan(), report, list(taken.deferred))
            done.plan = plan_revert(writes.only(taken.keys), reconciler.targets)
            _write(reconciler, done, report, allow_mass_changes)
    except Exception:
        report.status = "failed"
        finish_run(store, report, calls_before, call_counts(reconciler.source, reconciler.targets))
        raise
    finish_run(store, report, calls_before, call_counts(reconciler.source, reconciler.targets))
    return done


def _write(
    reconciler: Reconciler, done: Reverted, report: RunReport, allow_mass_changes: bool
) -> None:
    """Safety valve, intents, writes, read-back and audit: a run's steps, for a revert."""
    store, plans = reconciler.store, done.plan.plans
    report.plans = plans
    report.deferred = len(done.deferred)
    done.verdict = report.verdict = check(plans, store.count_known(), reconciler.safety)
    if done.verdict.tripped and not allow_mass_changes:
        report.status = "stopped_by_safety_valve"
        return
    verified = 0
    for wave in waves(plans):
        verified += _write_wave(reconciler, done, RevertPlan(wave, done.plan.fields), report.run_id)
    _count(report, done.outcomes, verified)


def _write_wave(reconciler: Reconciler, done: Reverted, wave: RevertPlan, run_id: str) -> int:
    """One wave's intents, writes, read-back and audit, as a run's (see connector.waves);
    how many records read back as written."""
    store = reconciler.store
    facts = (run_id, done.reverted_run, reconciler.mapping_version, reconciler.clock())
    store.add_intents(revert_intents(wave, *facts))
    lanes = reconciler.reader.lanes
    with lanes.opened():  # each target written and read back on its lane, side by side
        outcomes = apply_plans(wave.plans, reconciler.targets, lanes=lanes)
        checks = read_back(wave.plans, outcomes, reconciler.targets, reconciler.log, lanes)
    entries = revert_entries(wave, outcomes, *facts)
    with store.transaction():
        reconciler.audit.record(entries)
        store.drop_intents(run_id)
    done.outcomes.update(outcomes)
    done.mismatches.update(checks.mismatches)
    return checks.verified


def _count(report: RunReport, outcomes: Mapping[RecordId, RecordOutcome], verified: int) -> None:
    for (system, _, _), outcome in outcomes.items():
        report.applied[f"{system}.{'ok' if outcome.ok else 'failed'}"] += 1
    report.verified = verified
    report.status = "failed" if any(not o.ok for o in outcomes.values()) else "clean"
