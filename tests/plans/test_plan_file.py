"""The saved plan: what it records, and plan files that cannot be applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.plan_basis import ABSENT, observed, target_fingerprint
from connector.plan_file import PlanFileError, read_plan
from connector.planner import RecordAction
from tests.conftest import World
from tests.plans.helpers import saved_plan, set_seats


def test_a_plan_holds_what_it_was_made_from(synced_world: World, tmp_path: Path) -> None:
    """Every record's target fields as planned equal the target's, whatever the diff made of
    them: billing-owned, reported, target-owned, written or kept."""
    world = synced_world
    set_seats(world, "sub_00003", 4)
    world.crm.edit("subscription", "sub_00003", Renewal_Owner__c="ana", MRR__c="3.00")
    world.crm.edit("account", "cus_00003", Name="ACME renamed", Billing_Email__c="x@y.z")
    world.crm.edit("subscription", "sub_00004", Renewal_Owner__c="bo")
    _, report = saved_plan(world, tmp_path / "plan.json")
    seen = 0
    for plan in report.plans:
        for record in plan.records:
            target = world.crm if record.system == "salesforce" else world.erp
            obj = target.mapping.objects[record.object_name]
            found = target.read(record.object_name, [record.key])[record.key]
            actual = obj.normalise(found.fields)
            assert observed(record) == {spec.target: actual.get(spec.target) for spec in obj.fields}
            seen += 1
    assert seen >= 6


def test_a_record_to_create_is_planned_from_its_absence(world: World, tmp_path: Path) -> None:
    document, report = saved_plan(world, tmp_path / "plan.json")
    creates = [r for p in report.plans for r in p.records if r.action is RecordAction.CREATE]
    assert creates
    assert all(target_fingerprint(r) == ABSENT for r in creates)
    assert {r.target_fingerprint for r in document.records} == {ABSENT}
    assert document.write_count == len(creates)


def test_the_plan_file_is_versioned_and_names_its_run(synced_world: World, tmp_path: Path) -> None:
    world = synced_world
    set_seats(world, "sub_00003", 4)
    path = tmp_path / "plan.json"
    _document, report = saved_plan(world, path)
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["format"] == "subsync-plan"
    assert body["version"] == 1
    assert body["run_id"] == report.run_id
    assert body["mapping_version"] == world.reconciler.mapping_version
    (record,) = [
        r for r in body["records"] if r["system"] == "salesforce" and r["action"] != "noop"
    ]
    assert record["writes"]["Quantity__c"] == 4
    assert record["billing_fingerprint"]
    assert record["target_fingerprint"] != ABSENT
    assert path.stat().st_mode & 0o077 == 0  # customer data: its owner's only


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not a plan file"),
        ('{"format": "terraform", "version": 1}', "is not a plan file (format 'terraform')"),
        ('{"format": "subsync-plan", "version": 99}', "format version 99"),
        ('{"format": "subsync-plan", "version": 1, "run_id": "r"}', "planned_at: Field required"),
    ],
)
def test_a_file_that_is_not_an_applicable_plan_says_what_is_wrong(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PlanFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_plan(path)


def test_a_missing_plan_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match=r"cannot read the plan .*missing\.json"):
        read_plan(tmp_path / "missing.json")
