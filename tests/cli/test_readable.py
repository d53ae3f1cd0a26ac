"""What the terminal shows reads as a person expects: shares, counts, times, cursors, tables."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from connector.cli.app import app
from connector.cli.humanize import ago, count, cursor_reading, duration
from connector.cli.render import print_dead_letters, print_runs
from connector.safety import SafetySettings, shares_apart
from connector.safety import _reason as valve_reason
from connector.store import DeadLetter, RunRecord, open_store
from tests.factories import MAPPINGS, subscription

runner = CliRunner()
NOW = dt.datetime(2026, 12, 3, 9, 15, tzinfo=dt.UTC)


def test_safety_valve_shows_counts_and_shares_that_differ() -> None:
    """25 of 100,000 against a 0.01 % limit is not "0% > 0% allowed"."""
    reason = valve_reason("cancel", 25, 100_000, 0.0001)
    assert reason == (
        "would cancel 25 of 100,000 subscriptions (0.03 %); "
        "at most 0.01 % allowed (10 subscriptions)"
    )
    assert "0% > 0%" not in reason
    assert shares_apart(0.1001, 0.10) == ("10.01 %", "10.00 %")
    assert SafetySettings().max_cancel_share == 0.10


def test_numbers_times_and_cursors_read_as_people_write_them() -> None:
    """Thousands separators, durations, ages and a Stripe cursor as a date."""
    assert count(1234567) == "1,234,567"
    assert duration(3.25) == "3.2 s"
    assert duration(185) == "3 min 05 s"
    assert duration(7620) == "2 h 07 min"
    assert ago(NOW - dt.timedelta(minutes=3), NOW) == "3 min ago"
    moment = int(dt.datetime(2026, 12, 3, 9, 12, tzinfo=dt.UTC).timestamp())
    assert (
        cursor_reading("stripe.changes", f"v1:{moment}:evt_1", NOW)
        == "stripe events up to 2026-12-03 09:12 UTC (3 min ago)"
    )
    assert cursor_reading("other.feed", "opaque", NOW) == "other.feed: opaque"


def _lines(console: Console) -> list[str]:
    return console.export_text().splitlines()


def test_an_empty_dead_letter_list_says_so() -> None:
    """No letters: a sentence, not an empty table."""
    console = Console(width=80, record=True)
    print_dead_letters(console, [], closed=False)
    assert _lines(console) == ["no open dead letters"]


def test_tables_fit_the_terminal_and_keep_every_character() -> None:
    """At 80 columns, long ids and messages wrap inside their cells, nothing is cut."""
    console = Console(width=80, record=True, soft_wrap=True)
    letter = DeadLetter(
        id=7,
        key="sub_" + "x" * 40,
        system="salesforce",
        run_id="run_1",
        error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        reason="Name: " + "too long " * 20,
        retryable=False,
        payload={},
        attempts=1234,
        status="open",
        created_at=NOW,
        updated_at=NOW,
    )
    print_dead_letters(console, [letter], closed=False)
    run = RunRecord(
        id="run_20261203T091200_0123abcd",
        kind="full",
        started_at=NOW - dt.timedelta(minutes=4),
        dry_run=False,
        mapping_version="",
        status="clean",
        finished_at=NOW - dt.timedelta(seconds=55),
        summary={"changed": 12345, "dead_letters": 0},
    )
    print_runs(console, [run], NOW)
    lines = _lines(console)
    assert max(len(line) for line in lines) <= 80
    assert "…" not in console.export_text()  # folded, never cut
    wide = Console(width=160, record=True, soft_wrap=True)
    print_runs(wide, [run], NOW)
    row = next(line for line in _lines(wide) if line.strip().startswith("run_"))
    assert row.split() == [
        "run_20261203T091200_0123abcd",
        "full",
        "2026-12-03",
        "09:11",
        "09:14",
        "3",
        "min",
        "05",
        "s",
        "clean",
        "12,345",
        "0",
    ]


def test_status_shows_finish_times_durations_and_cursors(tmp_path: Path) -> None:
    """After a run: when it finished, how long it took, and the event cursor as a date."""
    (tmp_path / "export.json").write_text(
        json.dumps([json.loads(subscription(i).model_dump_json()) for i in range(1, 6)])
    )
    config = tmp_path / "connector.toml"
    config.write_text(
        f'store_url = "sqlite:///state/connector.db"\nmappings_dir = "{MAPPINGS}"\n'
        'log_level = "WARNING"\n[source]\nkind = "memory"\npath = "export.json"\n'
        '[targets.salesforce]\nkind = "memory"\nmapping = "salesforce.yaml"\npath = "crm.json"\n'
    )
    assert runner.invoke(app, ["reconcile", "--config", str(config)]).exit_code == 0
    store = open_store(f"sqlite:///{tmp_path / 'state' / 'connector.db'}")
    moment = int(dt.datetime(2026, 12, 3, 9, 12, tzinfo=dt.UTC).timestamp())
    store.set_cursor("stripe.changes", f"v1:{moment}:evt_1")
    store.close()
    result = runner.invoke(app, ["status", "--config", str(config)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "finished" in result.stdout
    assert "took" in result.stdout
    assert "stripe events up to 2026-12-03 09:12 UTC" in result.stdout
    assert "running" not in result.stdout
    body = json.loads(runner.invoke(app, ["status", "--json", "--config", str(config)]).stdout)
    assert body["runs"][0]["duration_seconds"] >= 0
    assert body["cursor_readings"]["stripe.changes"].startswith("stripe events up to")
