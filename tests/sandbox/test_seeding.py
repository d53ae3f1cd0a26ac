"""Seeding the sandbox: the connector's store kept, re-seeds that add, progress reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from typer.testing import CliRunner

from connector.cli.app import app
from connector.config import load_settings
from connector.exit_codes import ExitCode
from connector.sandbox.local import STRIPE_KEY, LocalSandbox
from connector.sandbox.seeding import seed_sandbox
from connector.store import DeadLetter, open_store

runner = CliRunner()
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _config(box: LocalSandbox) -> Path:
    return box.directory / "connector.toml"


def _stripe_ids(box: LocalSandbox) -> list[str]:
    assert box.endpoints is not None
    ids: list[str] = []
    params: dict[str, str | int] = {"limit": 100, "status": "all"}
    headers = {"Authorization": f"Bearer {STRIPE_KEY}"}
    with httpx.Client(base_url=box.endpoints.stripe_url, headers=headers) as client:
        while True:
            body = client.get("/v1/subscriptions", params=params).json()
            ids.extend(row["id"] for row in body["data"])
            if not body["has_more"]:
                return sorted(ids)
            params["starting_after"] = body["data"][-1]["id"]


class Recorder:
    """A SeedProgress that keeps what it was told."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, int]] = []
        self.steps: dict[str, list[int]] = {}

    def phase(self, name: str, total: int) -> None:
        self.phases.append((name, total))
        self.steps[name] = []

    def advance(self, done: int) -> None:
        self.steps[self.phases[-1][0]].append(done)


def test_seeding_keeps_the_connectors_state_store(local_box: LocalSandbox) -> None:
    """An operator's dead letters and runs survive a seed (the store is not deleted)."""
    settings = load_settings(_config(local_box))
    store = open_store(settings.store_url)
    letter = DeadLetter("sub_x", "salesforce", "refused", "X", False, "run_1", {}, NOW, NOW)
    store.add_dead_letters([letter])
    store.close()
    assert local_box.endpoints is not None
    seed_sandbox(settings, local_box.endpoints, local_box.odoo_client(), 12, 0.2)
    again = open_store(settings.store_url)
    try:
        assert [d.key for d in again.list_dead_letters()] == ["sub_x"]
        assert again.count_known() == 0  # the seed's own sync state went elsewhere
    finally:
        again.close()


def test_seeding_a_seeded_sandbox_adds_subscriptions_after_the_last(
    local_box: LocalSandbox,
) -> None:
    """A second seed numbers on from the first one's last subscription."""
    settings = load_settings(_config(local_box))
    assert local_box.endpoints is not None
    first = seed_sandbox(settings, local_box.endpoints, local_box.odoo_client(), 6, 0.0)
    second = seed_sandbox(settings, local_box.endpoints, local_box.odoo_client(), 4, 0.5)
    assert (first.first, first.last) == (1, 6)
    assert (second.first, second.last) == (7, 10)
    assert _stripe_ids(local_box) == [f"sub_{n:07d}" for n in range(1, 11)]


def test_seed_command_twice_reports_each_batch_in_one_line(local_box: LocalSandbox) -> None:
    """``connector sandbox seed`` on a seeded sandbox adds, says what it added, exits 0."""
    directory = str(local_box.directory)
    first = runner.invoke(app, ["sandbox", "seed", "--dir", directory, "--subscriptions", "3"])
    second = runner.invoke(app, ["sandbox", "seed", "--dir", directory, "--subscriptions", "2"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "numbers 4 to 5" in second.output
    assert "Traceback" not in second.output


def test_seed_without_a_sandbox_is_one_line(tmp_path: Path) -> None:
    """No sandbox in the directory: one line naming it and how to start one, exit 2."""
    result = runner.invoke(app, ["sandbox", "seed", "--dir", str(tmp_path)])
    assert result.exit_code == ExitCode.USAGE
    assert "no sandbox in" in result.output
    assert "connector sandbox up" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_seed_with_the_sandbox_gone_is_one_line(tmp_path: Path) -> None:
    """A sandbox that stopped: one line saying nothing answers, exit 1, no traceback."""
    box = LocalSandbox(tmp_path / "box")
    box.start()
    box.write_config(Path("mappings"))
    box.stop()
    result = runner.invoke(app, ["sandbox", "seed", "--dir", str(box.directory)])
    assert result.exit_code == ExitCode.FAILED, result.output
    assert "no sandbox answers" in result.output
    assert isinstance(result.exception, SystemExit)


def test_seeding_reports_each_phase_with_its_total_and_steps(local_box: LocalSandbox) -> None:
    """Billing, the targets' sync and the drift each announce a total, then advance to it
    in several steps (a bar that moves during the run, not once at its end)."""
    settings = load_settings(_config(local_box))
    assert local_box.endpoints is not None
    progress = Recorder()
    seed_sandbox(
        settings, local_box.endpoints, local_box.odoo_client(), 600, 0.0, progress=progress
    )
    assert progress.phases == [("billing", 600), ("CRM and ERP", 600), ("drift", 2)]
    assert sum(progress.steps["CRM and ERP"]) == 600
    assert len(progress.steps["CRM and ERP"]) >= 4
    assert sum(progress.steps["billing"]) == 600
