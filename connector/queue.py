"""The durable work queue every trigger feeds and every worker drains.

Semantics of a controller work queue, kept in the state store so that nothing queued is lost
across restarts and several processes can share it:

- a key queued many times before a worker takes it is reconciled once;
- a key is held by one worker at a time (a lease); a key queued again while held is worked
  again after the holder is done;
- a failed key comes back after a capped exponential backoff, and after ``max_attempts``
  failures goes to the dead-letter list with its last error;
- a crashed worker's lease expires and the key is taken again (that counts as an attempt,
  so a key that crashes workers ends as a dead letter instead of looping).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connector.redaction import redact_text
from connector.store import DeadLetter, StateStore, utcnow
from connector.store.queue_rows import QueueStats, WorkItem

DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_BACKOFF_BASE = 2.0
DEFAULT_BACKOFF_CAP = 900.0


@dataclass(frozen=True)
class QueuePolicy:
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_cap: float = DEFAULT_BACKOFF_CAP

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Delay before the next try after ``failures`` failures: exponential, jittered."""
        ceiling = min(self.backoff_cap, self.backoff_base * float(2 ** (failures - 1)))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class WorkQueue:
    def __init__(
        self,
        store: StateStore,
        policy: QueuePolicy | None = None,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.policy = policy or QueuePolicy()
        self.clock = clock
        self._rng = rng or random.Random()

    def add(self, keys: Sequence[str], reason: str) -> None:
        self.store.enqueue(keys, reason, self.clock())

    def ready(self) -> int:
        """How many keys a worker could take now."""
        return self.store.ready_count(self.clock())

    def take(self, worker: str, limit: int = 1) -> list[WorkItem]:
        return self.store.lease(worker, limit, self.clock(), self.policy.lease_seconds)

    def heartbeat(self, worker: str, keys: Sequence[str]) -> int:
        return self.store.extend_leases(keys, worker, self.clock(), self.policy.lease_seconds)

    def done(self, item: WorkItem) -> bool:
        return self.store.complete(item.key, item.lease_owner, self.clock())

    def postpone(self, item: WorkItem, reason: str, delay: float) -> bool:
        """Back to the queue after ``delay`` without spending an attempt: not the key's
        failure but its system's (see connector.outcome)."""
        now = self.clock()
        until = now + dt.timedelta(seconds=delay)
        return self.store.postpone(item.key, item.lease_owner, redact_text(reason), until, now)

    def give_back(self, item: WorkItem) -> bool:
        return self.store.release(item.key, item.lease_owner, self.clock())

    def failed(
        self, item: WorkItem, error: str, *, retryable: bool = True, system: str = "connector"
    ) -> bool:
        """Record a failure; return True if the key went to the dead-letter list."""
        now = self.clock()
        reason = redact_text(error)
        failures = item.attempts + 1
        if retryable and failures < self.policy.max_attempts:
            delay = self.policy.backoff(failures, self._rng)
            self.store.retry_later(
                item.key, item.lease_owner, reason, now + dt.timedelta(seconds=delay), now
            )
            return False
        with self.store.transaction():
            if not self.store.remove_from_queue(item.key, item.lease_owner):
                return False
            self.store.add_dead_letters(
                [
                    DeadLetter(
                        key=item.key,
                        system=system,
                        reason=reason,
                        error_code="RETRIES_EXHAUSTED" if retryable else "FAILED",
                        retryable=retryable,
                        run_id=f"queue:{item.lease_owner}",
                        payload={"attempts": failures, "reason_queued": item.reason},
                        created_at=now,
                        updated_at=now,
                    )
                ]
            )
        return True

    def stats(self) -> QueueStats:
        return self.store.queue_stats(self.clock())
