"""`connector mrr`: the MRR bridge per currency."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated

import typer

from connector.cli.common import (
    ConfigOption,
    JsonOption,
    existing_store,
    fail_usage,
    out,
    settings_for,
    utc_day,
)


def mrr(
    config: ConfigOption = None,
    from_day: Annotated[
        str | None,
        typer.Option("--from", help="First UTC day (default: the first of this month)."),
    ] = None,
    to_day: Annotated[
        str | None, typer.Option("--to", help="Last UTC day, included (default: today).")
    ] = None,
    by: Annotated[
        str, typer.Option("--by", help="'month' for one row per calendar month, or 'period'.")
    ] = "period",
    currency: Annotated[str | None, typer.Option("--currency", help="Only this currency.")] = None,
    as_json: JsonOption = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="CSV, one row per currency and period.")
    ] = False,
) -> None:
    """The MRR bridge per currency: opening + new + expansion - contraction - churn +
    reactivation = closing, with ARR, churn and net revenue retention."""
    from connector.cli.mrr_render import bridge_csv, bridge_json, print_bridge
    from connector.revenue.bridge import bridge, month_periods
    from connector.revenue.synced import synced_mrr
    from connector.store import utcnow

    settings = settings_for(config)
    today = utcnow().date()
    start = (
        utc_day(from_day, "--from")
        if from_day
        else utc_day(today.replace(day=1).isoformat(), "--from")
    )
    end = (utc_day(to_day, "--to") if to_day else utc_day(today.isoformat(), "--to")) + (
        dt.timedelta(days=1)
    )
    if end <= start:
        raise fail_usage(ValueError("--to is before --from"))
    if by not in ("month", "period"):
        raise fail_usage(ValueError(f"--by {by!r}: use 'month' or 'period'"))
    periods = month_periods(start, end) if by == "month" else [(start, end)]
    with existing_store(settings) as store:
        rows = bridge(store.ledger(until=end), periods, currency.upper() if currency else None)
        synced = synced_mrr(store)
    if currency:
        synced = {code: amount for code, amount in synced.items() if code == currency.upper()}
    if as_csv:
        sys.stdout.write(bridge_csv(rows))
    elif as_json:
        sys.stdout.write(bridge_json(rows, synced) + "\n")
    else:
        print_bridge(out, rows, synced)
