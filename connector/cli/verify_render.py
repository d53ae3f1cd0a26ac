"""How ``connector verify`` shows its findings: totals per currency per system, then every
disagreement (the first ones on a terminal, all of them in JSON)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.verify import VerifyReport

SHOWN_DISAGREEMENTS = 50


def verify_json(report: VerifyReport) -> str:
    body: dict[str, Any] = {
        "agrees": report.agrees,
        "subscriptions": report.subscriptions,
        "agreeing": report.agreeing,
        "totals": {
            system: {currency: f"{amount:f}" for currency, amount in sorted(totals.items())}
            for system, totals in report.totals.items()
        },
        "disagreements": [
            {
                "subscription_id": d.subscription_id,
                "system": d.system,
                "what": d.what,
                "billing": d.billing,
                "target": d.target,
            }
            for d in report.disagreements
        ],
        "unreadable_in_billing": [
            {"subscription_id": e.key, "reason": e.reason} for e in report.unreadable
        ],
    }
    return json.dumps(body, indent=2)


def print_verify(console: Console, report: VerifyReport) -> None:
    table = Table(title="MRR stated by each system, per currency")
    table.add_column("currency")
    for system in report.systems:
        table.add_column(system, justify="right")
    currencies = sorted({c for totals in report.totals.values() for c in totals})
    for currency in currencies:
        row = [currency]
        for system in report.systems:
            amount = report.totals.get(system, {}).get(currency)
            row.append(f"{amount:,f}" if amount is not None else "-")
        table.add_row(*row)
    console.print(table)
    share = report.agreement_share * 100
    console.print(
        f"{report.agreeing:,} of {report.subscriptions:,} subscriptions agree in status and MRR "
        f"across {', '.join(report.systems)} ({share:.2f} %)."
    )
    for error in report.unreadable:
        reason = f"{escape(error.key)}: {escape(error.reason)}"
        console.print(f"[red]unreadable in billing[/red] {reason}")
    for disagreement in report.disagreements[:SHOWN_DISAGREEMENTS]:
        console.print(f"[yellow]differs[/yellow] {escape(disagreement.describe())}")
    hidden = len(report.disagreements) - SHOWN_DISAGREEMENTS
    if hidden > 0:
        console.print(f"... and {hidden:,} more (all of them with --json)")
