"""RPC calls per batch, as designed (see adapters/odoo/reader.py and writer.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.odoo import OdooTarget
from adapters.odoo.lookups import LookupCache
from connector.records import WriteRequest
from connector.sandbox.odoo import OdooSandbox
from tests.adapters.odoo.conftest import World
from tests.factories import customer, item, subscription


def requests(target: OdooTarget, object_name: str, subs: list[Any]) -> list[WriteRequest]:
    obj = target.mapping.objects[object_name]
    return [
        WriteRequest(object_name, key, "create", values) for key, values in map(obj.render, subs)
    ]


def test_creating_a_batch_costs_a_fixed_number_of_calls(
    target: OdooTarget, sandbox: OdooSandbox
) -> None:
    subs = [subscription(n, items=(item("pro", n),)) for n in range(1, 21)]
    target.write("partner", requests(target, "partner", subs))
    target.calls.by_label.clear()
    writes = target.calls.writes
    results = target.write("subscription", requests(target, "subscription", subs))
    assert all(r.ok and r.created for r in results)
    assert target.calls.by_label == {
        "search_read ir.model.data": 1,  # own external ids + the partners they reference
        "search_read sale.subscription.template": 1,
        "search_read product.pricelist": 1,  # by currency_id.name: ...
        "fields_get product.pricelist": 1,  # ... which model currency_id is (once per run)
        "read res.currency": 1,  # ... and the currencies' names
        "search_read sale.subscription.stage": 1,
        "search_read product.product": 1,
        # 20 headers, their lines and the external ids of all 40, in one transaction
        "load sale.subscription": 1,
        "read sale.subscription.stage": 1,  # stage types (for the date_start side effect)
        "write sale.subscription": 2,  # stage again, then date_start: shared by all 20
    }
    assert target.calls.writes - writes == 3  # the load and the two follow-up writes
    # The emulator saw the calls we counted, and no separate create of external ids.
    seen = sandbox.stats.snapshot()
    assert seen["execute_kw sale.subscription.load"] == 1
    assert "execute_kw sale.subscription.create" not in seen
    assert "execute_kw ir.model.data.create" not in seen  # partners were loaded too


def test_stage_types_are_read_once_per_run_not_once_per_batch(target: OdooTarget) -> None:
    subs = [subscription(n, items=(item("pro", n),)) for n in range(1, 41)]
    target.write("partner", requests(target, "partner", subs))
    target.calls.by_label.clear()
    for batch in (subs[:20], subs[20:]):  # two batches of one run
        assert all(
            r.ok for r in target.write("subscription", requests(target, "subscription", batch))
        )
    assert target.calls.by_label["read sale.subscription.stage"] == 1
    target.begin_run()  # a new run reads them again: an administrator may retype a stage
    target.calls.by_label.clear()
    more = [subscription(n, items=(item("pro", n),)) for n in range(41, 51)]
    target.write("partner", requests(target, "partner", more))
    assert all(r.ok for r in target.write("subscription", requests(target, "subscription", more)))
    assert target.calls.by_label["read sale.subscription.stage"] == 1


def test_reading_a_batch_costs_a_fixed_number_of_calls(
    world: World, make_target: Callable[..., OdooTarget]
) -> None:
    subs = [subscription(n) for n in range(1, 31)]
    world.put(*subs)
    world.run()
    fresh = make_target()  # empty caches, as at the start of a process
    found = fresh.read("subscription", [s.id for s in subs])
    assert len(found) == 30
    assert fresh.calls.by_label == {
        "search_read ir.model.data": 2,  # our external ids; partners' and lines' reversed
        "web_read sale.subscription": 1,  # the headers with their lines nested
        "read sale.subscription.template": 1,
        "read product.pricelist": 1,
        "fields_get product.pricelist": 1,
        "read res.currency": 1,
        "read sale.subscription.stage": 1,
        "read product.product": 1,
    }
    fresh.calls.by_label.clear()
    fresh.read("subscription", [s.id for s in subs])
    # Within one run the external ids are known: the records are read by id.
    assert fresh.calls.by_label == {"web_read sale.subscription": 1}
    fresh.begin_run()
    fresh.calls.by_label.clear()
    fresh.read("subscription", [s.id for s in subs])
    assert sum(fresh.calls.by_label.values()) == 3  # a new run looks up again; look-ups cached


def test_distinct_line_changes_cost_one_write_per_record(world: World) -> None:
    subs = [subscription(n) for n in range(1, 6)]
    world.put(*subs)
    world.run()
    world.put(*(s.replace(items=(item("pro", n + 2),)) for n, s in enumerate(subs)))
    before = dict(world.target.calls.by_label)
    report = world.run()
    assert report.status == "clean"
    spent = {k: v - before.get(k, 0) for k, v in world.target.calls.by_label.items()}
    assert spent["write sale.subscription"] == 5  # Odoo has no per-record-vals batch write
    assert "create ir.model.data" not in {k for k, v in spent.items() if v}


def test_partner_only_changes_touch_no_subscription(world: World) -> None:
    subs = [subscription(n) for n in range(1, 4)]
    world.put(*subs)
    world.run()
    for n, sub in enumerate(subs, start=1):
        world.put(sub.replace(customer=customer(n, email=f"new{n}@example.com")))
    before = world.target.calls.writes
    world.run()
    assert world.target.calls.writes - before == 3  # three distinct emails, three writes


def test_lookup_cache_expires(target: OdooTarget) -> None:
    """A long-running process sees reference data edited in Odoo after the cache's TTL."""
    now = [0.0]
    cache = LookupCache(target.client, ttl=60, clock=lambda: now[0])
    assert cache.resolve("res.country", "code", ["DE"])
    before = target.calls.total()
    cache.resolve("res.country", "code", ["DE"])
    assert target.calls.total() == before
    now[0] = 61.0
    cache.resolve("res.country", "code", ["DE"])
    assert target.calls.total() == before + 1


def test_a_small_run_reads_each_model_once_to_plan_and_writes_without_reading(
    world: World,
) -> None:
    subs = [subscription(n) for n in range(1, 4)]
    world.put(*subs)
    world.run()
    world.run()  # reference data cached, as in a running daemon
    world.put(*(s.replace(items=(item("pro", n + 4),)) for n, s in enumerate(subs)))
    phases: dict[str, dict[str, int]] = {}
    original_write = world.target.write

    def counted_write(*args: Any) -> Any:
        phases["planning"] = dict(world.target.calls.by_label)
        world.target.calls.by_label.clear()
        try:
            return original_write(*args)
        finally:
            phases["writing"] = dict(world.target.calls.by_label)
            world.target.calls.by_label.clear()

    world.target.write = counted_write  # type: ignore[method-assign,assignment]
    world.target.calls.by_label.clear()
    report = world.run([s.id for s in subs])
    assert report.status == "clean"
    assert report.verified == 3
    assert phases["planning"] == {
        "search_read ir.model.data": 1,  # subscriptions', partners' and lines' external ids
        "search_read res.partner": 1,
        "web_read sale.subscription": 1,  # with the lines nested: one call for both models
    }
    assert phases["writing"] == {"write sale.subscription": 3}  # nothing read again
    # The read-back reads the written records by id, lines nested: one call.
    assert world.target.calls.by_label == {"web_read sale.subscription": 1}
