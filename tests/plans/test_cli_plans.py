"""`reconcile --dry-run --plan-out`, `apply` and `--detailed-exitcode` on the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connector.cli.app import app
from connector.report import ExitCode
from tests.factories import MAPPINGS, item, subscription

runner = CliRunner()


def _export(workdir: Path, seats: dict[int, int]) -> None:
    subs = [subscription(n, items=(item("pro", seats.get(n, 1)),)) for n in range(1, 11)]
    body = [json.loads(sub.model_dump_json()) for sub in subs]
    (workdir / "export.json").write_text(json.dumps(body), encoding="utf-8")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(MAPPINGS, tmp_path / "mappings")
    _export(tmp_path, {})
    (tmp_path / "connector.toml").write_text(
        """
store_url = "sqlite:///state/connector.db"
mappings_dir = "mappings"
log_level = "WARNING"
[source]
kind = "memory"
path = "export.json"
[targets.salesforce]
kind = "memory"
mapping = "salesforce.yaml"
path = "crm.json"
[targets.odoo]
kind = "memory"
mapping = "odoo.yaml"
path = "erp.json"
""",
        encoding="utf-8",
    )
    return tmp_path


def run(workdir: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(workdir / "connector.toml")])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _crm(workdir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    data: dict[str, dict[str, dict[str, Any]]] = json.loads(
        (workdir / "crm.json").read_text(encoding="utf-8")
    )
    return data


def _seats(workdir: Path, n: int) -> object:
    return _crm(workdir)["subscription"][f"sub_{n:05d}"]["fields"]["Quantity__c"]


def test_plan_out_then_apply(workdir: Path) -> None:
    """The reviewed plan is saved by a dry run and applied as it is."""
    assert run(workdir, "reconcile")[0] == ExitCode.CLEAN
    _export(workdir, {4: 3})
    code, out = run(workdir, "reconcile", "--dry-run", "--plan-out", str(workdir / "plan.json"))
    assert code == ExitCode.CLEAN
    assert "plan saved to" in out
    assert "connector apply" in out
    assert _seats(workdir, 4) == 1
    _export(workdir, {4: 3, 6: 2})  # after the review
    code, out = run(workdir, "apply", str(workdir / "plan.json"))
    assert code == ExitCode.CLEAN, out
    assert "1 of 1 subscriptions taken, 0 refused" in out
    assert _seats(workdir, 4) == 3
    assert _seats(workdir, 6) == 1


def test_apply_says_which_records_moved(workdir: Path) -> None:
    """One line per refused subscription, exit 5, and the rest applied."""
    run(workdir, "reconcile")
    _export(workdir, {4: 3, 5: 3})
    run(workdir, "reconcile", "--dry-run", "--plan-out", str(workdir / "plan.json"))
    crm = _crm(workdir)
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
    assert _seats(workdir, 4) == 3
    assert _seats(workdir, 5) == 1


def test_a_plan_made_with_another_mapping_is_refused(workdir: Path) -> None:
    run(workdir, "reconcile")
    _export(workdir, {4: 3})
    run(workdir, "reconcile", "--dry-run", "--plan-out", str(workdir / "plan.json"))
    mapping = workdir / "mappings" / "salesforce.yaml"
    text = mapping.read_text(encoding="utf-8").replace("max_length: 40", "max_length: 30")
    mapping.write_text(text, encoding="utf-8")
    code, out = run(workdir, "apply", str(workdir / "plan.json"))
    assert code == ExitCode.USAGE
    assert "made with other mappings than the configured ones (changed: salesforce)" in out
    assert "Traceback" not in out
    assert _seats(workdir, 4) == 1


def test_detailed_exitcode_tells_pending_changes(workdir: Path) -> None:
    """0 when there is nothing to do, 2 when changes are pending (Terraform's meaning)."""
    run(workdir, "reconcile")
    assert run(workdir, "reconcile", "--dry-run", "--detailed-exitcode")[0] == 0
    _export(workdir, {4: 3})
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
