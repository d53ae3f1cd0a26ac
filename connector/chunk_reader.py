"""Reading a run's chunks: billing, the store, and the targets, with the keys' leases.

Everything a chunk's planning needs is read here, and nothing is decided: billing pages are
cut into chunks, the keys this run may write are claimed (see :mod:`connector.claims`), the
store's fingerprints, canonical states and open letters are loaded, and the targets' reads
start on their lanes (see :mod:`connector.lanes`) so that they run while the previous chunk
is planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from adapters.base import Source, SourcePage, SourceRead, StampScanner, Target
from connector.claims import Claims
from connector.lanes import Lanes
from connector.planner import TargetState
from connector.planner.chunk import History
from connector.prefetch import Prefetch
from connector.records import RecordError
from connector.report import RunReport
from connector.schema import Subscription
from connector.stamp_index import STAMPS_IN_MEMORY, StampIndex
from connector.store import StateStore
from connector.store.fingerprint import fingerprint_of
from connector.target_reads import history, scan_stamps, target_state

# Billing pages read ahead of planning during a full run: about one chunk's worth at 100 a page.
SCAN_READ_AHEAD = 64
# Keyed chunks up to this size read the targets while billing answers (see read_keyed).
SIDE_BY_SIDE_KEYS = 500

# A run over named keys scans nothing: every object is read record by record.
_NO_STAMPS = StampIndex()

# system -> its records of the subscriptions guessed from the store, being read
EarlyReads = dict[str, Future[TargetState]]


@dataclass(slots=True)
class PreparedChunk:
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

    def target_states(self) -> dict[str, TargetState]:
        """The targets' states, waiting for the reads still running."""
        return {system: future.result() for system, future in self.states.items()}


class ChunkReader:
    def __init__(
        self, source: Source, targets: Mapping[str, Target], store: StateStore, chunk_size: int
    ) -> None:
        self.source = source
        self.targets = targets
        self.store = store
        self.chunk_size = chunk_size
        self.lanes = Lanes(targets)  # open while planning: one reading thread per target
        # system -> its stamp scan (object -> key -> (modstamp, remote id)); full runs only
        self._stamp_scans: dict[str, Future[StampIndex]] = {}
        self.claims: Claims | None = None  # the leases of the run in progress, if it claims
        self.stamps_in_memory = STAMPS_IN_MEMORY  # see connector.stamp_index

    # -- leases ----------------------------------------------------------------------------

    @contextmanager
    def claiming(self, clock: Callable[[], dt.datetime]) -> Iterator[None]:
        """Hold the leases of the keys this run plans until it has recorded them."""
        with Claims(self.store, clock).holding() as claims:
            self.claims = claims
            try:
                yield
            finally:
                self.claims = None

    def take(self, keys: Sequence[str], report: RunReport) -> Sequence[str]:
        """The keys this run holds; the rest is deferred to the queue."""
        if self.claims is None:
            return keys
        taken = self.claims.take(keys)
        report.deferred += len(taken.deferred)
        return taken.keys

    def give_back(self, keys: Sequence[str]) -> None:
        """Leases of keys this run has written and recorded, given back before it ends."""
        if self.claims is not None and keys:
            self.claims.give_back(keys)

    def claimed(self, read: SourceRead, report: RunReport) -> SourceRead:
        """The part of a chunk this run holds; the rest is deferred to the queue."""
        if self.claims is None:
            return read
        taken = self.claims.take([*read.found, *read.errors, *sorted(read.missing)])
        if not taken.deferred:
            return read
        report.deferred += len(taken.deferred)
        keep = set(taken.keys)
        return SourceRead(
            {key: sub for key, sub in read.found.items() if key in keep},
            {key: error for key, error in read.errors.items() if key in keep},
            frozenset(key for key in read.missing if key in keep),
        )

    # -- billing ---------------------------------------------------------------------------

    def unknown_keys(self, keys: Sequence[str]) -> list[str]:
        """Keys billing does not have and the store never synced nor dead-lettered."""
        held = self.store.load_fingerprints(keys).keys() | self.store.open_dead_letters(keys)
        rest = [key for key in keys if key not in held]
        if not rest:
            return []
        missing = self.source.get(rest).missing
        return [key for key in rest if key in missing]

    def read_keys(self, keys: Sequence[str]) -> SourceRead:
        return self.source.get(keys) if keys else SourceRead({})

    def read_keyed(self, keys: Sequence[str]) -> PreparedChunk:
        """Billing's subscriptions of these keys and the targets' records, read side by side.

        The targets' records of a subscription are named by its canonical state (a customer's
        key, say), which billing has not answered yet: the state the store kept from the last
        run stands in for it, so every target is read while billing answers. What billing
        then shows is checked against that guess; a target whose records it does not cover
        (a new subscription, a new customer) is read again for what billing says.
        """
        if not keys or len(keys) > SIDE_BY_SIDE_KEYS:
            return self.prepare(self.read_keys(keys))
        guess = self.store.load_canonical(keys)
        early: EarlyReads = {}
        if guess:
            guessed = list(guess.values())
            early = {
                system: self.lanes.submit(system, partial(self.read_target, target, guessed))
                for system, target in self.targets.items()
            }
        return self.prepare(self.read_keys(keys), guess, early)

    @contextmanager
    def scanning(self) -> Iterator[Iterable[SourcePage]]:
        """Billing's pages, read ahead, while every target that can scans its stamps.

        Billing pages, the targets' stamps and the first chunks' target records are all read
        at once; a chunk waits for a target's stamps only when it needs them.
        """
        scanners = {s: t for s, t in self.targets.items() if isinstance(t, StampScanner)}
        with (
            Prefetch(self.source.scan(), SCAN_READ_AHEAD, "billing-scan") as pages,
            ThreadPoolExecutor(max(1, len(scanners)), thread_name_prefix="stamp-scan") as pool,
        ):
            self._stamp_scans = {
                system: pool.submit(scan_stamps, target, self.stamps_in_memory)
                for system, target in scanners.items()
            }
            try:
                yield pages
            finally:
                scans, self._stamp_scans = self._stamp_scans, {}
                for scan in scans.values():
                    scan.cancel()
                    if scan.done() and not scan.cancelled() and scan.exception() is None:
                        scan.result().close()

    def chunks(self, pages: Iterable[SourcePage]) -> Iterator[SourceRead]:
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

    # -- the store and the targets ---------------------------------------------------------

    def prepare(
        self,
        read: SourceRead,
        guess: Mapping[str, Subscription] | None = None,
        early: EarlyReads | None = None,
    ) -> PreparedChunk:
        """What planning a chunk needs from the store, and its target reads, started (or
        those started early from ``guess``, the store's canonical states, where they cover
        the chunk)."""
        current = dict(read.found)
        fresh = {key: fingerprint_of(sub) for key, sub in current.items()}
        stored = self.store.load_fingerprints([*current, *read.missing])
        lettered = self.store.open_dead_letters([*current, *read.missing]).keys()
        changed = [k for k in current if fresh[k] != stored.get(k)]
        changed.extend(k for k in read.missing if k in stored)
        known = guess or {}
        previous = {k: known[k] for k in changed if k in known}
        unguessed = [k for k in changed if k not in known]
        if unguessed:
            previous.update(self.store.load_canonical(unguessed))
        present = [*current.values(), *(previous[k] for k in read.missing if k in previous)]
        states: dict[str, Future[TargetState]] = {}
        for system, target in self.targets.items():
            started = (early or {}).get(system)
            if started is not None and _covers(target, known.values(), present):
                states[system] = started
            else:
                states[system] = self.lanes.submit(
                    system, partial(self.read_target, target, present)
                )
        return PreparedChunk(read, current, fresh, stored, previous, states, frozenset(lettered))

    def read_target(self, target: Target, subscriptions: Iterable[Subscription]) -> TargetState:
        """The target's records of these subscriptions (see connector.target_reads)."""
        return target_state(target, subscriptions, self._stamps(target.system), self.store)

    def history(self, system: str, subscriptions: Sequence[Subscription]) -> History:
        """Snapshots, bindings and whole records of the subscriptions that need a full diff."""
        target = self.targets[system]
        return history(target, subscriptions, self._stamps(system), self.store, self.lanes)

    def _stamps(self, system: str) -> StampIndex:
        """The system's stamp index during a full run (waiting for its scan), else empty."""
        scan = self._stamp_scans.get(system)
        return scan.result() if scan is not None else _NO_STAMPS


def _covers(
    target: Target, guessed: Iterable[Subscription], present: Iterable[Subscription]
) -> bool:
    """Whether the records read for ``guessed`` include every record ``present`` names."""
    guessed = list(guessed)
    for obj in target.mapping.ordered():
        read = {obj.key_of(sub) for sub in guessed}
        if any((key := obj.key_of(sub)) and key not in read for sub in present):
            return False
    return True
