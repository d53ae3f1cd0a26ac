"""Full runs read the next chunk while planning the current one, one call at a time per target."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import pytest

from adapters.memory import MemoryTarget
from connector.errors import RetryableAdapterError
from connector.mapping import CompiledMapping
from connector.reconciler import Reconciler
from connector.records import CallCounter, TargetRecord, WriteRequest, WriteResult
from tests.conftest import World


class WatchedTarget:
    """A target that cannot list stamps (as Odoo), counting calls that overlap on it and
    able to fail its n-th read."""

    def __init__(self, inner: MemoryTarget, fail_on_read: int | None = None) -> None:
        self.inner = inner
        self._busy = 0
        self._guard = threading.Lock()
        self.overlaps = 0
        self.reads = 0
        self.threads: set[str] = set()
        self.fail_on_read = fail_on_read

    @property
    def system(self) -> str:
        return self.inner.system

    @property
    def mapping(self) -> CompiledMapping:
        return self.inner.mapping

    @property
    def calls(self) -> CallCounter:
        return self.inner.calls

    def read_batch_size(self, object_name: str) -> int:
        return 5

    def write_batch_size(self, object_name: str) -> int:
        return self.inner.write_batch_size(object_name)

    def estimate_write_calls(self, object_name: str, creates: int, updates: int) -> int:
        return self.inner.estimate_write_calls(object_name, creates, updates)

    def read(self, object_name: str, keys: Sequence[str]) -> Mapping[str, TargetRecord]:
        with self._watch():
            self.reads += 1
            if self.reads == self.fail_on_read:
                raise RetryableAdapterError(self.system, "the ERP went away mid-run")
            return self.inner.read(object_name, keys)

    def write(self, object_name: str, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        with self._watch():
            return self.inner.write(object_name, requests)

    @contextmanager
    def _watch(self) -> Iterator[None]:
        with self._guard:
            self._busy += 1
            self.overlaps += self._busy > 1
            self.threads.add(threading.current_thread().name)
        try:
            time.sleep(0.002)  # long enough for another thread to come in, if it could
            yield
        finally:
            with self._guard:
                self._busy -= 1


def _rewire(world: World, fail_on_read: int | None = None) -> tuple[Reconciler, WatchedTarget]:
    crm = world.crm
    erp = WatchedTarget(world.erp, fail_on_read)
    reconciler = Reconciler(world.source, [crm, erp], world.store, chunk_size=7)
    return reconciler, erp


def test_chunks_are_read_ahead_without_overlapping_calls_on_a_target(world: World) -> None:
    reconciler, erp = _rewire(world)
    first = reconciler.reconcile_all()
    assert first.status == "clean"
    second = reconciler.reconcile_all()
    assert second.status == "clean"
    assert second.subscriptions == 40
    assert second.unchanged == 40
    assert erp.reads >= 12  # 6 chunks of at most 7 subscriptions, 2 objects, batches of 5
    assert erp.overlaps == 0
    assert any(name.startswith(f"{erp.system}-lane") for name in erp.threads)
    # The lanes' threads are kept for the next run, not made anew: runs add none.
    lanes = _lane_threads()
    assert reconciler.reconcile_all().status == "clean"
    assert _lane_threads() <= lanes  # (other worlds' lanes may end meanwhile)


def _lane_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "-lane" in t.name}


def test_a_target_failing_on_a_later_chunk_fails_the_run_and_leaves_no_call_behind(
    world: World,
) -> None:
    reconciler, _ = _rewire(world, fail_on_read=5)
    with pytest.raises(RetryableAdapterError, match="went away"):
        reconciler.reconcile_all()
    # Nothing is left running or queued on the lanes: the next run starts clean.
    assert reconciler.reader.lanes.idle
