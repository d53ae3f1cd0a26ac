"""``connector mrr`` (the MRR bridge from the ledger) and the audit trail's filters."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from connector.cli.app import app
from connector.exit_codes import ExitCode
from connector.schema import SubscriptionStatus
from tests.cli.test_cli import _export, run, runner, workdir  # noqa: F401 - the fixture
from tests.factories import item, subscription


def _history(workdir: Path) -> None:  # noqa: F811
    """A first sync of 30 subscriptions (99.00 EUR each), then billing changes: one upgrade
    to 3 seats (+198.00), one cancellation (-99.00), and a brand-new subscription."""
    assert run(workdir, "reconcile")[0] == ExitCode.CLEAN
    subs = [json.loads(subscription(i).model_dump_json()) for i in range(1, 31)]
    subs[0] = json.loads(subscription(1, items=(item("pro", 3),)).model_dump_json())
    cancelled = subscription(2).replace(status=SubscriptionStatus.CANCELLED)
    subs[1] = json.loads(cancelled.model_dump_json())
    _export(workdir / "export.json", subs)
    assert run(workdir, "reconcile")[0] == ExitCode.CLEAN


def test_bridge_adds_up_to_the_synced_mrr(workdir: Path) -> None:  # noqa: F811
    """Opening 0, 2,970.00 of opening balances, +198.00 expansion, -99.00 churn: closing
    3,069.00 = the MRR of every synced subscription; nothing counted as new business."""
    _history(workdir)
    code, out = run(workdir, "mrr", "--from", "2020-01-01", "--json")
    assert code == 0
    body = json.loads(out)
    (period,) = body["periods"]
    assert period["currency"] == "EUR"
    assert Decimal(period["opening"]) == 0
    assert Decimal(period["opening_balances_added"]) == Decimal("2970.00")
    assert Decimal(period["new_business"]) == 0
    assert Decimal(period["expansion"]) == Decimal("198.00")
    assert Decimal(period["churn"]) == Decimal("99.00")
    assert Decimal(period["closing"]) == Decimal("3069.00")
    assert Decimal(period["arr"]) == Decimal("36828.00")
    assert body["synced_mrr"] == {"EUR": "3069.00"}
    total = sum(
        Decimal(period[name]) * sign
        for name, sign in (
            ("opening", 1),
            ("opening_balances_added", 1),
            ("new_business", 1),
            ("expansion", 1),
            ("contraction", -1),
            ("churn", -1),
            ("reactivation", 1),
        )
    )
    assert total == Decimal(period["closing"])


def test_csv_has_one_row_per_currency_and_month(workdir: Path) -> None:  # noqa: F811
    """--by month --csv: a header, then one row per calendar month of the range."""
    _history(workdir)
    today = dt.datetime.now(dt.UTC).date()
    this_month = today.replace(day=1)
    previous = (this_month - dt.timedelta(days=1)).replace(day=1)
    start = (previous - dt.timedelta(days=1)).replace(day=1)
    code, out = run(
        workdir, "mrr", "--from", start.isoformat(), "--to", today.isoformat(), "--by", "month",
        "--csv",
    )  # fmt: skip
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("currency,from,to,opening,opening_balances_added,new_business")
    assert [line.split(",")[1] for line in lines[1:]] == [
        start.isoformat(),
        previous.isoformat(),
        this_month.isoformat(),
    ]
    *_, closing, _arr, _logo, _revenue, _nrr = lines[-1].split(",")
    assert Decimal(closing) == Decimal("3069.00")


def test_bad_dates_are_usage_errors(workdir: Path) -> None:  # noqa: F811
    """An unreadable date or an empty range exits 2 with nothing read."""
    assert run(workdir, "mrr", "--from", "yesterday")[0] == ExitCode.USAGE
    assert run(workdir, "mrr", "--from", "2026-02-01", "--to", "2026-01-01")[0] == ExitCode.USAGE


def test_audit_filters_truncation_and_csv(workdir: Path) -> None:  # noqa: F811
    """--outcome, --system and --until narrow the trail; a cut answer says so; CSV has the
    movements."""
    _history(workdir)
    code, out = run(workdir, "audit", "--type", "upgraded", "--csv")
    assert code == 0
    header, row = out.strip().splitlines()
    assert header.startswith("at,subscription_id,customer_id,event_types,outcome")
    assert "expansion:198.00:EUR" in row
    assert "odoo salesforce" in row
    code, out = run(workdir, "audit", "--system", "salesforce", "--outcome", "applied", "--json")
    entries = json.loads(out)
    assert len(entries) == 32  # 30 baselines, the upgrade, the cancellation
    assert all("salesforce" in entry["detail"]["targets"] for entry in entries)
    assert json.loads(run(workdir, "audit", "--system", "nowhere", "--json")[1]) == []
    assert json.loads(run(workdir, "audit", "--until", "2000-01-01", "--json")[1]) == []
    result = runner.invoke(
        app, ["audit", "--limit", "5", "--config", str(workdir / "connector.toml")]
    )
    assert "Showing the newest 5 entries; there are more" in result.stderr
