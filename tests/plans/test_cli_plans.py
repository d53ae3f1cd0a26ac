"""`reconcile --dry-run --plan-out`, `apply` and `--detailed-exitcode` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.exit_codes import ExitCode
from tests.plans.cli_world import crm_data, crm_seats, export_billing, run


def test_plan_out_then_apply(workdir: Path) -> None:
    """The reviewed plan is saved by a dry run and applied as it is."""
    assert run(workdir, "reconcile")[0] == ExitCode.CLEAN
    export_billing(workdir, {4: 3})
    code, out = run(workdir, "reconcile", "--dry-run", "--plan-out", str(workdir / "plan.json"))
    assert code == ExitCode.CLEAN
    assert "plan saved to" in out
    assert "connector apply" in out
    assert crm_seats(workdir, 4) == 1
    export_billing(workdir, {4: 3, 6: 2})  # after the review
    code, out = run(workdir, "apply", str(workdir / "plan.json"))
    assert code == ExitCode.CLEAN, out
    assert "1 of 1 subscriptions taken, 0 refused" in out
    assert crm_seats(workdir, 4) == 3
    assert crm_seats(workdir, 6) == 1


def test_apply_says_which_records_moved(workdir: Path) -> None:
    """One line per refused subscription, exit 5, and the rest applied."""
    run(workdir, "reconcile")
    export_billing(workdir, {4: 3, 5: 3})
    run(workdir, "reconcile", "--dry-run", "--plan-out", str(workdir / "plan.json"))
    crm = crm_data(workdir)
    crm["subscription"]["sub_00005"]["fields"]["MRR__c"] = "5.00"
    crm["subscription"]["sub_00005"]["modstamp"] = "edited-by-hand"
    (workdir / "crm.json").write_text(json.dumps(crm), encoding="utf-8")
    code, out = run(workdir, "apply", str(workdir / "plan.json"))
    assert code == ExitCode.PLAN_MOVED
    assert (
        "refused sub_00005: salesforce subscription sub_00005 was changed in the target since "
        "the plan" in out
    )
    assert "1 of 2 subscriptions taken, 1 refused" in out
    assert crm_seats(workdir, 4) == 3
    assert crm_seats(workdir, 5) == 1


def test_a_plan_made_with_another_mapping_is_refused(workdir: Path) -> None:
    run(workdir, "reconcile")
    export_billing(workdir, {4: 3})
    run(workdir, "reconcile", "--dry-run", "--plan-out", str(workdir / "plan.json"))
    mapping = workdir / "mappings" / "salesforce.yaml"
    text = mapping.read_text(encoding="utf-8").replace("max_length: 40", "max_length: 30")
    mapping.write_text(text, encoding="utf-8")
    code, out = run(workdir, "apply", str(workdir / "plan.json"))
    assert code == ExitCode.USAGE
    assert "made with other mappings than the configured ones (changed: salesforce)" in out
    assert "Traceback" not in out
    assert crm_seats(workdir, 4) == 1


def test_detailed_exitcode_tells_pending_changes(workdir: Path) -> None:
    """0 when there is nothing to do, 2 when changes are pending (Terraform's meaning)."""
    run(workdir, "reconcile")
    assert run(workdir, "reconcile", "--dry-run", "--detailed-exitcode")[0] == 0
    export_billing(workdir, {4: 3})
    assert run(workdir, "reconcile", "--dry-run", "--detailed-exitcode")[0] == 2
    assert run(workdir, "reconcile", "--dry-run")[0] == ExitCode.CLEAN
    assert run(workdir, "reconcile", "--dry-run", "--detailed-exitcode", "--json")[0] == 2


def test_detailed_exitcode_keeps_2_for_pending_changes_only(workdir: Path) -> None:
    """Under --detailed-exitcode an error exits 1, never 2."""
    code, out = run(workdir, "reconcile", "--detailed-exitcode")
    assert code == ExitCode.FAILED
    assert "add --dry-run" in out
    code, _ = run(workdir, "reconcile", "--dry-run", "--detailed-exitcode", "-s", "sub_typo")
    assert code == ExitCode.FAILED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reconcile", "--plan-out", "plan.json"], "--plan-out saves a dry run's plan"),
        (
            ["reconcile", "--dry-run", "--plan-out", "no/such/folder/plan.json"],
            "does not exist",
        ),
        (["apply", "missing.json"], "cannot read the plan missing.json"),
    ],
)
def test_plan_usage_errors_are_one_line(workdir: Path, args: list[str], message: str) -> None:
    code, out = run(workdir, *args)
    assert code == ExitCode.USAGE
    assert message in out
    assert "Traceback" not in out
