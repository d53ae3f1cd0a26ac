"""A keyed run reads billing and every target at once, guessing the targets' records from the
store, and reads a target again when billing shows records the guess did not cover."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adapters.base import SourceRead
from adapters.memory import MemorySource, MemoryTarget
from connector.records import TargetRecord
from tests.conftest import World
from tests.factories import customer, item, subscription
from tests.reconciler.test_systems_side_by_side import Meeting


class MeetingSource(MemorySource):
    meeting: Meeting | None = None

    def get(self, keys: Sequence[str]) -> SourceRead:
        meeting, self.meeting = self.meeting, None
        if meeting is not None:
            meeting.wait()
        return super().get(keys)


class CountingReads(MemoryTarget):
    meeting: Meeting | None = None
    asked: list[tuple[str, tuple[str, ...]]]

    def read(self, object_name: str, keys: Sequence[str]) -> Mapping[str, TargetRecord]:
        self.asked.append((object_name, tuple(keys)))
        meeting, self.meeting = self.meeting, None  # each target's first read meets
        if meeting is not None:
            meeting.wait()
        return super().read(object_name, keys)


def _instrument(world: World, meeting: Meeting | None) -> None:
    world.source.__class__ = MeetingSource
    world.source.meeting = meeting  # type: ignore[attr-defined]
    for target in (world.crm, world.erp):
        target.__class__ = CountingReads
        target.meeting = meeting  # type: ignore[attr-defined]
        target.asked = []  # type: ignore[attr-defined]


def test_billing_and_targets_are_read_at_once(synced_world: World) -> None:
    world = synced_world
    world.source.put(subscription(3, items=(item("enterprise", 4),)))
    meeting = Meeting(3)  # billing, the CRM and the ERP
    _instrument(world, meeting)
    report = world.reconciler.reconcile(["sub_00003"])
    assert not meeting.broken
    assert report.status == "clean"
    assert report.summary()["applied"] == {"odoo.ok": 1, "salesforce.ok": 1}


def test_a_customer_the_guess_missed_is_read_before_planning(synced_world: World) -> None:
    world = synced_world
    # Billing moved sub 4 to customer 99, whom the store has never seen with it.
    world.source.put(subscription(4, customer=customer(99)))
    _instrument(world, None)
    report = world.reconciler.reconcile(["sub_00004"])
    assert report.status == "clean"
    asked = world.crm.asked  # type: ignore[attr-defined]
    accounts = [keys for name, keys in asked if name == "account"]
    # First the guessed customer with the subscription, then billing's, before any write.
    assert accounts[0] == ("cus_00004",)
    assert "cus_00099" in accounts[1]
    assert world.crm.dump()["subscription"]["sub_00004"]["fields"]["Account__c"] == {
        "ref": "account",
        "key": "cus_00099",
    }
