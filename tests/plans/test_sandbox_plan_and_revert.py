"""Against the three emulators: a reviewed plan applied as it is, then the run reverted.

Billing changes two subscriptions through Stripe's API; a plan is saved; a person edits one
of them in Salesforce; applying the plan writes the other one to Salesforce and Odoo and
refuses the edited one. Reverting the apply puts the Salesforce fields and the Odoo lines
back, and the next reconcile brings billing's truth back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connector.plan_apply import apply_plan
from connector.plan_file import plan_document, read_plan, write_plan
from connector.reconciler import RunOptions
from connector.records import WriteRequest
from connector.revert import revert_run
from connector.runtime import Runtime
from connector.store import utcnow
from tests.e2e.conftest import E2E

SUBSCRIPTIONS = 30
FULL = RunOptions(kind="full", allow_mass_changes=True)


def _plain(e2e: E2E, count: int) -> list[tuple[str, str, int]]:
    """Active subscriptions with one item: (id, item id, quantity)."""
    listed = e2e.stripe.get("/v1/subscriptions", params={"limit": 100}).json()["data"]
    found = [
        (sub["id"], sub["items"]["data"][0]["id"], sub["items"]["data"][0]["quantity"])
        for sub in listed
        if sub["status"] == "active" and len(sub["items"]["data"]) == 1
    ]
    assert len(found) >= count
    return found[:count]


def _add_seats(e2e: E2E, key: str, item_id: str, quantity: int) -> None:
    response = e2e.stripe.post(
        f"/v1/subscriptions/{key}",
        data={"items[0][id]": item_id, "items[0][quantity]": str(quantity)},
    )
    assert response.status_code == 200, response.text


def _records(runtime: Runtime, key: str) -> dict[str, Any]:
    """The subscription's record in each target, normalised as the connector reads it."""
    held: dict[str, Any] = {}
    for target in runtime.targets:
        obj = target.mapping.objects["subscription"]
        found = target.read("subscription", [key])[key]
        held[target.system] = obj.normalise(found.fields)
    return held


def test_a_plan_applied_then_reverted_on_the_sandbox(e2e: E2E, tmp_path: Path) -> None:
    e2e.seed(SUBSCRIPTIONS, 0.0)
    (first, item_a, seats_a), (second, item_b, seats_b) = _plain(e2e, 2)
    with e2e.runtime() as runtime:
        assert runtime.reconciler.reconcile_all(FULL).status == "clean"
        before = _records(runtime, first)
        _add_seats(e2e, first, item_a, seats_a + 3)
        _add_seats(e2e, second, item_b, seats_b + 2)
        dry = runtime.reconciler.reconcile_all(RunOptions(kind="full", dry_run=True))
        path = tmp_path / "plan.json"
        write_plan(
            path,
            plan_document(
                dry.plans,
                run_id=dry.run_id,
                planned_at=utcnow(),
                mapping_version=runtime.reconciler.mapping_version,
                source_system=runtime.source.system,
            ),
        )
        crm = next(t for t in runtime.targets if t.system == "salesforce")
        edit = WriteRequest("subscription", second, "update", {"MRR__c": "1.00"})
        assert crm.write("subscription", [edit])[0].ok

        applied = apply_plan(read_plan(path), runtime.reconciler)

        assert [r.line() for r in applied.refused] == [
            f"{second}: salesforce subscription {second} was changed in the target since the plan"
        ]
        assert applied.report.status == "clean", applied.report.summary()
        changed = _records(runtime, first)
        assert changed["salesforce"]["Quantity__c"] == seats_a + 3
        assert changed["odoo"] != before["odoo"]  # its lines carry the new quantity
        assert _records(runtime, second)["salesforce"]["Quantity__c"] == seats_b

        reverted = revert_run(runtime.reconciler, applied.report.run_id)

        assert reverted.exit_code == 0
        assert reverted.plan.skipped == []
        assert reverted.mismatches == {}
        assert _records(runtime, first) == before
        # Billing's truth comes back with the next run.
        assert runtime.reconciler.reconcile_all(FULL).status == "clean"
        assert _records(runtime, first) == changed
