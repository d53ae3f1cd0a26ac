"""A system that cannot be used is paused: no dead letters, nothing lost, resumed after."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from connector.errors import FatalAdapterError, RetryableAdapterError
from connector.metrics import Metrics, StoreCollector
from connector.outcome import KeyFailure, Outcome, decide
from connector.queue import QueuePolicy, WorkQueue
from connector.records import WriteError, WriteRequest
from connector.worker import Worker
from tests.conftest import World

KEYS = [f"sub_{i:05d}" for i in range(1, 21)]


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _revoked(*_args: Any, **_kwargs: Any) -> Any:
    raise FatalAdapterError("odoo", "Access Denied", "ACCESS_DENIED")


def _setup(world: World) -> tuple[Clock, WorkQueue, Worker]:
    clock = Clock()
    queue = WorkQueue(world.store, QueuePolicy(), clock=clock, rng=random.Random(1))
    return clock, queue, Worker("w1", queue, world.reconciler, batch=50, metrics=Metrics())


def _metrics(world: World) -> str:
    registry = CollectorRegistry()
    registry.register(StoreCollector(lambda: world.store))
    return generate_latest(registry).decode()


def _drain(worker: Worker) -> None:
    while worker.run_once():
        pass


def test_revoked_credentials_pause_the_system_and_nothing_is_dead_lettered(
    world: World,
) -> None:
    clock, queue, worker = _setup(world)
    real_write = world.erp.write
    world.erp.write = _revoked  # type: ignore[method-assign]
    queue.add(KEYS, "webhook")
    assert worker.run_once() == 20
    assert world.store.count_dead_letters("open") == 0
    assert queue.stats().queued == 20  # every key back, for later
    (down,) = world.store.systems_down()
    assert down.system == "odoo"
    assert "Access Denied" in down.reason
    assert 'connector_system_down{system="odoo"} 1.0' in _metrics(world)
    assert worker.run_once() == 0  # paused: no work taken
    world.erp.write = real_write  # type: ignore[method-assign]
    clock.now += dt.timedelta(minutes=10)
    _drain(worker)
    assert world.store.systems_down() == []
    assert 'connector_system_down{system="odoo"}' not in _metrics(world)
    assert set(world.erp.records["subscription"]) == set(KEYS)
    assert world.store.count_dead_letters("open") == 0


def test_a_system_down_while_reading_pauses_too(world: World) -> None:
    clock, queue, worker = _setup(world)
    real_read = world.erp.read
    world.erp.read = _revoked  # type: ignore[method-assign]
    queue.add(KEYS[:5], "webhook")
    worker.run_once()
    assert [d.system for d in world.store.systems_down()] == ["odoo"]
    assert world.store.count_dead_letters("open") == 0
    clock.now += dt.timedelta(minutes=10)
    items = queue.take("probe", 50)
    assert [item.attempts for item in items] == [0] * 5  # no attempt spent
    for item in items:
        queue.give_back(item)
    world.erp.read = real_read  # type: ignore[method-assign]
    _drain(worker)
    assert set(world.erp.records["subscription"]) == set(KEYS[:5])


def test_pauses_grow_and_are_capped(world: World) -> None:
    clock, queue, worker = _setup(world)
    world.erp.write = _revoked  # type: ignore[method-assign]
    queue.add(KEYS[:1], "webhook")
    waits = []
    for _ in range(9):
        worker.run_once()
        waits.append(worker.pauses.wait_seconds())
        clock.now += dt.timedelta(seconds=waits[-1] + 1)
    assert waits[:4] == [5.0, 10.0, 20.0, 40.0]
    assert max(waits) == 300.0
    assert world.store.count_dead_letters("open") == 0


def test_a_transient_failure_is_retried_though_the_other_target_refused_for_good(
    world: World,
) -> None:
    """The CRM refuses the record for good; the ERP timed out: the key is retried (the ERP
    deserves another try), and the CRM's refusal waits as a dead letter."""
    _clock, queue, worker = _setup(world)

    def refuse(request: WriteRequest) -> WriteError | None:
        return WriteError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "no", retryable=False)

    def timeout(*_args: Any) -> Any:
        raise RetryableAdapterError("odoo", "timed out", "TIMEOUT")

    world.crm.rejecter = refuse
    world.erp.write = timeout  # type: ignore[method-assign,assignment]
    queue.add(["sub_00007"], "webhook")
    worker.run_once()
    stats = queue.stats()
    assert (stats.queued, stats.delayed) == (1, 1)
    letters = {letter.system: letter for letter in world.store.list_dead_letters()}
    assert not letters["salesforce"].retryable


def test_the_decision_table() -> None:
    down = KeyFailure("odoo", "revoked", retryable=True, system_down=True)
    transient = KeyFailure("odoo", "timeout", retryable=True)
    final = KeyFailure("salesforce", "invalid", retryable=False)
    assert decide([]).outcome is Outcome.DONE
    assert decide([final]).outcome is Outcome.TERMINAL
    assert decide([final, transient]).outcome is Outcome.RETRY
    assert decide([final, transient, down]).outcome is Outcome.SYSTEM_DOWN
    assert decide([final, down]).system == "odoo"
