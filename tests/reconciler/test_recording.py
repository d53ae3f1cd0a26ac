"""What a run records, computed without a store: connector.recording.what_to_record."""

from __future__ import annotations

import datetime as dt

from connector.apply import RecordOutcome
from connector.planner import ChangeKind, RecordAction, RecordPlan, SubscriptionPlan
from connector.read_back import Verification
from connector.recording import RunFacts, what_to_record
from connector.records import WriteError
from connector.report import RunReport

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
RECORD_ID = ("crm", "subscription", "sub_1")


def _facts(*, dry_run: bool = False, stopped: bool = False) -> RunFacts:
    return RunFacts(
        run_id="run_1",
        correlation_id="corr_1",
        mapping_version="crm:abc",
        at=AT,
        dry_run=dry_run,
        stopped=stopped,
        source_system="stripe",
        digests={"crm": "abc"},
    )


def _plan() -> SubscriptionPlan:
    record = RecordPlan(
        system="crm",
        object_name="subscription",
        key="sub_1",
        action=RecordAction.UPDATE,
        writes={"Quantity": 9},
        diffs=(),
        synced={"Quantity": 9},
        remote_id="a01",
    )
    return SubscriptionPlan(
        key="sub_1",
        customer_id="cus_1",
        current=None,
        changes=(ChangeKind.UPGRADED,),
        records=[record],
    )


def test_a_dry_run_records_a_planned_entry_and_nothing_else() -> None:
    """A dry run audits what it would do and keeps no snapshot, binding or letter."""
    kept = what_to_record([_plan()], {}, None, facts=_facts(dry_run=True))
    assert [entry.outcome for entry in kept.entries] == ["planned"]
    assert (kept.letters, kept.snapshots, kept.bindings, kept.resolved) == ([], {}, {}, [])


def test_a_refused_write_files_a_letter_and_counts_a_failure() -> None:
    """A record the target refused gives a dead letter, a failed count and a failed entry."""
    refused = RecordOutcome(False, error=WriteError("INVALID", "bad quantity", retryable=False))
    kept = what_to_record([_plan()], {RECORD_ID: refused}, Verification(), facts=_facts())
    (letter,) = kept.letters
    assert (letter.key, letter.system, letter.error_code, letter.retryable) == (
        "sub_1",
        "crm",
        "INVALID",
        False,
    )
    assert kept.applied == {"crm.failed": 1}
    assert [entry.outcome for entry in kept.entries] == ["failed"]
    assert kept.snapshots == {}


def test_a_verified_write_keeps_its_binding_and_the_stamp_read_back() -> None:
    """A write read back as sent keeps its binding and a snapshot stamped as read back."""
    written = RecordOutcome(True, remote_id="a01")
    check = Verification(stamps={RECORD_ID: "2026-03-01T00:00:00Z"}, verified=1)
    kept = what_to_record([_plan()], {RECORD_ID: written}, check, facts=_facts())
    assert kept.bindings == {("crm", "subscription"): {"sub_1": "a01"}}
    row = kept.snapshots[("crm", "subscription")]["sub_1"]
    assert (row.fields, row.agreed_modstamp, row.mapping) == (
        {"Quantity": 9},
        "2026-03-01T00:00:00Z",
        "abc",
    )
    assert kept.letters == []
    report = RunReport("run_1", "reconcile", dry_run=False)
    kept.count_into(report)
    assert (report.verified, report.applied["crm.ok"], report.dead_letters) == (1, 1, 0)
