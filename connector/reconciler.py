"""reconcile(keys): read the truth, plan, check the safety valve, apply, record.

Every entry point (one-off runs, the daemon's poller and sweep, webhooks, dead-letter
replays) ends here with a list of subscription keys. Nothing is trusted from the trigger:
the billing system and every target are read again, so retries, replays and out-of-order
events all converge on the same state.

Each step is a part of its own; this module only runs them in order:

- reading chunks (billing, the store, the targets, the keys' leases): connector.chunk_reader
- planning (pure): connector.planner, and connector.planning for the report's tallies
- applying and reading back, wave by wave: connector.waves, connector.apply, connector.read_back
- what the store records (pure): connector.recording; the store write: connector.saving
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

from adapters.base import RunScoped, Source, SourcePage, SourceRead, Target
from connector.apply import RecordId, RecordOutcome, apply_plans
from connector.audit import AuditTrail
from connector.chunk_reader import ChunkReader, PreparedChunk
from connector.contracts import ContractCheck
from connector.heartbeat import beating
from connector.intents import intents_for, settle_dead_runs
from connector.logs import get_logger
from connector.plan_hold import HELD_IN_MEMORY, PlanHold
from connector.planner import PlanPolicy, SubscriptionPlan
from connector.planning import PlannedChunk, count_planned, plan_prepared, price_planned
from connector.read_back import read_back
from connector.recording import RunFacts, what_to_record
from connector.redaction import redact_text
from connector.report import RunReport
from connector.revenue.opening import open_ledger
from connector.run_book import CallCounts, call_counts, finish_run, start_run, status_of
from connector.run_progress import READING, WRITING, NoProgress, RunProgress
from connector.safety import SafetySettings, SafetyTally, verdict_of
from connector.saving import save
from connector.store import StateStore, utcnow
from connector.waves import WRITES_PER_WAVE, waves

DEFAULT_CHUNK = 5000
# Changed plans a report keeps to show when it does not keep them all.
EXAMPLES = 50


@dataclass(frozen=True, slots=True)
class RunOptions:
    dry_run: bool = False
    allow_mass_changes: bool = False
    kind: str = "reconcile"
    correlation_id: str | None = None
    # Hold each key's lease while it is planned and written (see connector.claims). A queue
    # worker's keys are leased already; a dry run writes nothing and needs none.
    claim: bool = True
    # Which fresh plans may go on (`connector apply` keeps those of the reviewed plan).
    admit: Callable[[list[SubscriptionPlan]], list[SubscriptionPlan]] | None = None
    # Every plan on the report (a caller that shows or saves them all); else the counters
    # and the first changed plans only, so that a run's memory does not grow with the book.
    keep_plans: bool = True


def new_run_id() -> str:
    return f"run_{utcnow():%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:8]}"


class Reconciler:
    def __init__(
        self,
        source: Source,
        targets: Sequence[Target],
        store: StateStore,
        *,
        policy: PlanPolicy | None = None,
        safety: SafetySettings | None = None,
        chunk_size: int = DEFAULT_CHUNK,
        logger: Any = None,
        progress: RunProgress | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        verify_writes: bool = True,
        held_in_memory: int = HELD_IN_MEMORY,
    ) -> None:
        self.source = source
        self.targets: dict[str, Target] = {target.system: target for target in targets}
        self.store = store
        self.policy = policy or PlanPolicy()
        self.safety = safety or SafetySettings()
        self.chunk_size = chunk_size
        self.log = logger or get_logger("connector.reconciler")
        self.progress: RunProgress = progress or NoProgress()
        self.clock = clock
        self._ledger_ready = False  # opening balances of a pre-ledger store are recorded
        self.verify_writes = verify_writes
        self.held_in_memory = held_in_memory  # plans a run holds in memory (see PlanHold)
        self.writes_per_wave = WRITES_PER_WAVE  # see connector.waves
        self.audit = AuditTrail(store, self.log)
        self._contracts = ContractCheck(self.targets)
        self._answered = 0
        self.reader = ChunkReader(source, self.targets, store, chunk_size)

    @property
    def mapping_version(self) -> str:
        return ",".join(
            f"{system}:{target.mapping.digest}" for system, target in sorted(self.targets.items())
        )

    # -- entry points ------------------------------------------------------------------

    def reconcile(self, keys: Sequence[str], options: RunOptions | None = None) -> RunReport:
        """Bring the targets in line for these subscription keys."""
        opts = options or RunOptions()
        unique = list(dict.fromkeys(keys))
        return self._run(opts, lambda report: self._plan_keys(unique, report), len(unique))

    def reconcile_all(self, options: RunOptions | None = None) -> RunReport:
        """Every subscription the billing system has, plus those it no longer has."""
        opts = options or RunOptions(kind="full")
        return self._run(opts, self._plan_everything, None, full=True)

    def unknown_keys(self, keys: Sequence[str]) -> list[str]:
        """Keys billing does not have and the store never synced nor dead-lettered: asked
        before a run, so that a mistyped id is refused with nothing run."""
        return self.reader.unknown_keys(list(dict.fromkeys(keys)))

    def check_contracts(self, *, force: bool = False) -> None:
        """Compare every mapping with its target's live schema; raise on any mismatch."""
        self._contracts(force=force)

    # -- the run -----------------------------------------------------------------------

    def _run(
        self,
        options: RunOptions,
        planner: Callable[[RunReport], Iterator[PlannedChunk]],
        total: int | None,
        full: bool = False,
    ) -> RunReport:
        report = RunReport(new_run_id(), options.kind, options.dry_run, full_scan=full)
        correlation = options.correlation_id or report.run_id
        start_run(self.store, report, self.mapping_version, self.clock())
        calls_before = call_counts(self.source, self.targets)
        log = self.log.bind(run_id=report.run_id, correlation_id=correlation)
        log.info("run.started", kind=options.kind, dry_run=options.dry_run, keys=total)
        try:
            self._get_ready(report, options, log)
            claiming = options.claim and not options.dry_run
            with (
                self.reader.claiming(self.clock) if claiming else nullcontext(),
                beating(self.store, report.run_id, self.clock),
            ):
                self._plan_apply_record(report, planner, options, correlation, log)
            report.status = status_of(report, options.allow_mass_changes)
        except Exception as exc:
            report.status = "failed"
            log.error("run.failed", error=redact_text(f"{type(exc).__name__}: {exc}"))
            self._finish(report, calls_before)
            raise
        self._finish(report, calls_before)
        log.info("run.finished", **report.summary())
        return report

    def _get_ready(self, report: RunReport, options: RunOptions, log: Any) -> None:
        """Contracts checked, dead runs settled, the ledger opened, history's start known."""
        for target in self.targets.values():
            if isinstance(target, RunScoped):
                target.begin_run()  # every run reads the truth again
        self.check_contracts()
        if not options.dry_run:
            settle_dead_runs(self.store, self.targets, self.clock(), log)
        if not options.dry_run and not self._ledger_ready:
            opened = open_ledger(self.store, report.run_id, self.mapping_version, self.clock())
            if opened is not None:
                log.info("run.opening_balances", subscriptions=opened)
            # Checked once per process: baselines, once there, stay.
            self._ledger_ready = self.store.count_known() > 0
        if self.policy.history_opened_at is None:
            # Fixed once the first run is recorded; until then every first sight is part of
            # the opening balance.
            self.policy = replace(self.policy, history_opened_at=self.store.history_opened_at())

    def _plan_apply_record(
        self,
        report: RunReport,
        planner: Callable[[RunReport], Iterator[PlannedChunk]],
        options: RunOptions,
        correlation: str,
        log: Any,
    ) -> None:
        chunks = planner(report)
        if options.admit is not None:
            # The reviewed plan is judged as a whole (a key it names may not come back).
            admitted = options.admit([plan for chunk in chunks for plan in chunk.plans])
            chunks = iter([PlannedChunk([], admitted)])
        tally = SafetyTally()
        self._answered = 0  # records with an outcome in the waves before (for progress)
        with self.reader.lanes.opened():  # each target written and read back on its lane
            if options.dry_run or options.allow_mass_changes:
                self._stream(report, chunks, tally, options, correlation)
                self._judge(report, tally, options, log)
            else:
                self._hold_then_apply(report, chunks, tally, options, correlation, log)

    def _stream(
        self,
        report: RunReport,
        chunks: Iterator[PlannedChunk],
        tally: SafetyTally,
        options: RunOptions,
        correlation: str,
    ) -> None:
        """A run the valve cannot stop (a dry run writes nothing; mass changes are allowed):
        each chunk is applied and recorded as soon as it is planned, and then let go."""
        for chunk in chunks:
            self._take(report, chunk.plans, tally, options)
            for wave in waves(chunk.plans, self.writes_per_wave):
                self._apply_record(report, wave, options, correlation, False, progress=False)
            # Written and recorded: another worker may have these keys now, and a run over
            # a million of them does not hold (and renew) a million leases.
            self.reader.give_back(chunk.keys)

    def _hold_then_apply(
        self,
        report: RunReport,
        chunks: Iterator[PlannedChunk],
        tally: SafetyTally,
        options: RunOptions,
        correlation: str,
        log: Any,
    ) -> None:
        """The valve sees every plan before the first write: the plans wait in a hold (on
        disk beyond a bound), then go in waves."""
        with PlanHold(None if options.keep_plans else self.held_in_memory) as hold:
            for chunk in chunks:
                self._take(report, chunk.plans, tally, options)
                hold.add(chunk.plans)
            stopped = self._judge(report, tally, options, log)
            if not stopped:
                self.progress.step(WRITING, report.writes_planned)
            for wave in hold.waves(self.writes_per_wave):
                self._apply_record(report, wave, options, correlation, stopped)

    def _take(
        self,
        report: RunReport,
        plans: list[SubscriptionPlan],
        tally: SafetyTally,
        options: RunOptions,
    ) -> None:
        """A chunk's plans counted on the report and by the valve, and kept if asked."""
        count_planned(report, plans)
        tally.add(plans)
        if options.keep_plans:
            report.plans.extend(plans)
        elif len(report.examples) < EXAMPLES:
            changed = (plan for plan in plans if not plan.is_noop)
            report.examples.extend(islice(changed, EXAMPLES - len(report.examples)))

    def _judge(self, report: RunReport, tally: SafetyTally, options: RunOptions, log: Any) -> bool:
        """The valve's verdict on the whole run; whether it stops the writes."""
        if report.unknown_keys:
            # Not a failure to retry or dead-letter: there is nothing to bring in line.
            log.info("run.unknown_keys", keys=report.unknown_keys[:20])
        price_planned(report, self.targets)
        report.verdict = verdict_of(tally, self._population(report, tally), self.safety)
        stopped = report.verdict.tripped and not options.allow_mass_changes
        if stopped:
            log.warning("run.safety_valve", reasons=list(report.verdict.reasons))
        return stopped

    def _population(self, report: RunReport, tally: SafetyTally) -> int:
        """What the valve's shares are of: the book the store knows, counted only where the
        valve could trip. A run of fewer writing keys than ``min_affected`` (a webhook's)
        never trips it, and counting a million-row table on every such run costs more than
        the run itself."""
        if tally.writing < self.safety.min_affected:
            return report.subscriptions
        return max(report.subscriptions, self.store.count_known())

    def _finish(self, report: RunReport, calls_before: CallCounts) -> None:
        finish_run(self.store, report, calls_before, call_counts(self.source, self.targets))

    # -- planning ----------------------------------------------------------------------

    def _plan_keys(
        self, keys: Sequence[str], report: RunReport, done_before: int | None = None
    ) -> Iterator[PlannedChunk]:
        if done_before is None:
            self.progress.step(READING, len(keys))
        with self.reader.lanes.opened():
            for start in range(0, len(keys), self.chunk_size):
                chunk = self.reader.take(keys[start : start + self.chunk_size], report)
                yield self._planned(self.reader.read_keyed(chunk), report)
                self.progress.advance((done_before or 0) + start + len(chunk))

    def _plan_everything(self, report: RunReport) -> Iterator[PlannedChunk]:
        # Billing has no cheap count: what the store knows is the estimate (none on a first
        # load), and the count read so far moves with every page, not with every chunk.
        self.progress.step(READING, self.store.count_known() or None)
        with self.reader.scanning() as pages, self.reader.lanes.opened():
            yield from self._plan_scanned(self._counted(pages), report)

    def _counted(self, pages: Iterable[SourcePage]) -> Iterator[SourcePage]:
        read = 0
        for page in pages:
            read += len(page.subscriptions) + len(page.errors)
            self.progress.advance(read)
            yield page

    def _plan_scanned(
        self, pages: Iterable[SourcePage], report: RunReport
    ) -> Iterator[PlannedChunk]:
        seen: set[str] = set()
        # While one chunk is planned, the targets already read the next one.
        pending: PreparedChunk | None = None
        for read in self._chunks(pages):
            seen.update(read.found, read.errors)
            ready = self.reader.prepare(self.reader.claimed(read, report))
            if pending is not None:
                yield self._planned(pending, report)
            pending = ready
        if pending is not None:
            yield self._planned(pending, report)
        vanished = [key for key in self.store.known_keys() if key not in seen]
        if vanished:
            # Confirm each one by key: a scan that silently skipped records must not cancel.
            yield from self._plan_keys(vanished, report, done_before=len(seen))
        self.progress.advance(len(seen) + len(vanished))

    def _chunks(self, pages: Iterable[SourcePage]) -> Iterator[SourceRead]:
        """The scanned subscriptions in chunks (a seam tests use to act between reads)."""
        return self.reader.chunks(pages)

    def _planned(self, prepared: PreparedChunk, report: RunReport) -> PlannedChunk:
        read = prepared.read
        keys = [*read.found, *read.errors, *read.missing]
        return PlannedChunk(keys, self._plan_prepared(prepared, report))

    def _plan_prepared(self, prepared: PreparedChunk, report: RunReport) -> list[SubscriptionPlan]:
        return plan_prepared(
            prepared, report, history=self.reader.history, policy=self.policy, now=self.clock()
        )

    # -- apply, read back, record ------------------------------------------------------

    def _apply_record(
        self,
        report: RunReport,
        plans: list[SubscriptionPlan],
        options: RunOptions,
        correlation: str,
        stopped: bool,
        *,
        progress: bool = True,
    ) -> None:
        """One wave: its intents (each key's audit entry, kept before anything is written, so
        a crash after the writes cannot lose it), its writes, the read-back, the record."""
        outcomes: dict[RecordId, RecordOutcome] = {}
        if not stopped and not options.dry_run:
            self.store.add_intents(
                intents_for(
                    plans,
                    run_id=report.run_id,
                    correlation_id=correlation,
                    mapping_version=self.mapping_version,
                    at=self.clock(),
                )
            )
            before = self._answered
            outcomes = apply_plans(
                plans,
                self.targets,
                _progress_of(self.progress, before) if progress else _no_progress,
                self.reader.lanes,
            )
            self._answered += len(outcomes)
        checks = (
            read_back(plans, outcomes, self.targets, self.log, self.reader.lanes)
            if self.verify_writes
            else None
        )
        facts = RunFacts(
            run_id=report.run_id,
            correlation_id=correlation,
            mapping_version=self.mapping_version,
            at=self.clock(),
            dry_run=options.dry_run,
            stopped=stopped,
            source_system=self.source.system,
            digests={system: target.mapping.digest for system, target in self.targets.items()},
        )
        kept = what_to_record(plans, outcomes, checks, facts=facts)
        kept.count_into(report)
        report.letters_resolved += save(self.store, self.audit, kept, report.run_id)


def _progress_of(progress: RunProgress, before: int) -> Callable[[int], None]:
    return lambda answered: progress.advance(before + answered)


def _no_progress(answered: int) -> None:
    """Writes of a streamed run: its progress follows what was read."""
