"""The revenue page's charts, drawn as SVG on the server by pygal (no script, no plotting
code of our own).

Amounts are exact ``Decimal`` everywhere else; a chart gets them as floats only to place its
bars, and every bar's label is the exact amount. The tables beside the charts show the same
figures exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import pygal
from pygal.style import Style

from connector.revenue.bridge import BridgeRow, bridge, month_periods
from connector.revenue.movements import MovementKind
from connector.store import StateStore

_STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    font_family="system-ui, sans-serif",
    colors=("#2f6db5", "#3c9a5f", "#d08a2c", "#c0392b", "#7d5ba6", "#5d6d7e"),
)
# Shown in this order; the opening balances of newly seen subscriptions are not movements.
MOVEMENTS = (
    MovementKind.NEW_BUSINESS,
    MovementKind.EXPANSION,
    MovementKind.CONTRACTION,
    MovementKind.CHURN,
    MovementKind.REACTIVATION,
)

# The bridge table's columns: the movements and, first, opening balances added.
TABLE_KINDS = (MovementKind.BASELINE, *MOVEMENTS)
# pygal adds a script with its tooltip settings; the page runs none (its CSP forbids them).
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _svg(chart: pygal.Bar) -> str:
    return _SCRIPT.sub("", str(chart.render(is_unicode=True)))


def _chart(title: str) -> pygal.Bar:
    return pygal.Bar(
        title=title,
        style=_STYLE,
        js=[],  # pygal's tooltips load a script from elsewhere: never on this page
        disable_xml_declaration=True,
        width=640,
        height=320,
        explicit_size=True,
        show_legend=False,
        print_values=False,
    )


def _bar(amount: Decimal, currency: str) -> dict[str, object]:
    return {"value": float(amount), "label": f"{amount:,f} {currency}"}


def mrr_chart(closing: Mapping[str, Decimal]) -> str:
    """MRR per currency, one bar each (currencies are not added up)."""
    chart = _chart("MRR per currency")
    chart.x_labels = list(closing)
    chart.add("MRR", [_bar(amount, code) for code, amount in closing.items()])
    return _svg(chart)


def movements_chart(row: BridgeRow) -> str:
    """The month's movements of one currency, signed (churn and contraction below zero)."""
    chart = _chart(f"{row.currency}: this month's movements")
    chart.x_labels = [kind.value.replace("_", " ") for kind in MOVEMENTS]
    chart.add(row.currency, [_bar(row.amount(kind), row.currency) for kind in MOVEMENTS])
    return _svg(chart)


@dataclass(frozen=True)
class Revenue:
    month_start: dt.datetime
    rows: list[BridgeRow]
    mrr_svg: str | None
    movement_svgs: list[str]


def month_start(now: dt.datetime) -> dt.datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def revenue(store: StateStore, now: dt.datetime) -> Revenue:
    """This month's bridge per currency (as ``connector mrr`` computes it) and its charts."""
    start = month_start(now)
    (period,) = month_periods(start, now + dt.timedelta(seconds=1))
    rows = bridge(store.ledger(until=period[1]), [period])
    closing = {row.currency: row.closing for row in rows}
    return Revenue(
        month_start=start,
        rows=rows,
        mrr_svg=mrr_chart(closing) if closing else None,
        movement_svgs=[movements_chart(row) for row in rows],
    )
