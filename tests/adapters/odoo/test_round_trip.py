"""Through the reconciler: what only Odoo does with what is written (computed totals, the
stage's side effects). Round trip, idempotence and lost state: tests/contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connector.schema import SubscriptionStatus
from tests.adapters.odoo.conftest import World
from tests.adapters.odoo.helpers import header_of, lines_of
from tests.factories import forever_percent, item, subscription

T_CANCEL = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)


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
