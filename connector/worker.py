"""A worker: takes subscription keys from the queue and reconciles them.

Failures are sorted by the reconciler's per-key verdicts: a key a target refused for good
(validation) is done, and waits in the dead letters for an operator; a key that hit a
transient failure goes back on the queue with a backoff; a whole batch that failed (a system
down) goes back too. The special key :data:`SWEEP_KEY` runs a full reconciliation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext

from connector.crew import Crew
from connector.errors import FatalAdapterError
from connector.logs import get_logger
from connector.metrics import Metrics
from connector.outcome import Decision, Outcome
from connector.pauses import SystemPauses
from connector.queue import WorkQueue
from connector.reconciler import Reconciler, RunOptions
from connector.redaction import redact_text
from connector.report import SystemCost
from connector.store.queue_rows import WorkItem
from connector.ticker import TICKER

SWEEP_KEY = "__sweep__"
DEFAULT_BATCH = 50
DEFAULT_IDLE_SECONDS = 0.5
MAX_IDLE_BACKOFF = 30.0


class Doorbell:
    """Wakes idle workers of this process when keys were just queued (by its webhook
    receiver), so a key waits for a worker milliseconds rather than an idle interval. Keys
    queued by other processes are still found by the idle poll."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def ring(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)
        self._event.clear()


class Worker:
    def __init__(
        self,
        name: str,
        queue: WorkQueue,
        reconciler: Reconciler,
        *,
        batch: int = DEFAULT_BATCH,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        metrics: Metrics | None = None,
        stop: threading.Event | None = None,
        doorbell: Doorbell | None = None,
        pauses: SystemPauses | None = None,
        crew: Crew | None = None,
    ) -> None:
        self.name = name
        self.queue = queue
        self.reconciler = reconciler
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.metrics = metrics or Metrics()
        self.stop = stop or threading.Event()
        self.doorbell = doorbell
        self.pauses = pauses or SystemPauses(queue.store, queue.clock)
        self.crew = crew  # the process's workers: this one takes a fair share of ready keys
        self.log = get_logger("connector.worker").bind(worker=name)

    def run(self) -> None:
        """Work until asked to stop; a batch in progress is always finished first."""
        self.log.info("worker.started")
        failures = 0
        while not self.stop.is_set():
            try:
                worked = self.run_once()
                failures = 0
            except Exception as exc:  # the store is unreachable: wait, then try again
                failures += 1
                delay = min(MAX_IDLE_BACKOFF, self.idle_seconds * 2**failures)
                self.log.warning(
                    "worker.queue_unavailable",
                    error=redact_text(f"{type(exc).__name__}: {exc}"),
                    retry_in=delay,
                )
                self.stop.wait(delay)
                continue
            if worked == 0:
                if self.doorbell is not None:
                    self.doorbell.wait(self.idle_seconds)
                else:
                    self.stop.wait(self.idle_seconds)
        self.log.info("worker.stopped")

    def run_once(self) -> int:
        if self.pauses.wait_seconds() > 0:
            return 0  # a system is down: no work until its pause ends
        limit = self.batch
        if self.crew is not None:
            ready = self.queue.ready()
            if ready == 0:
                return 0
            limit = self.crew.share(ready, self.batch)
            if limit == 0:
                return 0  # enough workers run for this queue; woken again by the doorbell
        items = self.queue.take(self.name, limit)
        if not items:
            return 0
        with self.crew.working() if self.crew is not None else nullcontext():
            sweeps = [item for item in items if item.key == SWEEP_KEY]
            keyed = [item for item in items if item.key != SWEEP_KEY]
            if keyed:
                self._reconcile(keyed)
            for sweep in sweeps:
                self._sweep(sweep)
        return len(items)

    @contextmanager
    def _heartbeat(self, keys: Sequence[str]) -> Iterator[None]:
        """Keep the leases of a long batch alive while it runs."""
        interval = max(1.0, self.queue.policy.lease_seconds / 3)
        with TICKER.every(interval, lambda: self.queue.heartbeat(self.name, keys)):
            yield

    def _reconcile(self, items: Sequence[WorkItem]) -> None:
        keys = [item.key for item in items]
        # The keys are this worker's leases already.
        options = RunOptions(kind="queue", correlation_id=f"{self.name}:{keys[0]}", claim=False)
        try:
            with self._heartbeat(keys), self.metrics.run_duration.labels(kind="queue").time():
                report = self.reconciler.reconcile(keys, options)
        except Exception as exc:
            self._batch_failed(items, exc)
            return
        self._count_calls(report.cost)
        if report.status == "stopped_by_safety_valve":
            reason = "; ".join(report.verdict.reasons if report.verdict else ())
            self.log.error("worker.safety_valve", keys=len(keys), reasons=reason)
            for item in items:
                self.queue.failed(item, f"safety valve: {reason}", retryable=True)
                self.metrics.reconciles.labels(outcome="safety_valve").inc()
            return
        pauses: dict[str, float] = {}
        for item in items:
            self._settle(item, report.decision(item.key), pauses)
        if not pauses:
            self.pauses.resume_all()

    def _settle(self, item: WorkItem, decision: Decision, pauses: dict[str, float]) -> None:
        """Carry out the decision of connector.outcome for one key."""
        if decision.outcome is Outcome.SYSTEM_DOWN:
            system = decision.system or "connector"
            if system not in pauses:
                pauses[system] = self.pauses.pause(system, decision.reason)
                self.log.error("worker.system_down", system=system, reason=decision.reason)
            self.queue.postpone(item, decision.reason, pauses[system])
        elif decision.outcome is Outcome.RETRY:
            system = decision.system or "connector"
            self.queue.failed(item, decision.reason, retryable=True, system=system)
        else:
            self.queue.done(item)
        label = {Outcome.DONE: "ok", Outcome.TERMINAL: "dead_letter"}.get(
            decision.outcome, decision.outcome.value
        )
        self.metrics.reconciles.labels(outcome=label).inc()

    def _batch_failed(self, items: Sequence[WorkItem], exc: Exception) -> None:
        """The run itself failed: a system that cannot be used is paused and the keys wait
        without spending an attempt; anything else is retried."""
        system = str(getattr(exc, "system", "connector"))
        reason = redact_text(f"{type(exc).__name__}: {exc}")
        self.log.warning("worker.batch_failed", keys=len(items), system=system, error=reason)
        self.metrics.api_errors.labels(system=system).inc()
        down = isinstance(exc, FatalAdapterError)
        decision = Decision(Outcome.SYSTEM_DOWN if down else Outcome.RETRY, system, reason)
        pauses: dict[str, float] = {}
        for item in items:
            self._settle(item, decision, pauses)

    def _sweep(self, item: WorkItem) -> None:
        """A full scan that only enqueues: a read-only planning pass over every subscription
        (billing's and those it no longer has), then the keys with something to do go to
        the queue, where workers apply each under its lease from fresh reads. So a sweep
        never overwrites what a worker applied meanwhile, and its safety valve still stops
        a mass change before anything is written."""
        self.log.info("worker.sweep_started")
        try:
            with (
                self._heartbeat([item.key]),
                self.metrics.run_duration.labels(kind="sweep").time(),
            ):
                report = self.reconciler.reconcile_all(RunOptions(kind="sweep", dry_run=True))
        except Exception as exc:
            self.queue.failed(item, redact_text(f"{type(exc).__name__}: {exc}"))
            return
        self._count_calls(report.cost)
        if report.status == "stopped_by_safety_valve":
            reasons = "; ".join(report.verdict.reasons if report.verdict else ())
            self.log.error("worker.sweep_safety_valve", reasons=reasons)
            self.metrics.reconciles.labels(outcome="safety_valve").inc()
            self.queue.done(item)
            return
        keys = sorted({plan.key for plan in report.plans})
        if keys:
            self.queue.add(keys, "sweep")
        self.queue.done(item)
        self.log.info("worker.sweep_finished", status=report.status, queued=len(keys))

    def _count_calls(self, cost: Mapping[str, SystemCost]) -> None:
        for system, spent in cost.items():
            if spent.reads:
                self.metrics.api_calls.labels(system=system, kind="read").inc(spent.reads)
            if spent.writes:
                self.metrics.api_calls.labels(system=system, kind="write").inc(spent.writes)
