"""`connector revert RUN_ID [--dry-run]` on the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from connector.exit_codes import ExitCode
from tests.plans.cli_world import crm_seats, export_billing, run

BILLING_WINS = "The next reconcile puts billing's truth back"


def _bad_run(workdir: Path) -> str:
    run(workdir, "reconcile")
    export_billing(workdir, {4: 3, 5: 2})
    code, out = run(workdir, "reconcile", "--json")
    assert code == ExitCode.CLEAN
    run_id: str = json.loads(out)["summary"]["run_id"]
    assert crm_seats(workdir, 4) == 3
    return run_id


def test_help_says_billing_wins() -> None:
    """--help says a revert does not overrule billing."""
    from typer.testing import CliRunner

    from connector.cli.app import app

    result = CliRunner().invoke(app, ["revert", "--help"])
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    assert "NOT a way to overrule billing" in text
    assert "the next reconcile puts billing's truth back" in text
    assert "--dry-run" in text


def test_dry_run_shows_what_would_go_back_and_writes_nothing(workdir: Path) -> None:
    run_id = _bad_run(workdir)
    code, out = run(workdir, "revert", run_id, "--dry-run")
    assert code == ExitCode.CLEAN
    assert "would put back" in out
    assert "sub_00004: salesforce subscription sub_00004 Quantity__c: 3 -> 1" in out
    assert BILLING_WINS in " ".join(out.split())
    assert crm_seats(workdir, 4) == 3


def test_revert_puts_back_and_is_audited(workdir: Path) -> None:
    run_id = _bad_run(workdir)
    code, out = run(workdir, "revert", run_id)
    assert code == ExitCode.CLEAN, out
    assert BILLING_WINS in " ".join(out.split())
    assert crm_seats(workdir, 4) == 1
    assert crm_seats(workdir, 5) == 1
    code, out = run(workdir, "audit", "--type", "reverted", "--json")
    entries = json.loads(out)
    assert sorted(e["subscription_id"] for e in entries) == ["sub_00004", "sub_00005"]
    assert {e["detail"]["reverts_run"] for e in entries} == {run_id}


def test_an_unknown_run_is_one_line(workdir: Path) -> None:
    run(workdir, "reconcile")
    code, out = run(workdir, "revert", "run_typo")
    assert code == ExitCode.USAGE
    assert "no audit entries for run run_typo" in out
    assert "Traceback" not in out
