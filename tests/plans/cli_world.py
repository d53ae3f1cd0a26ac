"""A configuration on file-backed systems for command-line tests of plans and reverts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from connector.cli.app import app
from tests.factories import MAPPINGS, item, subscription

runner = CliRunner()


def export_billing(workdir: Path, seats: dict[int, int]) -> None:
    subs = [subscription(n, items=(item("pro", seats.get(n, 1)),)) for n in range(1, 11)]
    body = [json.loads(sub.model_dump_json()) for sub in subs]
    (workdir / "export.json").write_text(json.dumps(body), encoding="utf-8")


def make_workdir(tmp_path: Path) -> Path:
    shutil.copytree(MAPPINGS, tmp_path / "mappings")
    export_billing(tmp_path, {})
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


def crm_data(workdir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    data: dict[str, dict[str, dict[str, Any]]] = json.loads(
        (workdir / "crm.json").read_text(encoding="utf-8")
    )
    return data


def crm_seats(workdir: Path, n: int) -> object:
    return crm_data(workdir)["subscription"][f"sub_{n:05d}"]["fields"]["Quantity__c"]
