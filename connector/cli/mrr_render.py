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
    """One row as finance reads it: contraction and churn as the positive amounts lost."""
    return {
        "currency": row.currency,
        "from": row.start.date().isoformat(),
        "to": (row.end.date()).isoformat(),
        "opening": _text(row.opening),
        "opening_balances_added": _text(row.amount(_K.BASELINE)),
        "new_business": _text(row.amount(_K.NEW_BUSINESS)),
        "expansion": _text(row.amount(_K.EXPANSION)),
        "contraction": _text(-row.amount(_K.CONTRACTION)),
        "churn": _text(-row.amount(_K.CHURN)),
        "reactivation": _text(row.amount(_K.REACTIVATION)),
        "closing": _text(row.closing),
        "arr": _text(row.arr),
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


def print_bridge(console: Console, rows: Sequence[BridgeRow], synced: dict[str, Decimal]) -> None:
    table = Table(title="MRR bridge (to is exclusive)")
    for name in ("currency", "from", "to", "opening", "+ opening balances", "+ new",
                 "+ expansion", "- contraction", "- churn", "+ reactivation", "= closing",
                 "NRR"):  # fmt: skip
        table.add_column(name, justify="left" if name in ("currency", "from", "to") else "right")
    for row in rows:
        values = row_values(row)
        nrr = row.net_revenue_retention
        table.add_row(
            row.currency,
            values["from"],
            values["to"],
            *(
                f"{Decimal(values[key]):,}"
                for key in (
                    "opening",
                    "opening_balances_added",
                    "new_business",
                    "expansion",
                    "contraction",
                    "churn",
                    "reactivation",
                    "closing",
                )
            ),
            f"{nrr * 100:.1f} %" if nrr is not None else "-",
        )
    console.print(table)
    if synced:
        shown = ", ".join(f"{amount:,} {code}" for code, amount in sorted(synced.items()))
        console.print(f"MRR of every synced subscription now: {shown}")
