"""``reconcile --json``: the subscriptions with something to do, unless all are asked for."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from connector.cli.app import app
from tests.factories import MAPPINGS, subscription

runner = CliRunner()


def _export(tmp_path: Path, **overrides: object) -> None:
    subs = [subscription(i, **overrides) for i in range(1, 13)]
    (tmp_path / "export.json").write_text(
        json.dumps([json.loads(sub.model_dump_json()) for sub in subs])
    )


def _config(tmp_path: Path) -> Path:
    _export(tmp_path)
    config = tmp_path / "connector.toml"
    config.write_text(
        f'store_url = "sqlite:///state/connector.db"\nmappings_dir = "{MAPPINGS}"\n'
        'log_level = "WARNING"\n[source]\nkind = "memory"\npath = "export.json"\n'
        '[targets.salesforce]\nkind = "memory"\nmapping = "salesforce.yaml"\npath = "crm.json"\n'
    )
    return config


def test_json_leaves_out_noop_plans_unless_asked(tmp_path: Path) -> None:
    """Billing changed what no target holds: the plans have nothing to do and are left out
    (and counted); --include-noop lists them all."""
    config = _config(tmp_path)
    first = json.loads(runner.invoke(app, ["reconcile", "--json", "-c", str(config)]).stdout)
    assert len(first["plans"]) == 12
    assert first["noop_plans_omitted"] == 0
    _export(tmp_path, metadata={"note": "not mapped anywhere"})
    again = runner.invoke(app, ["reconcile", "--dry-run", "--json", "-c", str(config)]).stdout
    body = json.loads(again)
    assert body["summary"]["changed"] == 0
    assert body["plans"] == []
    assert body["noop_plans_omitted"] == 12
    every = runner.invoke(
        app, ["reconcile", "--dry-run", "--json", "--include-noop", "-c", str(config)]
    ).stdout
    assert len(json.loads(every)["plans"]) == 12


def test_json_puts_one_plan_on_each_line(tmp_path: Path) -> None:
    """A consumer can read the plans line by line as they come (one JSON object a line)."""
    config = _config(tmp_path)
    text = runner.invoke(app, ["reconcile", "--dry-run", "--json", "-c", str(config)]).stdout
    lines = text.splitlines()
    assert json.loads(lines[0] + "]}")["summary"]["dry_run"] is True
    plans = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
    assert len(plans) == 12
    assert all(plan["subscription_id"].startswith("sub_") for plan in plans)
