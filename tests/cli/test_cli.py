"""The connector command line, end to end on file-backed systems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli.app import app
from connector.exit_codes import ExitCode
from connector.schema import SubscriptionStatus
from connector.store import open_store, utcnow
from tests.factories import MAPPINGS, subscription

runner = CliRunner()


def _export(path: Path, subs: list[object]) -> None:
    path.write_text(json.dumps(subs))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    _export(
        tmp_path / "export.json",
        [json.loads(subscription(i).model_dump_json()) for i in range(1, 31)],
    )
    (tmp_path / "connector.toml").write_text(
        f"""
store_url = "sqlite:///state/connector.db"
mappings_dir = "{MAPPINGS}"
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
[safety]
min_affected = 5
"""
    )
    return tmp_path


def run(workdir: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(workdir / "connector.toml")], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_dry_run_then_apply_then_nothing(workdir: Path) -> None:
    """The operator's first session: look at the plan, apply it, re-run to an empty plan."""
    code, out = run(workdir, "reconcile", "--dry-run", "--json")
    assert code == ExitCode.CLEAN
    plan = json.loads(out)
    assert plan["summary"]["dry_run"] is True
    # A first load meets subscriptions that already existed: the opening balance.
    assert plan["summary"]["changes"] == {"baseline": 30}
    assert plan["summary"]["cost"]["salesforce"]["planned_writes"] == 2
    assert (
        not (workdir / "crm.json").exists()
        or json.loads((workdir / "crm.json").read_text())["subscription"] == {}
    )
    code, out = run(workdir, "reconcile")
    assert code == ExitCode.CLEAN
    assert "30 with changes" in out
    crm = json.loads((workdir / "crm.json").read_text())
    assert len(crm["subscription"]) == 30
    code, out = run(workdir, "reconcile", "--json")
    assert json.loads(out)["summary"]["changed"] == 0


def test_reconcile_named_subscriptions_and_audit_query(workdir: Path) -> None:
    """--subscription limits the run; audit filters by subscription and type."""
    run(workdir, "reconcile")
    subs = json.loads((workdir / "export.json").read_text())
    cancelled = subscription(4, status=SubscriptionStatus.CANCELLED)
    subs[3] = json.loads(cancelled.model_dump_json())
    _export(workdir / "export.json", subs)
    code, out = run(workdir, "reconcile", "--subscription", "sub_00004", "--json")
    assert code == ExitCode.CLEAN
    assert json.loads(out)["summary"]["changes"] == {"cancelled": 1}
    code, out = run(workdir, "audit", "--type", "cancelled", "--json")
    (entry,) = json.loads(out)
    assert entry["subscription_id"] == "sub_00004"
    assert entry["mrr_delta"] == "-99.00"
    code, out = run(workdir, "audit", "--subscription", "sub_00004", "--since", "2020-01-01")
    assert code == 0
    assert "cancelled" in out
    assert "baseline" in out


def test_broken_mapping_is_reported_with_file_and_line(workdir: Path) -> None:
    """mappings check names the file, line and field, and exits with the usage code."""
    broken = workdir / "maps"
    broken.mkdir()
    text = (
        (MAPPINGS / "salesforce.yaml").read_text().replace("source: plan_code", "source: plan_cod")
    )
    (broken / "salesforce.yaml").write_text(text)
    (broken / "odoo.yaml").write_text((MAPPINGS / "odoo.yaml").read_text())
    config = (workdir / "connector.toml").read_text().replace(str(MAPPINGS), str(broken))
    (workdir / "connector.toml").write_text(config)
    code, out = run(workdir, "mappings", "check", "--json")
    assert code == ExitCode.USAGE
    (issue,) = json.loads(out)["issues"]
    line = next(
        i for i, row in enumerate(text.splitlines(), 1) if "plan_cod," in row or "plan_cod}" in row
    )
    assert issue["file"].endswith("salesforce.yaml")
    assert issue["line"] == line
    assert issue["field"] == "objects.subscription.fields[2].source"
    code, _ = run(workdir, "reconcile")
    assert code == ExitCode.USAGE


def test_mappings_check_and_schema(workdir: Path, tmp_path: Path) -> None:
    """A good mapping checks clean; the JSON Schema can be exported for editors."""
    code, out = run(workdir, "mappings", "check")
    assert code == 0
    assert "salesforce" in out
    assert "odoo" in out
    result = runner.invoke(app, ["mappings", "schema", "--output", str(tmp_path / "s.json")])
    assert result.exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text())["title"]


def test_dead_letter_list_show_and_replay(workdir: Path) -> None:
    """A record the CRM cannot take is listed, shown and replayed once fixed."""
    subs = json.loads((workdir / "export.json").read_text())
    subs[0]["customer"]["email"] = "x" * 100 + "@example.com"
    _export(workdir / "export.json", subs)
    code, _ = run(workdir, "reconcile")
    assert code == ExitCode.DEAD_LETTERS
    code, out = run(workdir, "dlq", "list", "--json")
    (letter,) = json.loads(out)
    assert letter["key"] == "sub_00001"
    assert "Billing_Email__c" in letter["reason"]
    code, out = run(workdir, "dlq", "show", str(letter["id"]))
    assert json.loads(out)["system"] == "salesforce"
    subs[0]["customer"]["email"] = "ok@example.com"
    _export(workdir / "export.json", subs)
    code, out = run(workdir, "dlq", "replay", str(letter["id"]))
    assert code == ExitCode.CLEAN
    code, out = run(workdir, "dlq", "list", "--json")
    assert json.loads(out) == []
    code, out = run(workdir, "status", "--json")
    status = json.loads(out)
    assert status["subscriptions_synced"] == 30
    assert status["open_dead_letters"] == 0
    assert [r["kind"] for r in status["runs"]][:2] == ["replay", "full"]


def test_safety_valve_exit_code_and_override(workdir: Path) -> None:
    """A mass cancellation stops with exit 4 until --allow-mass-changes."""
    run(workdir, "reconcile")
    _export(workdir / "export.json", [])
    code, out = run(workdir, "reconcile")
    assert code == ExitCode.SAFETY_VALVE
    assert "would cancel 30 of 30" in out
    code, _ = run(workdir, "reconcile", "--allow-mass-changes")
    assert code == ExitCode.CLEAN


def test_environment_overrides_the_file(workdir: Path) -> None:
    """CONNECTOR_* variables win over the configuration file."""
    run(workdir, "reconcile")
    _export(workdir / "export.json", [])
    code, _ = run(workdir, "reconcile", env={"CONNECTOR_SAFETY__MAX_CANCEL_SHARE": "1.0"})
    assert code == ExitCode.CLEAN


def test_bad_configuration_is_a_usage_error(tmp_path: Path) -> None:
    """An unknown setting stops before anything runs, naming it."""
    (tmp_path / "connector.toml").write_text("[sync]\nchunk = 5\n")
    result = runner.invoke(app, ["status", "--config", str(tmp_path / "connector.toml")])
    assert result.exit_code == ExitCode.USAGE
    assert "sync.chunk" in result.stderr


def test_demo_runs_the_whole_job(tmp_path: Path) -> None:
    """connector demo, on the sandbox: drift repaired, then an upgrade, a pause, a cancellation."""
    result = runner.invoke(
        app, ["demo", "--workdir", str(tmp_path), "--subscriptions", "60", "--drift", "0.2"]
    )
    assert result.exit_code == 0, result.stdout
    out = result.stdout.lower()
    for word in ("dry run", "baseline", "upgraded", "paused", "cancelled"):
        assert word in out, word
    assert "3 subscriptions, 0 unchanged, 3 with changes, 0 dead-lettered" in result.stdout
    assert "60 of 60 subscriptions agree in status and MRR" in result.stdout
    assert "MRR bridge" in result.stdout


def test_status_never_prints_the_store_password(workdir: Path) -> None:
    """A PostgreSQL URL's password is masked in `connector status`."""
    from connector.redaction import SECRETS
    from tests.conftest import postgres_store

    with postgres_store() as store:
        schema = store._scalar("SELECT current_schema() AS s")  # type: ignore[attr-defined]
        # The test server trusts loopback, so any password is accepted: it must only be masked.
        base = postgres_url_with_password("hunter2-long-password")
        url = f"{base}?options=-csearch_path%3D{schema}"
        SECRETS.register("hunter2-long-password")
        result = runner.invoke(
            app,
            ["status", "--json", "--config", str(workdir / "connector.toml")],
            env={"CONNECTOR_STORE_URL": url},
        )
    assert result.exit_code == 0, result.stdout
    assert "hunter2-long-password" not in result.stdout
    assert json.loads(result.stdout)["store"].startswith("postgresql://postgres:")


def postgres_url_with_password(password: str) -> str:
    from tests.conftest import postgres_url

    url = postgres_url()
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{password}@")


def test_a_run_leaves_queued_keys_to_the_queue_and_works_them_before_exiting(
    workdir: Path,
) -> None:
    """A key a trigger queued is the queue's: the run does not write it itself, and burst
    mode works it (under its lease, from fresh reads) before the command exits. A key a
    worker holds is left to that worker."""
    run(workdir, "reconcile")
    subs = json.loads((workdir / "export.json").read_text())
    for number in (4, 5):
        subs[number - 1] = json.loads(
            subscription(number, status=SubscriptionStatus.CANCELLED).model_dump_json()
        )
    _export(workdir / "export.json", subs)
    store = open_store(f"sqlite:///{workdir / 'state' / 'connector.db'}")
    try:
        now = utcnow()
        store.enqueue(["sub_00004", "sub_00005"], "webhook", now)
        (held,) = store.lease("daemon-worker", 1, now, 600)
        code, out = run(workdir, "reconcile")
        assert code == ExitCode.CLEAN
        assert "2 keys left to the queue by this run" in out
        assert "1 queued keys worked before exiting" in out
        crm = json.loads((workdir / "crm.json").read_text())["subscription"]
        worked = "sub_00005" if held.key == "sub_00004" else "sub_00004"
        assert crm[worked]["fields"]["Status__c"] == "Cancelled"
        assert crm[held.key]["fields"]["Status__c"] != "Cancelled"
        assert store.queue_stats(utcnow()).leased == 1  # still the daemon worker's
    finally:
        store.close()
