"""Injected faults: retried without duplicates; refusals stay with the record refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.memory import MemorySource
from adapters.odoo import OdooTarget
from adapters.odoo.connection import OdooConnection, Rpc
from adapters.odoo.settings import OdooSettings
from connector.errors import FatalAdapterError, RetryableAdapterError
from connector.mapping import CompiledMapping
from connector.outcome import Outcome
from connector.reconciler import Reconciler
from connector.records import WriteRequest
from connector.sandbox.common import FaultKind, FaultRule
from connector.sandbox.odoo import OdooSandbox
from connector.store import SqliteStore
from tests.adapters.odoo.conftest import (
    FAST_RETRIES,
    World,
    make_settings,
    no_sleep,
    seed_reference_data,
)
from tests.adapters.odoo.helpers import count, lines_of, read_back, rendered
from tests.factories import paused, subscription

SUB_LOAD = "/jsonrpc/object/sale.subscription/load"


def put_faults(port: int, rules: list[FaultRule]) -> None:
    response = httpx.put(
        f"http://127.0.0.1:{port}/__sandbox/faults",
        json=[rule.model_dump(mode="json") for rule in rules],
    )
    response.raise_for_status()


def injected(port: int) -> dict[str, int]:
    stats: dict[str, int] = httpx.get(f"http://127.0.0.1:{port}/__sandbox/stats").json()[
        "faults_injected"
    ]
    return stats


def test_serialization_failures_and_503s_are_survived_without_duplicates(
    world: World, stocked: Any, port: int
) -> None:
    put_faults(
        port,
        [
            FaultRule(kind=FaultKind.SERIALIZATION_FAILURE, path_prefix=SUB_LOAD, count=2),
            FaultRule(
                kind=FaultKind.SERIALIZATION_FAILURE,
                path_prefix="/jsonrpc/object/res.partner/load",
                count=1,
            ),
            FaultRule(kind=FaultKind.HTTP_503, path_prefix="/jsonrpc", count=2),
            FaultRule(kind=FaultKind.CONNECTION_RESET, path_prefix="/jsonrpc", count=1),
        ],
    )
    subs = [subscription(n) for n in range(1, 4)]
    world.put(*subs)
    report = world.run()
    assert report.status == "clean", report.summary()
    assert injected(port) == {"serialization_failure": 3, "http_503": 2, "connection_reset": 1}
    assert world.target.resilient.retries == 6
    assert count(stocked, "sale.subscription") == 3
    assert count(stocked, "sale.subscription.line") == 3
    assert count(stocked, "res.partner", [("ref", "like", "cus_")]) == 3
    for sub in subs:
        assert read_back(world.target, sub) == rendered(world.target, sub)


def test_a_refused_record_fails_alone(world: World, stocked: Any, sandbox: OdooSandbox) -> None:
    """Odoo rolls a whole load back for one bad record: the others land in one more call."""
    sandbox.injector.add_rule(
        FaultRule(
            kind=FaultKind.REJECT_RECORD,
            path_prefix=SUB_LOAD,
            message="The subscription is invalid",
            count=2,  # inside load: the batch attempt, then the first record alone
        )
    )
    subs = [subscription(n) for n in range(1, 4)]
    world.put(*subs)
    report = world.run()
    assert report.dead_letters == 1
    assert report.applied["odoo.failed"] == 1
    assert count(stocked, "sale.subscription") == 2
    assert world.target.calls.by_label["load sale.subscription"] == 2  # all 3, then the 2 good
    assert count(stocked, "ir.model.data", [("name", "=like", "subscription_sub_00001%")]) == 0
    letters = world.reconciler.store.list_dead_letters()
    assert [(d.key, d.error_code) for d in letters] == [("sub_00001", "VALIDATION_ERROR")]
    assert "The subscription is invalid" in letters[0].reason


def test_a_missing_create_right_is_fatal_for_odoo_not_a_refusal_per_record(
    world: World, stocked: Any, sandbox: OdooSandbox
) -> None:
    """load() reports a missing right once per record: it is a permission, so Odoo is down
    for every record (paused by the workers), and no record is dead-lettered for it."""
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.MISSING_ACCESS_RIGHT, path_prefix=SUB_LOAD))
    subs = [subscription(n) for n in range(1, 4)]
    world.put(*subs)
    report = world.run()
    assert world.target.calls.by_label["load sale.subscription"] == 1
    assert count(stocked, "sale.subscription") == 0
    assert world.reconciler.store.list_dead_letters() == []
    assert report.status == "failed"  # not brought in line, though nothing was dead-lettered
    reason = report.systems_down["odoo"]
    assert "may not create sale.subscription" in reason
    assert "Sales / User: Own Documents Only" in reason
    assert {report.decision(s.id).outcome for s in subs} == {Outcome.SYSTEM_DOWN}


def test_unknown_stage_fails_only_that_record(
    odoo: Any, make_target: Callable[..., OdooTarget]
) -> None:
    seed_reference_data(odoo, paused_stage=False)
    target = make_target()
    subs = [subscription(1), paused(subscription(2)), subscription(3)]
    partners = [
        WriteRequest("partner", key, "create", values)
        for key, values in (target.mapping.objects["partner"].render(s) for s in subs)
    ]
    assert all(r.ok for r in target.write("partner", partners))
    requests = [
        WriteRequest("subscription", key, "create", values)
        for key, values in (target.mapping.objects["subscription"].render(s) for s in subs)
    ]
    results = target.write("subscription", requests)
    assert [r.ok for r in results] == [True, False, True]
    error = results[1].error
    assert error is not None
    assert error.code == "LOOKUP_NOT_FOUND"
    assert error.message == "no sale.subscription.stage named 'Paused'"
    assert (error.retryable, error.fields) == (False, ("stage_id",))
    assert count(odoo, "sale.subscription") == 2


def test_unknown_product_on_a_line_fails_that_record(target: OdooTarget, stocked: Any) -> None:
    sub = subscription(1)
    _key, partner = target.mapping.objects["partner"].render(sub)
    target.write("partner", [WriteRequest("partner", sub.customer.id, "create", partner)])
    key, values = target.mapping.objects["subscription"].render(sub)
    lines = values["sale_subscription_line_ids"]
    assert isinstance(lines, list)
    assert isinstance(lines[0], dict)
    lines[0]["product_id"] = {"lookup": "product.product", "by": "default_code", "value": "gold"}
    (result,) = target.write("subscription", [WriteRequest("subscription", key, "create", values)])
    assert result.error is not None
    assert result.error.code == "LOOKUP_NOT_FOUND"
    assert result.error.fields == ("sale_subscription_line_ids[si_1].product_id",)


def test_exhausted_retries_fail_the_batch_as_retryable(
    target: OdooTarget, sandbox: OdooSandbox
) -> None:
    sub = subscription(1)
    key, partner = target.mapping.objects["partner"].render(sub)
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.HTTP_503, path_prefix="/jsonrpc"))
    (result,) = target.write("partner", [WriteRequest("partner", key, "create", partner)])
    assert not result.ok
    assert result.error is not None
    assert result.error.retryable
    with pytest.raises(RetryableAdapterError):
        target.read("partner", [key])


@pytest.mark.parametrize("overrides", [{"password": "wrong-password"}, {"database": "production"}])
def test_bad_credentials_or_database_are_fatal(
    port: int, odoo_mapping: CompiledMapping, sandbox: OdooSandbox, overrides: dict[str, str]
) -> None:
    settings: OdooSettings = make_settings(port, **overrides)
    target = OdooTarget(settings, odoo_mapping)
    with pytest.raises(FatalAdapterError):
        target.read("partner", ["cus_00001"])


def test_password_is_never_shown(port: int, odoo_mapping: CompiledMapping) -> None:
    from connector.redaction import redact_text

    settings = make_settings(port, password="a-very-secret-api-key")
    assert "a-very-secret-api-key" not in repr(settings)
    assert redact_text("login with a-very-secret-api-key failed") == (
        "login with [REDACTED] failed"
    )


class AnswerLost:
    """The real connection, except that the first ``load``'s answer never arrives: Odoo
    committed it, the client saw the connection drop."""

    def __init__(self, inner: Rpc) -> None:
        self.inner = inner
        self.lost = False

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        result = self.inner.execute_kw(model, method, args, kwargs)
        if method == "load" and model == "sale.subscription" and not self.lost:
            self.lost = True
            raise ConnectionResetError("connection reset by peer")
        return result


def test_a_load_retried_after_its_answer_was_lost_creates_no_twin(
    stocked: Any, port: int, odoo_mapping: CompiledMapping
) -> None:
    """load is idempotent: the retry finds the external ids the lost call bound and writes."""
    settings = make_settings(port)
    rpc = AnswerLost(OdooConnection(settings))
    target = OdooTarget(settings, odoo_mapping, rpc=rpc, policy=FAST_RETRIES, sleep=no_sleep)
    subs = [subscription(n) for n in range(1, 4)]
    source = MemorySource(subs)
    world = World(source, target, Reconciler(source, [target], SqliteStore(":memory:")))
    report = world.run()
    assert report.status == "clean", report.summary()
    assert rpc.lost
    assert target.calls.by_label["load sale.subscription"] == 1  # retried inside the call
    assert target.resilient.retries == 1
    assert count(stocked, "sale.subscription") == 3
    assert count(stocked, "sale.subscription.line") == 3
    assert count(stocked, "ir.model.data", [("name", "=like", "subscription_sub_%")]) == 6
    for sub in subs:
        assert read_back(target, sub) == rendered(target, sub)


def test_a_batch_load_that_runs_out_of_retries_goes_on_record_by_record(
    target: OdooTarget, sandbox: OdooSandbox, stocked: Any
) -> None:
    """The batch's load loses every attempt: each record is then loaded in its own call,
    and none is failed by a call that was not its own."""
    subs = [subscription(n) for n in range(1, 4)]
    requests = [
        WriteRequest("partner", key, "create", values)
        for key, values in (target.mapping.objects["partner"].render(s) for s in subs)
    ]
    attempts = FAST_RETRIES.attempts
    sandbox.injector.add_rule(
        FaultRule(
            kind=FaultKind.SERIALIZATION_FAILURE,
            path_prefix="/jsonrpc/object/res.partner/load",
            count=attempts,
        )
    )
    results = target.write("partner", requests)
    assert [r.ok for r in results] == [True, True, True], [r.error for r in results]
    assert count(stocked, "res.partner", [("ref", "like", "cus_")]) == 3
    # The lost batch call (counted once, whatever its attempts), then one call per record.
    assert target.calls.by_label["load res.partner"] == 1 + 3


def test_a_record_alone_that_runs_out_of_retries_is_failed_by_its_own_call(
    target: OdooTarget, sandbox: OdooSandbox, stocked: Any
) -> None:
    """Record by record, a call lost again fails only the record it carried."""
    subs = [subscription(n) for n in range(1, 4)]
    requests = [
        WriteRequest("partner", key, "create", values)
        for key, values in (target.mapping.objects["partner"].render(s) for s in subs)
    ]
    attempts = FAST_RETRIES.attempts
    sandbox.injector.add_rule(
        FaultRule(
            kind=FaultKind.SERIALIZATION_FAILURE,
            path_prefix="/jsonrpc/object/res.partner/load",
            count=2 * attempts,  # the batch's call, then the first record's own call
        )
    )
    results = target.write("partner", requests)
    assert [r.ok for r in results] == [False, True, True]
    error = results[0].error
    assert error is not None
    assert error.retryable
    assert count(stocked, "res.partner", [("ref", "like", "cus_")]) == 2


def test_a_batch_update_that_loses_its_read_goes_on_record_by_record(
    target: OdooTarget, sandbox: OdooSandbox, stocked: Any
) -> None:
    """Updates read the current headers for the whole batch; that read lost, each record
    is updated on its own."""
    subs = [subscription(n) for n in range(1, 4)]
    for name in ("partner", "subscription"):
        obj = target.mapping.objects[name]
        created = target.write(
            name, [WriteRequest(name, *obj.render(s)[:1], "create", obj.render(s)[1]) for s in subs]
        )
        assert all(r.ok for r in created), [r.error for r in created]
    obj = target.mapping.objects["subscription"]
    updates = []
    for sub in subs:
        key, values = obj.render(sub)
        lines = values["sale_subscription_line_ids"]
        assert isinstance(lines, list)
        assert isinstance(lines[0], dict)
        lines[0]["product_uom_qty"] = 7
        updates.append(WriteRequest("subscription", key, "update", values))
    sandbox.injector.add_rule(
        FaultRule(
            kind=FaultKind.SERIALIZATION_FAILURE,
            path_prefix="/jsonrpc/object/sale.subscription/search_read",
            count=FAST_RETRIES.attempts,
        )
    )
    results = target.write("subscription", updates)
    assert [r.ok for r in results] == [True, True, True], [r.error for r in results]
    for sub in subs:
        assert [line["product_uom_qty"] for line in lines_of(stocked, sub.id)] == [7]
