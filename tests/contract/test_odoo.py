"""The contract, run against the Odoo target on its sandbox (JSON-RPC, in-process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from adapters.odoo import OdooTarget
from adapters.odoo.connection import OdooConnection
from connector.mapping import CompiledMapping
from connector.sandbox.common import FaultKind, FaultRule
from connector.sandbox.odoo import OdooSandbox
from tests.adapters.odoo import conftest as odoo_fixtures
from tests.adapters.odoo.conftest import FAST_RETRIES, make_settings, no_sleep
from tests.contract.suite import CallProbe, Rig, TargetContract

# The session-scoped sandbox, its per-test reset and the reference data the default
# mapping looks up, shared with the adapter's own tests.
served = odoo_fixtures.served
sandbox = odoo_fixtures.sandbox
port = odoo_fixtures.port
odoo = odoo_fixtures.odoo
stocked = odoo_fixtures.stocked


LINES = "sale.subscription.line"


def load(model: str) -> str:
    return f"/jsonrpc/object/{model}/load"


class ProbedRpc:
    """The adapter's real connection, each ``execute_kw`` counted by the probe."""

    def __init__(self, inner: OdooConnection, probe: CallProbe) -> None:
        self.execute_kw = probe.wrap(inner.execute_kw)


def fail_transiently(box: OdooSandbox, model: str) -> Callable[[], int]:
    """A 503 and a 429, then serialization failures on the loads: all retried in the call.

    Every JSON-RPC call posts to /jsonrpc, so the HTTP faults cannot be aimed at writes by
    path: they hit the next calls, whichever they are. The concurrent-update failure is
    Odoo's own transient answer to a write, and is aimed at the loads.
    """
    kinds = (FaultKind.HTTP_503, FaultKind.HTTP_429, FaultKind.SERIALIZATION_FAILURE)
    # The injector's counts outlive clear() (it drops rules only): report the difference.
    before = sum(box.injector.injected.get(kind.value, 0) for kind in kinds)
    box.injector.add_rule(FaultRule(kind=FaultKind.HTTP_503, count=1, path_prefix="/jsonrpc"))
    box.injector.add_rule(FaultRule(kind=FaultKind.HTTP_429, count=1, path_prefix="/jsonrpc"))
    box.injector.add_rule(
        FaultRule(kind=FaultKind.SERIALIZATION_FAILURE, count=2, path_prefix=load(model))
    )
    return lambda: sum(box.injector.injected.get(kind.value, 0) for kind in kinds) - before


@pytest.fixture
def rig(sandbox: OdooSandbox, port: int, stocked: Any, mappings: dict[str, CompiledMapping]) -> Rig:
    probe = CallProbe()
    settings = make_settings(port)

    def build() -> OdooTarget:
        return OdooTarget(
            settings,
            mappings["odoo"],
            rpc=ProbedRpc(OdooConnection(settings), probe),
            policy=FAST_RETRIES,
            sleep=no_sleep,
        )

    target = build()
    objects = target.mapping.ordered()
    models = {obj.name: obj.target for obj in objects}
    subscriptions = objects[-1].target

    def held() -> dict[str, int]:
        # Our partners only: the stocked reference data has partners of its own.
        domains: dict[str, list[Any]] = {"res.partner": [("ref", "like", "cus_")]}
        counts: dict[str, int] = {
            name: stocked.execute_kw(model, "search_count", [domains.get(model, [])])
            for name, model in models.items()
        }
        # The lines are written inside their subscription's load: a twin line shows only here.
        counts[LINES] = stocked.execute_kw(LINES, "search_count", [[]])
        return counts

    def refuse_first() -> None:
        # Odoo rolls a whole load back for one bad record; the adapter then loads the
        # records one by one: the batch and the first record alone are refused.
        sandbox.injector.add_rule(
            FaultRule(
                kind=FaultKind.REJECT_RECORD,
                path_prefix=load(subscriptions),
                message="The subscription is invalid",
                count=2,
            )
        )

    def revoke() -> None:
        # The user loses the create right on the first object written; reads still answer.
        sandbox.injector.add_rule(
            FaultRule(kind=FaultKind.MISSING_ACCESS_RIGHT, path_prefix=load(objects[0].target))
        )

    return Rig(
        target=target,
        probe=probe,
        held=held,
        rebuild=build,
        refuse_first=refuse_first,
        fail_transiently=lambda: fail_transiently(sandbox, subscriptions),
        revoke=revoke,
    )


class TestOdooTarget(TargetContract):
    """On the Odoo sandbox."""
