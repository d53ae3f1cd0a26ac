"""reconcile(keys): read the truth, plan, check the safety valve, apply, record.

Every entry point (one-off runs, the daemon's poller and sweep, webhooks, dead-letter
replays) ends here with a list of subscription keys. Nothing is trusted from the trigger:
the billing system and every target are read again, so retries, replays and out-of-order
events all converge on the same state.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from typing import Any

from adapters.base import (
    ContractChecker,
    Source,
    SourcePage,
    SourceRead,
    StampScanner,
    Target,
)
from connector.apply import RecordId, RecordOutcome, apply_plans
from connector.audit import AuditTrail, build_entry
from connector.claims import Claims
from connector.errors import MappingContractError
from connector.intents import (
    RUN_BEAT_SECONDS,
    RUN_STALE,
    intents_for,
    pid_alive,
    settle_orphans,
    this_host,
)
from connector.lanes import Lanes
from connector.logs import get_logger
from connector.outcome import KeyFailure, KeyOutcome, RecordVerdict, judge_key
from connector.planner import (
    PlanPolicy,
    RecordAction,
    RecordPlan,
    Resolution,
    SubscriptionPlan,
    TargetState,
)
from connector.planner.chunk import History, plan_chunk
from connector.prefetch import Prefetch
from connector.records import RecordError, SnapshotRow, TargetRecord
from connector.redaction import redact_text
from connector.report import RunReport, SystemCost
from connector.revenue.opening import needs_opening_balances, record_opening_balances
from connector.safety import SafetySettings, check
from connector.schema import Subscription
from connector.store import AuditEntry, DeadLetter, RunRecord, RunStatus, StateStore, utcnow
from connector.store.fingerprint import fingerprint_of

DEFAULT_CHUNK = 5000
# Billing pages read ahead of planning during a full run: about one chunk's worth at 100 a page.
SCAN_READ_AHEAD = 64
CONTRACT_TTL_SECONDS = 600.0
Progress = Callable[[int, int | None], None]
# object -> key -> (modstamp, remote id), from a target's stamp scan
StampIndex = dict[str, dict[str, tuple[str | None, str | None]]]


@dataclass(slots=True)
class Verification:
    """What reading back the written records showed, per (system, object, key)."""

    mismatches: dict[RecordId, str] = field(default_factory=dict)
    stamps: dict[RecordId, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunOptions:
    dry_run: bool = False
    allow_mass_changes: bool = False
    kind: str = "reconcile"
    correlation_id: str | None = None
    # Hold each key's lease while it is planned and written (see connector.claims). A queue
    # worker's keys are leased already; a dry run writes nothing and needs none.
    claim: bool = True


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
        progress: Progress | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        verify_writes: bool = True,
    ) -> None:
        self.source = source
        self.targets: dict[str, Target] = {target.system: target for target in targets}
        self.store = store
        self.policy = policy or PlanPolicy()
        self.safety = safety or SafetySettings()
        self.chunk_size = chunk_size
        self.log = logger or get_logger("connector.reconciler")
        self.progress = progress
        self.clock = clock
        self._ledger_ready = False  # opening balances of a pre-ledger store are recorded
        self.verify_writes = verify_writes
        self.audit = AuditTrail(store, self.log)
        self._contract_checked_at = -math.inf
        # system -> its stamp scan (object -> key -> (modstamp, remote id)); full runs only
        self._stamp_scans: dict[str, Future[StampIndex]] = {}
        self._lanes = Lanes(self.targets)  # open while planning: one reading thread per target
        self._claims: Claims | None = None  # the leases of the run in progress, if it claims

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
        """Keys billing does not have and the store never synced nor dead-lettered.

        A run skips them too (nothing to bring in line, nothing to dead-letter); this asks
        before a run, so that a mistyped id can be refused with nothing run. Billing is read
        only for keys the store does not know.
        """
        unique = list(dict.fromkeys(keys))
        held = self.store.load_fingerprints(unique).keys() | self.store.open_dead_letters(unique)
        rest = [key for key in unique if key not in held]
        if not rest:
            return []
        missing = self.source.get(rest).missing
        return [key for key in rest if key in missing]

    # -- the run -----------------------------------------------------------------------

    def _run(
        self,
        options: RunOptions,
        planner: Callable[[RunReport], list[SubscriptionPlan]],
        total: int | None,
        full: bool = False,
    ) -> RunReport:
        report = RunReport(new_run_id(), options.kind, options.dry_run, full_scan=full)
        correlation = options.correlation_id or report.run_id
        self._total = total
        self.store.start_run(
            RunRecord(
                report.run_id,
                options.kind,
                self.clock(),
                options.dry_run,
                self.mapping_version,
                owner_host=this_host(),
                owner_pid=os.getpid(),
            )
        )
        calls_before = self._calls()
        log = self.log.bind(run_id=report.run_id, correlation_id=correlation)
        log.info("run.started", kind=options.kind, dry_run=options.dry_run, keys=total)
        try:
            self.check_contracts()
            if not options.dry_run:
                self._settle_dead_runs(log)
            if not options.dry_run and not self._ledger_ready:
                if needs_opening_balances(self.store):
                    opened = record_opening_balances(
                        self.store, report.run_id, self.mapping_version, self.clock()
                    )
                    log.info("run.opening_balances", subscriptions=opened)
                # Checked once per process: baselines, once there, stay.
                self._ledger_ready = self.store.count_known() > 0
            if self.policy.history_opened_at is None:
                # Fixed once the first run is recorded; until then every first sight is part
                # of the opening balance.
                self.policy = replace(self.policy, history_opened_at=self.store.history_opened_at())
            with self._claiming(options), self._beating(report.run_id):
                self._plan_apply_record(report, planner, options, correlation, log)
            report.status = _status(report, options)
        except Exception as exc:
            report.status = "failed"
            log.error("run.failed", error=redact_text(f"{type(exc).__name__}: {exc}"))
            self._finish(report, calls_before)
            raise
        self._finish(report, calls_before)
        log.info("run.finished", **report.summary())
        return report

    def _plan_apply_record(
        self,
        report: RunReport,
        planner: Callable[[RunReport], list[SubscriptionPlan]],
        options: RunOptions,
        correlation: str,
        log: Any,
    ) -> None:
        plans = planner(report)
        report.plans = plans
        if report.unknown_keys:
            # Not a failure to retry or dead-letter: there is nothing to bring in line.
            log.info("run.unknown_keys", keys=report.unknown_keys[:20])
        population = max(report.subscriptions, self.store.count_known())
        report.verdict = check(plans, population, self.safety)
        self._count_planned(report)
        outcomes: dict[RecordId, RecordOutcome] = {}
        stopped = report.verdict.tripped and not options.allow_mass_changes
        if stopped:
            log.warning("run.safety_valve", reasons=list(report.verdict.reasons))
        elif not options.dry_run:
            # What each subscription's audit entry will be, kept before anything is written:
            # a crash after the writes cannot lose it (see connector.intents).
            self.store.add_intents(
                intents_for(
                    plans,
                    run_id=report.run_id,
                    correlation_id=correlation,
                    mapping_version=self.mapping_version,
                    at=self.clock(),
                    outcome_of=lambda plan: _outcome(plan, KeyOutcome(), False, False),
                )
            )
            outcomes = apply_plans(plans, self.targets)
        checks = self._verify(plans, outcomes, report) if self.verify_writes else None
        self._record(report, plans, outcomes, options, correlation, stopped, checks)

    def _settle_dead_runs(self, log: Any) -> None:
        """Runs whose process died are shown aborted; what they wrote gets its audit."""
        aborted = self.store.abort_dead_runs(self.clock(), this_host(), pid_alive, RUN_STALE)
        if aborted:
            log.warning("run.aborted_runs_found", runs=aborted)
        settled = settle_orphans(self.store, self.targets, log)
        if settled:
            log.warning("run.intents_settled", entries=settled)

    @contextmanager
    def _beating(self, run_id: str) -> Iterator[None]:
        """Show the run alive while it works (a run that stops beating is taken for dead)."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(RUN_BEAT_SECONDS):
                self.store.beat_run(run_id, self.clock())

        thread = threading.Thread(target=beat, name="run-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=5)

    @contextmanager
    def _claiming(self, options: RunOptions) -> Iterator[None]:
        """Hold the leases of the keys this run plans until it has recorded them."""
        if options.dry_run or not options.claim:
            yield
            return
        with Claims(self.store, self.clock).holding() as claims:
            self._claims = claims
            try:
                yield
            finally:
                self._claims = None

    def _claimed(self, read: SourceRead, report: RunReport) -> SourceRead:
        """The part of a chunk this run holds; the rest is deferred to the queue."""
        if self._claims is None:
            return read
        taken = self._claims.take([*read.found, *read.errors, *sorted(read.missing)])
        if not taken.deferred:
            return read
        report.deferred += len(taken.deferred)
        keep = set(taken.keys)
        return SourceRead(
            {key: sub for key, sub in read.found.items() if key in keep},
            {key: error for key, error in read.errors.items() if key in keep},
            frozenset(key for key in read.missing if key in keep),
        )

    def check_contracts(self, *, force: bool = False) -> None:
        """Compare every mapping with its target's live schema; raise on any mismatch.

        Done at the start of runs, at most every :data:`CONTRACT_TTL_SECONDS` per process, so
        a daemon's workers do not describe the targets before every batch.
        """
        now = time.monotonic()
        if not force and now - self._contract_checked_at < CONTRACT_TTL_SECONDS:
            return
        problems = {
            system: found
            for system, target in self.targets.items()
            if isinstance(target, ContractChecker) and (found := target.describe_contract())
        }
        if problems:
            raise MappingContractError(problems)
        self._contract_checked_at = now

    def _finish(self, report: RunReport, calls_before: dict[str, tuple[int, int]]) -> None:
        for system, (reads, writes) in self._calls().items():
            before = calls_before.get(system, (0, 0))
            cost = report.cost.setdefault(system, SystemCost())
            cost.reads = reads - before[0]
            cost.writes = writes - before[1]
        self.store.finish_run(report.run_id, report.status, report.summary())

    def _calls(self) -> dict[str, tuple[int, int]]:
        counters = {self.source.system: self.source.calls}
        counters.update({system: target.calls for system, target in self.targets.items()})
        return {system: (c.reads, c.writes) for system, c in counters.items()}

    def _tick(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done, self._total)

    # -- planning ----------------------------------------------------------------------

    def _plan_keys(self, keys: Sequence[str], report: RunReport) -> list[SubscriptionPlan]:
        plans: list[SubscriptionPlan] = []
        with self._lanes.opened():
            for start in range(0, len(keys), self.chunk_size):
                chunk = keys[start : start + self.chunk_size]
                if self._claims is not None:
                    taken = self._claims.take(chunk)
                    report.deferred += len(taken.deferred)
                    chunk = taken.keys
                read = self.source.get(chunk) if chunk else SourceRead({})
                plans.extend(self._plan_prepared(self._prepare(read), report))
                self._tick(start + len(chunk))
        return plans

    def _plan_everything(self, report: RunReport) -> list[SubscriptionPlan]:
        # Billing pages, the targets' stamps and the first chunks' target records are all
        # read at once; a chunk waits for a target's stamps only when it needs them.
        scanners = {s: t for s, t in self.targets.items() if isinstance(t, StampScanner)}
        with (
            Prefetch(self.source.scan(), SCAN_READ_AHEAD, "billing-scan") as pages,
            ThreadPoolExecutor(max(1, len(scanners)), thread_name_prefix="stamp-scan") as pool,
        ):
            self._stamp_scans = {
                system: pool.submit(_scan_stamps, target) for system, target in scanners.items()
            }
            try:
                with self._lanes.opened():
                    return self._plan_scanned(pages, report)
            finally:
                self._stamp_scans = {}

    def _plan_scanned(
        self, pages: Iterable[SourcePage], report: RunReport
    ) -> list[SubscriptionPlan]:
        plans: list[SubscriptionPlan] = []
        seen: set[str] = set()
        planned = 0
        # While one chunk is planned, the targets already read the next one.
        pending: _Prepared | None = None
        for read in self._chunks(pages):
            seen.update(read.found, read.errors)
            ready = self._prepare(self._claimed(read, report))
            if pending is not None:
                plans.extend(self._plan_prepared(pending, report))
                planned += pending.size
                self._tick(planned)
            pending = ready
        if pending is not None:
            plans.extend(self._plan_prepared(pending, report))
        vanished = [key for key in self.store.known_keys() if key not in seen]
        if vanished:
            # Confirm each one by key: a scan that silently skipped records must not cancel.
            plans.extend(self._plan_keys(vanished, report))
        self._tick(len(seen) + len(vanished))
        return plans

    def _chunks(self, pages: Iterable[SourcePage]) -> Iterator[SourceRead]:
        """The scanned subscriptions (and unreadable records) in chunks of ``chunk_size``."""
        buffer: dict[str, Subscription] = {}
        errors: dict[str, RecordError] = {}
        for page in pages:
            for sub in page.subscriptions:
                buffer[sub.id] = sub
            for error in page.errors:
                errors[error.key] = error
            if len(buffer) + len(errors) >= self.chunk_size:
                yield SourceRead(buffer, errors)
                buffer, errors = {}, {}
        if buffer or errors:
            yield SourceRead(buffer, errors)

    def _prepare(self, read: SourceRead) -> _Prepared:
        """What planning a chunk needs from the store, and its target reads, started."""
        current = dict(read.found)
        fresh = {key: fingerprint_of(sub) for key, sub in current.items()}
        stored = self.store.load_fingerprints([*current, *read.missing])
        lettered = self.store.open_dead_letters([*current, *read.missing]).keys()
        changed = [k for k in current if fresh[k] != stored.get(k)]
        changed.extend(k for k in read.missing if k in stored)
        previous = self.store.load_canonical(changed)
        present = [*current.values(), *(previous[k] for k in read.missing if k in previous)]
        states = {
            system: self._lanes.submit(system, partial(self._read_target, target, present))
            for system, target in self.targets.items()
        }
        return _Prepared(read, current, fresh, stored, previous, states, frozenset(lettered))

    def _plan_prepared(self, prepared: _Prepared, report: RunReport) -> list[SubscriptionPlan]:
        read, current = prepared.read, prepared.current
        states = {system: future.result() for system, future in prepared.states.items()}
        result = plan_chunk(
            current,
            list(read.missing),
            prepared.fresh,
            prepared.stored,
            prepared.previous,
            states,
            self._history,
            self.policy,
            self.clock(),
            prepared.lettered,
        )
        report.subscriptions += result.seen
        report.unknown_keys.extend(result.unknown)
        report.unchanged += result.unchanged
        for currency, amount in result.mrr_by_currency.items():
            report.mrr_by_currency[currency] = (
                report.mrr_by_currency.get(currency, Decimal(0)) + amount
            )
        plans = result.plans
        for key, error in read.errors.items():
            report.subscriptions += 1
            plans.append(
                SubscriptionPlan(
                    key=key,
                    customer_id=None,
                    current=None,
                    errors={"billing": f"unreadable billing record: {error.reason}"},
                )
            )
        return plans

    def _read_target(self, target: Target, subscriptions: Iterable[Subscription]) -> TargetState:
        """The target's records of these subscriptions, and when they last agreed.

        During a full run, objects covered by the stamp index are not read here at all: their
        stamps decide which subscriptions are settled, and :meth:`_history` reads whole
        records only for the others.
        """
        subs = list(subscriptions)
        index = self._stamps(target.system)
        records: dict[str, dict[str, TargetRecord]] = {}
        agreements: dict[str, dict[str, tuple[str, str]]] = {}
        for obj in target.mapping.ordered():
            record_keys = list(dict.fromkeys(k for k in (obj.key_of(s) for s in subs) if k))
            found: dict[str, TargetRecord] = {}
            stamps = index.get(obj.name)
            if stamps is not None:
                for key in record_keys:
                    entry = stamps.get(key)
                    if entry is not None:
                        found[key] = TargetRecord(key, {}, entry[1], entry[0])
            else:
                found = _read_whole(target, obj.name, record_keys)
            records[obj.name] = found
            agreements[obj.name] = self.store.load_agreements(target.system, obj.name, record_keys)
        return TargetState(target.mapping, records, agreements=agreements)

    def _history(self, system: str, subscriptions: Sequence[Subscription]) -> History:
        """Snapshots, bindings and (after a stamp scan) whole records of the subscriptions
        that need a full diff."""
        target = self.targets[system]
        history = History()
        stamp_only = self._stamps(system)
        for obj in target.mapping.ordered():
            record_keys = list(
                dict.fromkeys(k for k in (obj.key_of(s) for s in subscriptions) if k)
            )
            if not record_keys:
                continue
            history.snapshots[obj.name] = self.store.load_snapshots(system, obj.name, record_keys)
            history.bindings[obj.name] = self.store.load_bindings(system, obj.name, record_keys)
            if obj.name in stamp_only:
                present = [k for k in record_keys if k in stamp_only[obj.name]]
                # On the target's lane: it may be reading the next chunk right now.
                history.records[obj.name] = self._lanes.submit(
                    system, partial(_read_whole, target, obj.name, present)
                ).result()
        return history

    def _stamps(self, system: str) -> StampIndex:
        """The system's stamp index during a full run (waiting for its scan), else empty."""
        scan = self._stamp_scans.get(system)
        return scan.result() if scan is not None else {}

    def _count_planned(self, report: RunReport) -> None:
        writes: dict[tuple[str, str], dict[str, set[str]]] = {}
        for plan in report.plans:
            report.changes.update(kind.value for kind in plan.changes)
            for record in plan.records:
                if record.action is not RecordAction.NOOP:
                    report.actions[f"{record.system}.{record.action.value}"] += 1
                if record.needs_write:
                    ops = writes.setdefault(
                        (record.system, record.object_name), {"create": set(), "update": set()}
                    )
                    ops[record.action.value].add(record.key)
                if record.action is RecordAction.CONFLICT or record.conflicts:
                    report.conflicts += 1
        for (system, object_name), ops in writes.items():
            cost = report.cost.setdefault(system, SystemCost())
            cost.planned_writes += self.targets[system].estimate_write_calls(
                object_name, len(ops["create"]), len(ops["update"])
            )

    # -- read-after-write verification --------------------------------------------------

    def _verify(
        self,
        plans: Sequence[SubscriptionPlan],
        outcomes: Mapping[RecordId, RecordOutcome],
        report: RunReport,
    ) -> Verification:
        """Read back every record written, in batches, and compare it with what was sent."""
        check = Verification()
        written: dict[tuple[str, str], dict[str, RecordPlan]] = {}
        for plan in plans:
            for record in plan.records:
                outcome = outcomes.get((record.system, record.object_name, record.key))
                if record.needs_write and outcome is not None and outcome.ok:
                    written.setdefault((record.system, record.object_name), {})[record.key] = record
        for (system, object_name), records in written.items():
            target = self.targets[system]
            obj = target.mapping.objects[object_name]
            try:
                found = _read_whole(target, object_name, list(records))
            except Exception as exc:  # verification must not undo writes that landed
                self.log.warning(
                    "run.verify_failed",
                    system=system,
                    object=object_name,
                    error=redact_text(str(exc)),
                )
                continue
            for key, record in records.items():
                record_id = (system, object_name, key)
                back = found.get(key)
                if back is None:
                    check.mismatches[record_id] = "not found when read back after the write"
                    continue
                actual = obj.normalise(back.fields)
                differing = [f for f, v in record.synced.items() if actual.get(f) != v]
                if differing:
                    check.mismatches[record_id] = "read back differs: " + "; ".join(
                        f"{f} written {record.synced[f]!r}, reads {actual.get(f)!r}"
                        for f in differing[:5]
                    )
                    continue
                report.verified += 1
                settled = not any(
                    d.resolution in (Resolution.KEEP_TARGET, Resolution.REPORT)
                    for d in record.diffs
                )
                if settled and back.modstamp:
                    check.stamps[record_id] = back.modstamp
        return check

    # -- recording ---------------------------------------------------------------------

    def _record(
        self,
        report: RunReport,
        plans: Sequence[SubscriptionPlan],
        outcomes: Mapping[RecordId, RecordOutcome],
        options: RunOptions,
        correlation: str,
        stopped: bool,
        checks: Verification | None = None,
    ) -> None:
        now = self.clock()
        verified = checks or Verification()
        applying = not options.dry_run and not stopped
        kept = _Kept()
        for plan in plans:
            judged = (
                judge_key(
                    plan, outcomes, verified.mismatches, list(self.targets), self.source.system
                )
                if applying
                else None
            )
            if judged is not None:
                self._keep(plan, judged, outcomes, verified, report, kept)
                kept.letters.extend(_letters(plan, judged, report.run_id, now))
                kept.resolved.append((plan.key, judged.agreed))
                _note_failures(plan.key, judged, report)
            # Billing's new state counts as synced, and its revenue movements as recorded, only
            # once every system took it: a retry computes them again from the same last state.
            synced = judged is not None and not judged.failures and plan.current is not None
            if synced and plan.current is not None:
                kept.canonical.append(plan.current)
            label = _outcome(plan, judged, options.dry_run, stopped)
            if label is not None:
                kept.entries.append(
                    build_entry(
                        plan,
                        outcomes,
                        outcome=label,
                        run_id=report.run_id,
                        correlation_id=correlation,
                        dry_run=options.dry_run,
                        mapping_version=self.mapping_version,
                        at=now,
                        movements=plan.movements if synced else (),
                    )
                )
        report.dead_letters = len(kept.letters)
        for letter in kept.letters:
            known = report.failures.get(letter.key)
            if known is None or (known[2] and not letter.retryable):
                report.failures[letter.key] = (letter.system, letter.reason, letter.retryable)
        self._save(kept, report)

    def _keep(
        self,
        plan: SubscriptionPlan,
        judged: KeyOutcome,
        outcomes: Mapping[RecordId, RecordOutcome],
        verified: Verification,
        report: RunReport,
        kept: _Kept,
    ) -> None:
        """Bindings and snapshots of the records the targets hold as planned; counters."""
        for record in plan.records:
            record_id = (record.system, record.object_name, record.key)
            verdict = judged.verdicts[record_id]
            where = (record.system, record.object_name)
            if verdict is RecordVerdict.FAILED:
                report.applied[f"{record.system}.failed"] += 1
                continue
            if verdict is RecordVerdict.UNVERIFIED:
                report.applied[f"{record.system}.unverified"] += 1
                continue
            outcome = outcomes.get(record_id)
            remote_id = outcome.remote_id if outcome is not None else record.remote_id
            if verdict is RecordVerdict.WRITTEN:
                report.applied[f"{record.system}.ok"] += 1
            if remote_id:
                kept.bindings.setdefault(where, {})[record.key] = remote_id
            if record.needs_write or record.snapshot_stale:
                digest = self.targets[record.system].mapping.digest
                stamp = (
                    verified.stamps.get(record_id) if record.needs_write else record.agreed_modstamp
                )
                kept.snapshots.setdefault(where, {})[record.key] = SnapshotRow(
                    record.synced, stamp, digest
                )

    def _save(self, kept: _Kept, report: RunReport) -> None:
        """Everything a run learnt, in one transaction: a crash keeps all of it or none."""
        with self.store.transaction():
            for (system, object_name), values in kept.snapshots.items():
                self.store.save_snapshots(system, object_name, values)
            for (system, object_name), remote in kept.bindings.items():
                self.store.save_bindings(system, object_name, remote)
            if kept.canonical:
                self.store.save_canonical(kept.canonical)
            if kept.letters:
                self.store.add_dead_letters(kept.letters)
            for key, systems in kept.resolved:
                report.letters_resolved += self.store.resolve_dead_letters(
                    key, systems, report.run_id
                )
            self.audit.record(kept.entries)
            self.store.drop_intents(report.run_id)


@dataclass(slots=True)
class _Kept:
    """What a run hands the store at its end."""

    entries: list[AuditEntry] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    resolved: list[tuple[str, Sequence[str]]] = field(default_factory=list)
    snapshots: dict[tuple[str, str], dict[str, SnapshotRow]] = field(default_factory=dict)
    bindings: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    canonical: list[Subscription] = field(default_factory=list)


def _letters(
    plan: SubscriptionPlan, judged: KeyOutcome, run_id: str, now: dt.datetime
) -> list[DeadLetter]:
    return [
        DeadLetter(
            key=plan.key,
            system=system,
            reason=redact_text("; ".join(failure.reasons)),
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


def _note_failures(key: str, judged: KeyOutcome, report: RunReport) -> None:
    """Every system's failure for the key, for the decision of its outcome."""
    failures = [
        KeyFailure(system, redact_text("; ".join(f.reasons)), f.retryable, f.system_down)
        for system, f in judged.failures.items()
    ]
    if failures:
        report.key_failures[key] = failures
    for failure in failures:
        if failure.system_down:
            report.systems_down.setdefault(failure.system, failure.reason)


def _status(report: RunReport, options: RunOptions) -> RunStatus:
    verdict = report.verdict
    if verdict is not None and verdict.tripped and not options.allow_mass_changes:
        return "stopped_by_safety_valve"
    if report.systems_down:
        # Nothing was dead-lettered for it, but the run did not bring that system in line.
        return "failed"
    return "dead_letters" if report.dead_letters else "clean"


def _outcome(
    plan: SubscriptionPlan, judged: KeyOutcome | None, dry_run: bool, stopped: bool
) -> str | None:
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


def _scan_stamps(target: Target) -> StampIndex:
    """Every record's key and modstamp, per object, from a target that can list them."""
    assert isinstance(target, StampScanner)
    index: StampIndex = {}
    for obj in target.mapping.ordered():
        stamps: dict[str, tuple[str | None, str | None]] = {}
        for page in target.scan_stamps(obj.name):
            stamps.update(page)
        index[obj.name] = stamps
    return index


def _read_whole(target: Target, object_name: str, keys: list[str]) -> dict[str, TargetRecord]:
    """Whole records of these keys, in the target's read batches."""
    whole: dict[str, TargetRecord] = {}
    size = target.read_batch_size(object_name)
    for start in range(0, len(keys), size):
        whole.update(target.read(object_name, keys[start : start + size]))
    return whole


@dataclass(slots=True)
class _Prepared:
    """A chunk ready to plan once its target reads (running on the lanes) are in."""

    read: SourceRead
    current: dict[str, Subscription]
    fresh: dict[str, str]
    stored: dict[str, str]
    previous: dict[str, Subscription]
    states: dict[str, Future[TargetState]]
    lettered: frozenset[str]  # keys with open dead letters: never skipped (see plan_chunk)

    @property
    def size(self) -> int:
        return len(self.read.found) + len(self.read.errors)
