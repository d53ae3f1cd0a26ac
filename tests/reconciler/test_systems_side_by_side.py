"""A run writes and reads back the CRM and the ERP at the same time, not one after the other."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from adapters.memory import MemoryTarget
from connector import reconciler as reconciler_module
from connector.records import TargetRecord, WriteRequest, WriteResult
from tests.conftest import World
from tests.factories import item, subscription


class Meeting:
    """Every target's call must be in flight at once, or the barrier breaks."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=10)
        self.broken = False

    def wait(self) -> None:
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            self.broken = True
            raise


class MeetingWrites(MemoryTarget):
    meeting: Meeting

    def write(self, object_name: str, requests: Sequence[WriteRequest]) -> Sequence[WriteResult]:
        self.meeting.wait()
        return super().write(object_name, requests)


class MeetingReads(MemoryTarget):
    meeting: Meeting | None = None

    def read(self, object_name: str, keys: Sequence[str]) -> Mapping[str, TargetRecord]:
        if self.meeting is not None:
            self.meeting.wait()
        return super().read(object_name, keys)


def _swap(world: World, cls: type[MemoryTarget]) -> None:
    for target in (world.crm, world.erp):
        target.__class__ = cls
    world.reconciler.targets = {t.system: t for t in (world.crm, world.erp)}


def test_systems_are_written_side_by_side(synced_world: World) -> None:
    world = synced_world
    _swap(world, MeetingWrites)
    meeting = Meeting(2)
    # Each object of both systems is written once: the CRM's and the ERP's first batches
    # meet, then their second ones; one system after the other would break the barrier.
    for target in (world.crm, world.erp):
        target.meeting = meeting  # type: ignore[attr-defined]
    world.source.put(subscription(1, items=(item("enterprise", 9),)))
    report = world.reconciler.reconcile(["sub_00001"])
    assert not meeting.broken
    assert report.status == "clean"
    assert report.summary()["applied"] == {"odoo.ok": 1, "salesforce.ok": 1}


def test_written_records_are_read_back_side_by_side(
    synced_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = synced_world
    _swap(world, MeetingReads)
    world.source.put(subscription(1, items=(item("enterprise", 9),)))
    meeting = Meeting(2)
    original = getattr(reconciler_module, "read_back")  # noqa: B009 - patched, not exported

    def meeting_read_back(*args: Any, **kwargs: Any) -> Any:
        # Planning's reads went alone; the read-back's must meet.
        for target in (world.crm, world.erp):
            target.meeting = meeting  # type: ignore[attr-defined]
        return original(*args, **kwargs)

    monkeypatch.setattr(reconciler_module, "read_back", meeting_read_back)
    report = world.reconciler.reconcile(["sub_00001"])
    assert not meeting.broken
    assert report.verified == 2
