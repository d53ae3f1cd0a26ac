"""Against the three emulators, through the ``connector`` command line: dead letters close
themselves once their record agrees, close by hand with an audited note, and a mistyped
subscription id is refused without one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from connector.cli.app import app
from connector.exit_codes import ExitCode
from connector.mapping.defaults import default_mappings_dir
from connector.store import DeadLetter, utcnow
from tests.e2e.conftest import E2E, SF_SUBSCRIPTION_UPSERT

REJECTION = "Quantity__c must not exceed the seats of the signed order form (sandbox rule)."
# Only the command's own output on stderr: the run's log lines are not what is tested here.
QUIET = {"CONNECTOR_LOG_LEVEL": "WARNING"}


def _cli(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--config", str(config)], env=QUIET)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _open_letters(config: Path) -> list[dict[str, Any]]:
    code, out, _ = _cli(config, "dlq", "list", "--json")
    assert code == ExitCode.CLEAN
    letters: list[dict[str, Any]] = json.loads(out)
    return letters


def _refused_once(e2e: E2E, subscriptions: int) -> tuple[Path, dict[str, Any]]:
    """Billing seeded, a first `connector reconcile` in which Salesforce refuses one record."""
    e2e.seed_billing(subscriptions)
    e2e.set_faults(
        "salesforce",
        [
            {
                "kind": "reject_record",
                "count": 1,
                "method": "PATCH",
                "path_prefix": SF_SUBSCRIPTION_UPSERT,
                "message": REJECTION,
            }
        ],
    )
    config = e2e.box.write_config(default_mappings_dir())
    code, _, _ = _cli(config, "reconcile")
    assert code == ExitCode.DEAD_LETTERS
    (letter,) = _open_letters(config)
    assert letter["system"] == "salesforce"
    return config, letter


def test_a_mistyped_subscription_is_a_usage_error_and_no_dead_letter(e2e: E2E) -> None:
    """`reconcile --subscription sub_typo`: one line naming the id and the fix, exit 2, no
    letter, no run, nothing written."""
    e2e.seed_billing(5)
    config = e2e.box.write_config(default_mappings_dir())
    assert _cli(config, "reconcile")[0] == ExitCode.CLEAN
    e2e.clear_stats()
    code, out, err = _cli(config, "reconcile", "--subscription", "sub_typo")
    assert code == ExitCode.USAGE
    (line,) = err.strip().splitlines()
    assert "sub_typo" in line
    assert "check the id given to --subscription" in line
    assert out == ""
    assert _open_letters(config) == []
    _, status, _ = _cli(config, "status", "--json")
    assert [run["kind"] for run in json.loads(status)["runs"]] == ["full"]
    assert e2e.write_calls() == {"stripe": {}, "salesforce": {}, "odoo": {}}


def test_a_synced_subscription_billing_lost_is_still_reconciled(e2e: E2E) -> None:
    """A key the store synced but billing no longer has is no usage error: it is reconciled."""
    e2e.seed_billing(5)
    config = e2e.box.write_config(default_mappings_dir())
    assert _cli(config, "reconcile")[0] == ExitCode.CLEAN
    e2e.admin["stripe"].post("/__sandbox/reset").raise_for_status()  # billing forgets all
    _, status, _ = _cli(config, "status", "--json")
    assert json.loads(status)["subscriptions_synced"] == 5
    with e2e.runtime() as runtime:
        key = next(iter(runtime.store.known_keys()))
    code, out, _ = _cli(config, "reconcile", "--subscription", key, "--json")
    assert code == ExitCode.CLEAN
    summary = json.loads(out)["summary"]
    assert (summary["subscriptions"], summary["changes"]) == (1, {"cancelled": 1})
    assert _open_letters(config) == []


def test_a_letter_closes_itself_when_the_next_run_finds_its_record_in_agreement(
    e2e: E2E,
) -> None:
    """A letter filed for a record that is in line (the queue gave up during an outage) is
    closed by the next `connector reconcile`, which writes nothing: status shows none open."""
    e2e.seed_billing(10)
    config = e2e.box.write_config(default_mappings_dir())
    assert _cli(config, "reconcile")[0] == ExitCode.CLEAN
    now = utcnow()
    with e2e.runtime() as runtime:
        key = next(iter(runtime.store.known_keys()))
        runtime.store.add_dead_letters(
            [DeadLetter(key, "salesforce", "503 x8", "RETRIES_EXHAUSTED", True, "q", {}, now, now)]
        )
    e2e.clear_stats()
    code, out, _ = _cli(config, "reconcile", "--json")
    assert code == ExitCode.CLEAN
    summary = json.loads(out)["summary"]
    assert summary["dead_letters_resolved"] == 1
    assert summary["applied"] == {}
    assert _open_letters(config) == []
    _, status, _ = _cli(config, "status", "--json")
    assert json.loads(status)["open_dead_letters"] == 0
    assert e2e.write_calls()["salesforce"] == {}


def test_letters_are_resolved_by_hand_with_an_audited_note(e2e: E2E) -> None:
    """`dlq resolve ID --note`: closed, audited with the letter and the note as by hand; a
    second time it is reported as already resolved, and still exits 0."""
    config, letter = _refused_once(e2e, 10)
    note = "order form amended; finance re-keys it in the CRM"
    code, out, _ = _cli(config, "dlq", "resolve", str(letter["id"]), "--note", note)
    assert code == ExitCode.CLEAN
    assert f"resolved {letter['id']}: {letter['key']} salesforce" in out
    assert _open_letters(config) == []
    code, out, _ = _cli(
        config, "audit", "--subscription", letter["key"], "--outcome", "resolved_by_hand", "--json"
    )
    (entry,) = json.loads(out)
    assert entry["detail"]["note"] == note
    assert entry["detail"]["resolved_by"] == "hand"
    assert entry["detail"]["dead_letter"]["id"] == letter["id"]
    assert REJECTION in entry["detail"]["dead_letter"]["reason"]
    _, shown, _ = _cli(config, "dlq", "show", str(letter["id"]))
    assert json.loads(shown)["resolved_by_run"] == entry["run_id"]

    code, out, err = _cli(config, "dlq", "resolve", str(letter["id"]), "--note", "again")
    assert code == ExitCode.CLEAN
    assert f"already resolved {letter['id']}" in out
    assert entry["run_id"] in out
    assert err == ""


def test_an_unknown_letter_id_is_one_error_line_and_closes_nothing(e2e: E2E) -> None:
    """An id naming no letter: exit 2, one line naming it, and the known letter stays open."""
    config, letter = _refused_once(e2e, 5)
    code, out, err = _cli(config, "dlq", "resolve", str(letter["id"]), "987654", "--note", "x")
    assert code == ExitCode.USAGE
    (line,) = err.strip().splitlines()
    assert "no dead letter 987654" in line
    assert "nothing was resolved" in line
    assert out == ""
    assert [d["id"] for d in _open_letters(config)] == [letter["id"]]
    code, _, err = _cli(config, "dlq", "resolve", str(letter["id"]), "--note", "  ")
    assert code == ExitCode.USAGE
    assert "--note" in err
