"""Updates: lines changed in place, added and removed, never duplicated; totals follow."""

from __future__ import annotations

from typing import Any

from adapters.memory import MemorySource
from adapters.odoo import OdooTarget
from adapters.odoo.connection import OdooConnection, Rpc
from connector.mapping import CompiledMapping
from connector.reconciler import Reconciler
from connector.sandbox.odoo import OdooSandbox
from connector.schema import SubscriptionStatus
from connector.store import SqliteStore
from tests.adapters.odoo.conftest import FAST_RETRIES, World, make_settings, no_sleep
from tests.adapters.odoo.helpers import count, header_of, lines_of, read_back, rendered
from tests.factories import customer, forever_percent, item, paused, subscription


def test_quantity_change_updates_the_same_line_and_keeps_its_discount(
    world: World, stocked: Any
) -> None:
    ten_off = (forever_percent("10"),)
    world.put(subscription(1, items=(item("pro", 2, discounts=ten_off),)))
    world.run()
    before = {row["id"]: row for row in lines_of(stocked, "sub_00001")}
    world.put(subscription(1, items=(item("pro", 5, discounts=ten_off),)))
    report = world.run()
    assert report.status == "clean"
    after = {row["id"]: row for row in lines_of(stocked, "sub_00001")}
    assert after.keys() == before.keys()  # the same two lines, updated in place
    assert sorted((r["product_uom_qty"], r["price_unit"]) for r in after.values()) == [
        (1.0, -49.5),  # the coupon's line: 10 % of 495.00
        (5.0, 99.0),
    ]
    total = header_of(stocked, "sub_00001", ["recurring_total"])["recurring_total"]
    assert total == 445.5  # 5 x 99 x 0.9, recomputed through the header's one2many


def test_removed_item_removes_its_line_and_added_item_adds_one(world: World, stocked: Any) -> None:
    two = (item("pro", 1, item_id="si_1"), item("starter", 1, item_id="si_2"))
    world.put(subscription(1, items=two))
    world.run()
    assert len(lines_of(stocked, "sub_00001")) == 2
    world.put(subscription(1, items=(item("pro", 1, item_id="si_1"),)))
    world.run()
    (kept,) = lines_of(stocked, "sub_00001")
    assert kept["price_unit"] == 99.0
    three = (item("pro", 1, item_id="si_1"), item("enterprise", 1, item_id="si_3"))
    world.put(subscription(1, items=three))
    world.run()
    assert len(lines_of(stocked, "sub_00001")) == 2
    assert count(stocked, "ir.model.data", [("name", "like", "sub_00001__line_")]) == 2
    assert header_of(stocked, "sub_00001", ["recurring_total"])["recurring_total"] == 598.0
    again = world.run()
    assert dict(again.actions) == {}


def test_pausing_keeps_the_start_date(world: World, stocked: Any) -> None:
    """Writing an in-progress-type stage sets date_start to today in subscription_oca."""
    world.put(subscription(1))
    world.run()
    world.put(paused(subscription(1)))
    world.run()
    header = header_of(stocked, "sub_00001", ["stage_id", "date_start"])
    assert (header["stage_id"][1], header["date_start"]) == ("Paused", "2026-01-01")
    assert dict(world.run().actions) == {}


def test_lines_edited_in_odoo_are_put_back(world: World, stocked: Any) -> None:
    """A line edited directly leaves the header's write_date alone: the modstamp still moves."""
    sub = subscription(1)
    world.put(sub)
    world.run()
    key = "sub_00001"
    stamp = world.target.read("subscription", [key])[key].modstamp
    (line,) = lines_of(stocked, key)
    stocked.execute_kw("sale.subscription.line", "write", [[line["id"]], {"price_unit": 1.0}])
    assert world.target.read("subscription", [key])[key].modstamp != stamp
    world.run()
    assert read_back(world.target, sub) == rendered(world.target, sub)
    assert lines_of(stocked, key)[0]["id"] == line["id"]


def test_hand_made_line_is_removed(world: World, stocked: Any) -> None:
    sub = subscription(1)
    world.put(sub)
    world.run()
    header = header_of(stocked, "sub_00001", ["id"])["id"]
    product = stocked.execute_kw("product.product", "search", [[("default_code", "=", "pro")]])
    stocked.execute_kw(
        "sale.subscription",
        "write",
        [[header], {"sale_subscription_line_ids": [(0, 0, {"product_id": product[0]})]}],
    )
    world.run()
    assert len(lines_of(stocked, "sub_00001")) == 1
    assert read_back(world.target, sub) == rendered(world.target, sub)


def test_identical_changes_share_one_write(world: World, stocked: Any) -> None:
    """Five partners moving to France: one write(ids, vals) call, not five."""
    subs = [subscription(n) for n in range(1, 6)]
    world.put(*subs)
    world.run()
    world.put(*(sub.replace(customer=customer(n + 1, country="FR")) for n, sub in enumerate(subs)))
    before = world.target.calls.by_label.get("write res.partner", 0)
    report = world.run()
    assert report.status == "clean"
    assert world.target.calls.by_label["write res.partner"] - before == 1


def test_status_change_to_cancelled(world: World, stocked: Any) -> None:
    world.put(subscription(1))
    world.run()
    world.put(subscription(1, status=SubscriptionStatus.CANCELLED))
    world.run()
    assert header_of(stocked, "sub_00001", ["stage_id"])["stage_id"][1] == "Closed"


def test_record_deleted_behind_the_orm_is_created_again(
    world: World, stocked: Any, sandbox: OdooSandbox
) -> None:
    """A dangling external id (row deleted in SQL) must not block the record forever."""
    sub = subscription(1)
    world.put(sub)
    world.run()
    header = header_of(stocked, "sub_00001", ["sale_subscription_line_ids"])
    with sandbox.database.lock:
        sandbox.database.tables["sale.subscription"].remove(header["id"])
        for line_id in header["sale_subscription_line_ids"]:
            sandbox.database.tables["sale.subscription.line"].remove(line_id)
    report = world.run()
    assert report.status == "clean", report.summary()
    assert report.actions["odoo.create"] == 1
    assert count(stocked, "ir.model.data", [("name", "=like", "subscription_sub_00001%")]) == 2
    assert read_back(world.target, sub) == rendered(world.target, sub)


class RecordingRpc:
    """The real connection, with every execute_kw remembered."""

    def __init__(self, inner: Rpc) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, list[Any]]] = []
        self.kwargs: list[tuple[str, dict[str, Any]]] = []

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        self.calls.append((model, method, args))
        self.kwargs.append((method, kwargs))
        return self.inner.execute_kw(model, method, args, kwargs)


def test_changing_the_partner_keeps_the_line_prices(
    stocked: Any, port: int, odoo_mapping: CompiledMapping
) -> None:
    """subscription_oca reprices lines after a partner_id/pricelist_id write: the header is
    written first, then billing's line prices, and they stay."""
    settings = make_settings(port)
    rpc = RecordingRpc(OdooConnection(settings))
    target = OdooTarget(settings, odoo_mapping, rpc=rpc, policy=FAST_RETRIES, sleep=no_sleep)
    five_off = (item("pro", 2, discounts=(forever_percent("5"),)),)
    source = MemorySource([subscription(1, items=five_off)])
    world = World(source, target, Reconciler(source, [target], SqliteStore(":memory:")))
    world.run()
    moved = subscription(1, customer=customer(7), items=five_off)
    world.put(moved)
    rpc.calls.clear()
    assert world.run().status == "clean"
    item_line, coupon_line = sorted(lines_of(stocked, "sub_00001"), key=lambda r: -r["price_unit"])
    writes = [
        args[1]
        for model, method, args in rpc.calls
        if (model, method) == ("sale.subscription", "write")
    ]
    partner = header_of(stocked, "sub_00001", ["partner_id"])["partner_id"][0]
    # Odoo reprices every line after a partner or pricelist write, line values of the same
    # call included: the header goes alone, billing's line prices right after it.
    assert writes[:2] == [
        {"partner_id": partner},
        {
            "sale_subscription_line_ids": [
                [1, item_line["id"], {"discount": 0.0, "price_unit": 99.0}],
                [1, coupon_line["id"], {"discount": 0.0, "price_unit": -9.9}],
            ]
        },
    ]
    assert (item_line["price_unit"], coupon_line["price_unit"]) == (99.0, -9.9)


def test_subscription_deleted_in_odoo_is_created_again_without_collisions(
    world: World, stocked: Any
) -> None:
    """Deleting a subscription in Odoo leaves its lines' external ids; re-creating still works."""
    from tests.factories import item, subscription

    world.put(*(subscription(n, items=(item("pro", 2),)) for n in (1, 2, 3)))
    assert world.run().status == "clean"
    header = stocked.env.ref("subsync.subscription_sub_00002")
    stocked.execute_kw("sale.subscription", "unlink", [[header.id]])
    report = world.run()
    assert report.status == "clean", report.failures
    again = stocked.env.ref("subsync.subscription_sub_00002")
    assert again.id != header.id
    assert len(again.sale_subscription_line_ids) == 1


def test_every_write_turns_off_chat_log_tracking(
    stocked: Any, port: int, odoo_mapping: CompiledMapping
) -> None:
    """Loads (creates) and writes carry tracking_disable, mail_create_nolog and mail_notrack."""
    settings = make_settings(port)
    rpc = RecordingRpc(OdooConnection(settings))
    target = OdooTarget(settings, odoo_mapping, rpc=rpc, policy=FAST_RETRIES, sleep=no_sleep)
    source = MemorySource([subscription(1), subscription(2, status=SubscriptionStatus.PAUSED)])
    world = World(source, target, Reconciler(source, [target], SqliteStore(":memory:")))
    assert world.run().status == "clean"
    world.put(subscription(1, items=(item("pro", 4),)))
    assert world.run().status == "clean"
    writes = [(method, kw) for method, kw in rpc.kwargs if method in ("create", "write", "load")]
    assert {method for method, _ in writes} == {"load", "write"}
    for _method, kwargs in writes:
        context = kwargs.get("context", {})
        assert context.get("tracking_disable") is True, kwargs
        assert context.get("mail_create_nolog") is True
        assert context.get("mail_notrack") is True
