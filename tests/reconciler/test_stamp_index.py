"""A full run's stamp index: dictionaries up to a bound, a scratch file beyond it."""

from __future__ import annotations

from connector.reconciler import RunOptions
from connector.stamp_index import StampIndex
from tests.conftest import World


def _filled(in_memory: int | None) -> StampIndex:
    index = StampIndex(in_memory)
    index.scanned("account")
    index.scanned("empty")
    for start in range(0, 50, 10):
        index.add(
            "account",
            {f"cus_{n}": (f"2026-12-0{n % 9 + 1}", f"001{n}") for n in range(start, start + 10)},
        )
    index.add("subscription", {"sub_1": (None, "a0X1")})
    return index


def test_on_disk_the_index_answers_as_in_memory() -> None:
    wanted = ["cus_3", "cus_49", "cus_77", "cus_3", "sub_1"]
    memory, disk = _filled(None), _filled(in_memory=7)
    assert not memory.on_disk
    assert disk.on_disk
    for name in ("account", "subscription", "empty", "never"):
        assert disk.covers(name) == memory.covers(name)
        assert disk.lookup(name, wanted) == memory.lookup(name, wanted)
    assert disk.lookup("account", ["cus_49"]) == {"cus_49": ("2026-12-05", "00149")}
    assert not disk.covers("never")
    disk.close()
    memory.close()


def test_closing_the_index_removes_its_file() -> None:
    index = _filled(in_memory=7)
    assert index._scratch is not None
    scratch = index._scratch.path
    assert scratch.exists()
    index.close()
    assert not scratch.parent.exists()


def test_a_full_run_with_its_stamps_on_disk_repairs_drift_as_in_memory(world: World) -> None:
    world.reconciler.reconcile_all()
    world.reconciler.reader.stamps_in_memory = 5  # two targets of 80 records each
    for key in ("sub_00003", "sub_00017"):
        world.crm.edit("subscription", key, MRR__c="1.00")
    report = world.reconciler.reconcile_all(RunOptions(kind="full"))
    assert report.status == "clean"
    assert report.changes["drift_corrected"] == 2
    again = world.reconciler.reconcile_all(RunOptions(kind="full"))
    assert again.planned_writes == 0
    assert again.unchanged == 40
