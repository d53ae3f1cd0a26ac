"""How ``connector mrr`` shows the bridge: a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from connector.revenue import MovementKind
from connector.revenue.bridge import BridgeRow
from connector.schema import quantum

_K = MovementKind
COLUMNS = (
    "currency",
    "from",
    "to",
    "opening",
    "opening_balances_added",
    "new_business",
    "expansion",
    "contraction",
    "churn",
    "reactivation",
    "closing",
    "arr",
    "logo_churn",
    "revenue_churn",
    "net_revenue_retention",
)


def _text(value: Decimal | None, places: int | None = None) -> str | None:
    if value is None:
        return None
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return f"{value:f}"


def row_values(row: BridgeRow) -> dict[str, Any]:
    """One row as finance reads it: contraction and churn as the positive amounts lost, every
    amount at its currency's precision (exact: the ledger holds whole minor units)."""
    unit = quantum(row.currency)

    def _money(value: Decimal) -> str:
        return f"{value.quantize(unit):f}"

    return {
        "currency": row.currency,
        "from": row.start.date().isoformat(),
        "to": (row.end.date()).isoformat(),
        "opening": _money(row.opening),
        "opening_balances_added": _money(row.amount(_K.BASELINE)),
        "new_business": _money(row.amount(_K.NEW_BUSINESS)),
        "expansion": _money(row.amount(_K.EXPANSION)),
        "contraction": _money(-row.amount(_K.CONTRACTION)),
        "churn": _money(-row.amount(_K.CHURN)),
        "reactivation": _money(row.amount(_K.REACTIVATION)),
        "closing": _money(row.closing),
        "arr": _money(row.arr),
        "logo_churn": _text(row.logo_churn, 4),
        "revenue_churn": _text(row.revenue_churn, 4),
        "net_revenue_retention": _text(row.net_revenue_retention, 4),
    }


def bridge_json(rows: Sequence[BridgeRow], synced: dict[str, Decimal]) -> str:
    return json.dumps(
        {
            "periods": [row_values(row) for row in rows],
            "synced_mrr": {code: f"{amount:f}" for code, amount in sorted(synced.items())},
        },
        indent=2,
    )


def bridge_csv(rows: Sequence[BridgeRow]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row_values(row))
    return buffer.getvalue()


BRIDGE_LINES = (
    ("opening", "opening MRR"),
    ("opening_balances_added", "+ opening balances added"),
    ("new_business", "+ new business"),
    ("expansion", "+ expansion"),
    ("contraction", "- contraction"),
    ("churn", "- churn"),
    ("reactivation", "+ reactivation"),
    ("closing", "= closing MRR"),
    ("arr", "ARR"),
    ("net_revenue_retention", "net revenue retention"),
    ("revenue_churn", "revenue churn"),
    ("logo_churn", "logo churn"),
)
_RATES = ("net_revenue_retention", "revenue_churn", "logo_churn")


def print_bridge(console: Console, rows: Sequence[BridgeRow], synced: dict[str, Decimal]) -> None:
    """One table per period, as finance lays a bridge out: its lines down, currencies across."""
    periods: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        values = row_values(row)
        periods.setdefault((values["from"], values["to"]), []).append(values)
    for (start, end), columns in periods.items():
        table = Table(title=f"MRR bridge from {start} to {end} (exclusive)")
        table.add_column("")
        for values in columns:
            table.add_column(values["currency"], justify="right")
        for key, label in BRIDGE_LINES:
            cells = []
            for values in columns:
                value = values[key]
                if value is None:
                    cells.append("-")
                elif key in _RATES:
                    cells.append(f"{Decimal(value) * 100:.1f} %")
                else:
                    cells.append(f"{Decimal(value):,}")
            table.add_row(label, *cells)
        console.print(table)
    if not rows:
        console.print("No revenue movements recorded yet: run `connector reconcile` first.")
    if synced:
        shown = ", ".join(f"{amount:,} {code}" for code, amount in sorted(synced.items()))
        console.print(f"MRR of every synced subscription now: {shown}")
