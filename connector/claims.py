"""The leases a run holds outside the queue, so that only the holder of a key writes it.

A queue worker is handed its keys already leased. A run started any other way (``connector
reconcile``, the nightly job) reads billing in bulk, so it claims each chunk's keys in the
queue's table as it plans them and holds them until it has written and recorded them:

- a key another worker holds, or one already queued, is not claimed: it is *deferred*, left
  to (or queued again for) the queue, where it is worked from fresh reads;
- a key audited since the run started was written by someone else after the run may have read
  billing: the run's values could be older, so that key is deferred too (given back, queued);
- at the end every claim is given back; a key asked for meanwhile (a webhook) is queued again.

The audit mark is the highest audit id when the run starts. A writer finishes recording its
audit before it gives its lease back, so any write the run must not overwrite is committed,
with a higher id, before the run can claim that key. (On PostgreSQL an id can be taken by a
transaction still in flight when the mark is read, and commit later below the mark; such a
writer was already past its own billing read when this run started, so this run's read is
no older than its write: not the lost update this guards against.)
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from connector.store import StateStore

DEFAULT_LEASE_SECONDS = 60.0
RENEW_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Claimed:
    keys: list[str]  # held by this run and fresh: plan and write them
    deferred: list[str]  # left to the queue


@dataclass
class Claims:
    store: StateStore
    clock: Callable[[], dt.datetime]
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    owner: str = field(default_factory=lambda: f"run:{uuid.uuid4().hex[:12]}")
    held: set[str] = field(default_factory=set)
    deferred: set[str] = field(default_factory=set)  # left to the queue by this run
    mark: int = 0

    def start(self) -> None:
        self.mark = self.store.audit_mark()

    def take(self, keys: Sequence[str]) -> Claimed:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return Claimed([], [])
        now = self.clock()
        got = self.store.claim(wanted, self.owner, now, self.lease_seconds)
        stale = self.store.audited_since(self.mark, sorted(got)) if got else set()
        if stale:
            # Given back queued (not just dropped): the queue redoes them from fresh reads.
            self.store.enqueue(sorted(stale), "deferred by a run", now)
            self.store.release_claims(sorted(stale), self.owner, now)
        others = [key for key in wanted if key not in got]
        if others:
            self.store.enqueue(others, "deferred by a run", now)
        fresh = [key for key in wanted if key in got and key not in stale]
        self.held.update(fresh)
        left = [key for key in wanted if key not in got or key in stale]
        self.deferred.update(left)
        return Claimed(fresh, left)

    def renew(self) -> None:
        keys = sorted(self.held)
        now = self.clock()
        for start in range(0, len(keys), RENEW_CHUNK):
            chunk = keys[start : start + RENEW_CHUNK]
            self.store.extend_leases(chunk, self.owner, now, self.lease_seconds)

    def give_back(self, keys: Sequence[str]) -> None:
        """Keys the run is done with before its end: their leases go back now."""
        done = [key for key in keys if key in self.held]
        if done:
            self.store.release_claims(done, self.owner, self.clock())
            self.held.difference_update(done)

    def release(self) -> None:
        if self.held:
            self.store.release_claims(sorted(self.held), self.owner, self.clock())
            self.held.clear()

    @contextmanager
    def holding(self) -> Iterator[Claims]:
        """Renew the claims while the run works, and give them all back at its end."""
        self.start()
        done = threading.Event()
        interval = max(1.0, self.lease_seconds / 3)

        def beat() -> None:
            while not done.wait(interval):
                self.renew()

        thread = threading.Thread(target=beat, name="claims-heartbeat", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            done.set()
            thread.join(timeout=5)
            self.release()
