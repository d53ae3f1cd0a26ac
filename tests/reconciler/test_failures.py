"""Per-record failures: dead-lettered with the reason, the rest lands, replay fixes it."""

from __future__ import annotations

from connector.exit_codes import ExitCode
from connector.records import WriteError, WriteRequest
from connector.store import AuditQuery
from tests.conftest import World

REJECT = "sub_00013"


def _reject_one(request: WriteRequest) -> WriteError | None:
    if request.key == REJECT:
        return WriteError(
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Plan must be approved by finance",
            fields=("Plan__c",),
        )
    return None


def test_refused_record_is_dead_lettered_while_the_rest_lands(world: World) -> None:
    """One refused record out of a batch is dead-lettered; the other records are written."""
    world.crm.rejecter = _reject_one
    report = world.reconciler.reconcile_all()
    assert report.status == "dead_letters"
    assert report.exit_code is ExitCode.DEAD_LETTERS
    assert len(world.crm.records["subscription"]) == 39
    assert REJECT not in world.crm.records["subscription"]
    assert REJECT in world.erp.records["subscription"]  # the ERP is not held back
    (letter,) = world.store.list_dead_letters()
    assert (letter.key, letter.system) == (REJECT, "salesforce")
    assert letter.error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert "Plan must be approved by finance" in letter.reason
    assert not letter.retryable
    (entry,) = world.store.query_audit(AuditQuery(subscription_id=REJECT))
    assert entry.outcome == "partial"
    failed = entry.detail["targets"]["salesforce"]
    assert any(r.get("result") == "failed" for r in failed)


def test_failed_record_is_retried_and_replayed_after_the_fix(world: World) -> None:
    """Once the cause is fixed, replaying the dead letter lands it and resolves the letter."""
    world.crm.rejecter = _reject_one
    world.reconciler.reconcile_all()
    again = world.reconciler.reconcile_all()
    (letter,) = world.store.list_dead_letters()
    assert letter.attempts == 2  # the same open letter, not a second one
    assert again.planned_writes == 1  # only the refused record is tried again
    world.crm.rejecter = None
    replay = world.reconciler.reconcile([letter.key])
    assert replay.status == "clean"
    assert REJECT in world.crm.records["subscription"]
    assert world.store.list_dead_letters() == []
    (resolved,) = world.store.list_dead_letters(status="resolved")
    assert resolved.resolved_by_run == replay.run_id
    assert world.reconciler.reconcile_all().planned_writes == 0


def test_failed_parent_blocks_only_its_children(world: World) -> None:
    """If an Account is refused, its subscription is not sent; others go on."""
    world.crm.rejecter = lambda r: (
        WriteError("DUPLICATE_VALUE", "duplicate value found: Tax_Id__c")
        if r.object_name == "account" and r.key == "cus_00004"
        else None
    )
    world.reconciler.reconcile_all()
    assert "sub_00004" not in world.crm.records["subscription"]
    assert len(world.crm.records["subscription"]) == 39
    (letter,) = world.store.list_dead_letters()
    assert letter.key == "sub_00004"
    assert "DUPLICATE_VALUE" in letter.reason


def test_whole_batch_failure_is_dead_lettered_as_retryable(world: World) -> None:
    """A call that fails for every record (a network error) dead-letters them as retryable."""

    def broken(*_args: object) -> list[object]:
        raise ConnectionError("connection reset by peer")

    world.erp.write = broken  # type: ignore[method-assign,assignment]
    report = world.reconciler.reconcile_all()
    letters = world.store.list_dead_letters(limit=1000)
    assert len(letters) == 40
    assert all(letter.system == "odoo" and letter.retryable for letter in letters)
    assert len(world.crm.records["subscription"]) == 40
    assert report.status == "dead_letters"


def test_unreadable_billing_record_is_dead_lettered_with_its_reason(world: World) -> None:
    """Bad source data names the record and the field; the rest of the run goes on."""
    world.source.put({"id": "sub_bad", "status": "active", "currency": "EUR"})
    report = world.reconciler.reconcile_all()
    (letter,) = world.store.list_dead_letters()
    assert (letter.key, letter.system, letter.error_code) == (
        "sub_bad",
        "billing",
        "INVALID_SOURCE_RECORD",
    )
    assert "customer" in letter.reason
    assert len(world.crm.records["subscription"]) == 40
    assert report.subscriptions == 41


def test_mapping_error_for_one_record_spares_the_other_target(world: World) -> None:
    """A value a target cannot take (too long) dead-letters that target only."""
    from tests.factories import customer, subscription

    long_email = "x" * 90 + "@example.com"
    world.source.put(subscription(77, customer=customer(77, email=long_email)))
    world.reconciler.reconcile_all()
    (letter,) = world.store.list_dead_letters()
    assert (letter.key, letter.system, letter.error_code) == (
        "sub_00077",
        "salesforce",
        "MAPPING_ERROR",
    )
    assert "Billing_Email__c" in letter.reason
    assert "sub_00077" in world.erp.records["subscription"]


def test_written_records_are_read_back_and_a_disagreement_is_dead_lettered(world: World) -> None:
    """A target that silently changes what it was sent is caught by reading back the write."""
    original = world.crm.write

    def lossy(object_name: str, requests: list[WriteRequest]) -> object:
        results = original(object_name, requests)
        if object_name == "subscription":
            # e.g. a workflow rule in the CRM that rewrites the plan on save
            world.crm.edit("subscription", "sub_00008", Plan__c="legacy")
        return results

    world.crm.write = lossy  # type: ignore[method-assign,assignment]
    report = world.reconciler.reconcile_all()
    assert report.verified == 80 + 79  # every record of both targets but the rewritten one
    (letter,) = world.store.list_dead_letters()
    assert (letter.key, letter.system, letter.error_code) == (
        "sub_00008",
        "salesforce",
        "VERIFY_MISMATCH",
    )
    assert "Plan__c written 'pro', reads 'legacy'" in letter.reason


def test_verified_records_settle_at_once(world: World) -> None:
    """Reading back a write records the target's modstamp, so the next run skips the record."""
    world.reconciler.reconcile_all()
    agreed = world.store.load_agreements("salesforce", "subscription", ["sub_00004"])
    assert agreed["sub_00004"][0] == world.crm.records["subscription"]["sub_00004"].modstamp
