"""Console log mode: a summary line per run step, the per-subscription audit at DEBUG."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from connector.cli.app import app
from connector.schema import SubscriptionStatus
from tests.factories import MAPPINGS, subscription

runner = CliRunner()


def _world(tmp_path: Path, level: str, cancelled: bool = False) -> Path:
    status = SubscriptionStatus.CANCELLED if cancelled else SubscriptionStatus.ACTIVE
    subs = [subscription(i, status=status) for i in range(1, 61)]
    (tmp_path / "export.json").write_text(
        json.dumps([json.loads(sub.model_dump_json()) for sub in subs])
    )
    config = tmp_path / "connector.toml"
    config.write_text(
        f'store_url = "sqlite:///state/connector.db"\nmappings_dir = "{MAPPINGS}"\n'
        f'log_format = "console"\nlog_level = "{level}"\n'
        '[source]\nkind = "memory"\npath = "export.json"\n'
        '[targets.salesforce]\nkind = "memory"\nmapping = "salesforce.yaml"\npath = "crm.json"\n'
        "[safety]\nmax_cancel_share = 1.0\n"
    )
    return config


def _log_lines(config: Path) -> list[str]:
    result = runner.invoke(app, ["reconcile", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_sixty_cancellations_log_a_few_lines(tmp_path: Path) -> None:
    """60 cancellations: a handful of summary lines at INFO, not one audit dict each."""
    config = _world(tmp_path, "INFO")
    _log_lines(config)
    _world(tmp_path, "INFO", cancelled=True)
    lines = _log_lines(config)
    assert len(lines) <= 6, "\n".join(lines)
    assert not any(" audit " in f"{line} " and "audit.recorded" not in line for line in lines)
    summary = next(line for line in lines if "audit.recorded" in line)
    assert "'cancelled': 60" in summary
    assert "entries=60" in summary


def test_debug_shows_each_audit_entry(tmp_path: Path) -> None:
    """At DEBUG the per-subscription audit lines are there for whoever wants them."""
    lines = _log_lines(_world(tmp_path, "DEBUG"))
    audited = [line for line in lines if "[debug" in line and " audit " in line]
    assert len(audited) == 60
