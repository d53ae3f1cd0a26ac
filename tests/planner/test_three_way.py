"""The three-way field decision table (see connector.planner.three_way)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.mapping import CompiledObject, compile_mapping
from connector.planner import DiffReason, RecordAction, RecordPlan, Resolution, plan_record
from connector.records import FieldValues

MAPPING = """\
version: 1
system: crm
role: crm
objects:
  subscription:
    target: S
    key: {field: K, source: id}
    fields:
      - {target: Plan, source: plan_code}
      - {target: Mrr, source: mrr, drift: overwrite}
      - {target: Note, source: metadata.note, drift: report}
      - {target: Owner, source: metadata.owner, drift: accept}
      - {target: Name, source: customer.name, owner: target}
"""


@pytest.fixture(scope="module")
def obj(tmp_path_factory: pytest.TempPathFactory) -> CompiledObject:
    path: Path = tmp_path_factory.mktemp("m") / "crm.yaml"
    path.write_text(MAPPING)
    return compile_mapping(path).objects["subscription"]


BASE: FieldValues = {"Plan": "pro", "Mrr": "99", "Note": "n1", "Owner": "ann", "Name": "Acme"}


def _plan(
    obj: CompiledObject, desired: FieldValues, actual: FieldValues | None, last: FieldValues | None
) -> RecordPlan:
    return plan_record(
        system="crm", obj=obj, key="sub_1", desired=desired, actual=actual, last=last
    )


def test_missing_record_is_created_with_every_field(obj: CompiledObject) -> None:
    """No target record: create it, target-owned fields included as initial values."""
    plan = _plan(obj, BASE, None, None)
    assert plan.action is RecordAction.CREATE
    assert plan.writes == BASE
    assert plan.synced == BASE


def test_equal_everywhere_is_a_noop(obj: CompiledObject) -> None:
    """Nothing to do when target and billing agree and the snapshot is current."""
    plan = _plan(obj, BASE, dict(BASE), dict(BASE))
    assert plan.action is RecordAction.NOOP
    assert not plan.snapshot_stale


def test_billing_change_is_written(obj: CompiledObject) -> None:
    """Billing changed, target untouched: write only the changed field."""
    plan = _plan(obj, {**BASE, "Plan": "enterprise"}, dict(BASE), dict(BASE))
    assert plan.action is RecordAction.UPDATE
    assert plan.writes == {"Plan": "enterprise"}
    (diff,) = plan.diffs
    assert (diff.reason, diff.resolution) == (DiffReason.SOURCE_CHANGED, Resolution.WRITE)


def test_drift_overwrite_puts_billing_value_back(obj: CompiledObject) -> None:
    """Someone edited an overwrite field in the target: it is corrected."""
    plan = _plan(obj, BASE, {**BASE, "Mrr": "1"}, dict(BASE))
    assert plan.writes == {"Mrr": "99"}
    assert plan.diffs[0].reason is DiffReason.DRIFT


def test_drift_report_is_left_alone_and_reported(obj: CompiledObject) -> None:
    """A report-only field is not written; the record is a reported conflict."""
    plan = _plan(obj, BASE, {**BASE, "Note": "edited"}, dict(BASE))
    assert plan.action is RecordAction.CONFLICT
    assert plan.writes == {}
    assert plan.diffs[0].resolution is Resolution.REPORT
    assert plan.synced["Note"] == "n1"  # still reported next time


def test_drift_accept_adopts_the_target_value(obj: CompiledObject) -> None:
    """An accept field keeps the edit and makes it the synced value."""
    plan = _plan(obj, BASE, {**BASE, "Owner": "bob"}, dict(BASE))
    assert plan.action is RecordAction.NOOP
    assert plan.synced["Owner"] == "bob"
    assert plan.snapshot_stale


def test_conflict_owner_billing_wins(obj: CompiledObject) -> None:
    """Both changed a billing-owned overwrite field: billing wins, audited as a conflict."""
    plan = _plan(obj, {**BASE, "Mrr": "120"}, {**BASE, "Mrr": "1"}, dict(BASE))
    assert plan.writes == {"Mrr": "120"}
    (diff,) = plan.conflicts
    assert (diff.before, diff.after, diff.last_synced) == ("1", "120", "99")
    assert diff.resolution is Resolution.WRITE


def test_conflict_on_report_field_waits_for_a_person(obj: CompiledObject) -> None:
    """Both changed a report field: nothing is written, the conflict is reported."""
    plan = _plan(obj, {**BASE, "Note": "n2"}, {**BASE, "Note": "edited"}, dict(BASE))
    assert plan.action is RecordAction.CONFLICT
    assert plan.conflicts[0].resolution is Resolution.REPORT


def test_target_owned_field_keeps_the_target_value(obj: CompiledObject) -> None:
    """A field the CRM owns is never overwritten, even when billing changes it."""
    plan = _plan(
        obj, {**BASE, "Name": "Acme GmbH"}, {**BASE, "Name": "ACME (key acct)"}, dict(BASE)
    )
    assert plan.action is RecordAction.NOOP
    assert plan.synced["Name"] == "ACME (key acct)"
    assert plan.diffs[0].reason is DiffReason.TARGET_OWNED


def test_first_sight_of_an_existing_record_follows_the_drift_policy(obj: CompiledObject) -> None:
    """No snapshot yet: differences are drift, resolved per field policy."""
    plan = _plan(obj, BASE, {**BASE, "Mrr": "5", "Note": "x"}, None)
    assert plan.writes == {"Mrr": "99"}
    assert {d.field: d.resolution for d in plan.diffs} == {
        "Mrr": Resolution.WRITE,
        "Note": Resolution.REPORT,
    }
