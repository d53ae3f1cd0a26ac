"""Through the reconciler: what is written reads back equal, so a second run writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connector.schema import IntervalUnit, SubscriptionStatus
from tests.adapters.odoo.conftest import World
from tests.adapters.odoo.helpers import count, header_of, lines_of, read_back, rendered
from tests.factories import forever_percent, item, paused, subscription

T_CANCEL = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)


def variety() -> list[Any]:
    return [
        subscription(1),
        subscription(2, items=(item("pro", 3, discounts=(forever_percent("10"),)),)),
        paused(subscription(3)),
        subscription(4, status=SubscriptionStatus.CANCELLED, cancel_at=T_CANCEL),
        subscription(
            5,
            currency="USD",
            items=(
                item("starter", 2, unit=IntervalUnit.YEAR, currency="USD", item_id="si_a"),
                item("enterprise", 1, unit=IntervalUnit.YEAR, currency="USD", item_id="si_b"),
            ),
        ),
        subscription(6, status=SubscriptionStatus.TRIALING),
    ]


def test_written_records_read_back_as_rendered(world: World) -> None:
    subs = variety()
    world.put(*subs)
    report = world.run()
    assert report.status == "clean", report.summary()
    assert report.applied["odoo.ok"] == 12
    for sub in subs:
        assert read_back(world.target, sub) == rendered(world.target, sub), sub.id


def test_second_run_plans_no_write(world: World) -> None:
    world.put(*variety())
    world.run()
    writes_before = world.target.calls.writes
    again = world.run()
    assert again.status == "clean"
    assert dict(again.actions) == {}
    assert world.target.calls.writes == writes_before
    assert again.cost["odoo"].writes == 0


def test_rerun_after_lost_state_does_not_duplicate(world: World, stocked: Any) -> None:
    """A fresh state store (or another tool) finds our records by their external ids."""
    world.put(*variety())
    world.run()
    from adapters.memory import MemorySource
    from connector.reconciler import Reconciler
    from connector.store import SqliteStore

    source = MemorySource(variety())
    fresh = Reconciler(source, [world.target], SqliteStore(":memory:"))
    report = fresh.reconcile(source.ids())
    assert report.status == "clean"
    assert "odoo.create" not in report.actions
    assert count(stocked, "sale.subscription") == 6
    # One line per line of each recurring invoice: 7 items and 1 coupon.
    assert count(stocked, "sale.subscription.line") == 8


def test_header_totals_are_computed_from_the_lines(world: World, stocked: Any) -> None:
    world.put(subscription(2, items=(item("pro", 3, discounts=(forever_percent("10"),)),)))
    world.run()
    # The coupon is a line of its own (-10 % of 297.00), the item line has no discount.
    item_line, coupon_line = sorted(lines_of(stocked, "sub_00002"), key=lambda r: -r["price_unit"])
    assert (item_line["product_uom_qty"], item_line["price_unit"], item_line["discount"]) == (
        3.0,
        99.0,
        0.0,
    )
    assert (coupon_line["product_uom_qty"], coupon_line["price_unit"]) == (1.0, -29.7)
    header = header_of(stocked, "sub_00002", ["recurring_total"])
    assert Decimal(str(header["recurring_total"])) == Decimal("267.30")  # 3 x 99 x 0.9


def test_cancel_date_and_start_date_survive_the_stage_side_effects(
    world: World, stocked: Any
) -> None:
    """subscription_oca resets the stage on create and date_start on an in-progress stage."""
    world.put(subscription(4, status=SubscriptionStatus.CANCELLED, cancel_at=T_CANCEL))
    world.put(subscription(1))
    world.run()
    cancelled = header_of(stocked, "sub_00004", ["stage_id", "date", "date_start"])
    assert cancelled["stage_id"][1] == "Closed"
    assert (cancelled["date"], cancelled["date_start"]) == ("2026-06-30", "2026-01-01")
    active = header_of(stocked, "sub_00001", ["stage_id", "date_start"])
    assert (active["stage_id"][1], active["date_start"]) == ("In progress", "2026-01-01")
