"""The Odoo emulator served once per session, reset and stocked with reference data per test.

Reference data the default mapping looks up and the emulator does not seed (templates by
cycle code, the "Paused" stage, products by default_code, a USD pricelist) is created through
the RPC API, as an Odoo administrator would (connector.sandbox.odoo_reference).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import odoorpc
import pytest

from adapters.memory import MemorySource
from adapters.odoo import OdooSettings, OdooTarget
from adapters.resilience import RetryPolicy
from connector.mapping import CompiledMapping
from connector.reconciler import Reconciler
from connector.report import RunReport
from connector.sandbox.common import RunningServer
from connector.sandbox.odoo import OdooSandbox, OdooSandboxConfig, create_odoo_app
from connector.sandbox.odoo_reference import stock_odoo
from connector.schema import Subscription
from connector.store import SqliteStore

DB = "subsync"
PASSWORD = "odoo-test-password"
API_KEY = "3f1c0e5a9b7d4c2e8f6a1b3c5d7e9f0a2b4c6d8e"


@pytest.fixture(scope="session")
def served() -> Iterator[tuple[OdooSandbox, RunningServer]]:
    sandbox = create_odoo_app(OdooSandboxConfig(password=PASSWORD, api_keys=[API_KEY]))
    server = sandbox.serve()
    yield sandbox, server
    server.stop()


def seed_reference_data(rpc: Any, *, paused_stage: bool = True) -> None:
    stock_odoo(rpc, currencies=("EUR", "USD"), paused_stage=paused_stage)
    tax = rpc.execute_kw(
        "ir.model.data", "search_read", [[("name", "=", "tax_sale_20")]], {"fields": ["res_id"]}
    )[0]["res_id"]
    products = rpc.execute_kw("product.product", "search", [[("default_code", "!=", False)]])
    rpc.execute_kw("product.product", "write", [products, {"taxes_id": [(6, 0, [tax])]}])


@pytest.fixture
def sandbox(served: tuple[OdooSandbox, RunningServer]) -> Iterator[OdooSandbox]:
    box, _server = served
    box.injector.clear()
    box.reset()
    box.stats.reset()
    yield box
    box.injector.clear()


@pytest.fixture
def port(served: tuple[OdooSandbox, RunningServer], sandbox: OdooSandbox) -> int:
    return served[1].port


@pytest.fixture
def odoo(port: int) -> Any:
    """A plain odoorpc client, for setting the scene and checking what landed."""
    client = odoorpc.ODOO("127.0.0.1", port=port)
    client.login(DB, "admin", PASSWORD)
    return client


@pytest.fixture
def stocked(odoo: Any) -> Any:
    seed_reference_data(odoo)
    return odoo


def make_settings(port: int, **overrides: Any) -> OdooSettings:
    values: dict[str, Any] = {
        "mapping": "odoo.yaml",
        "host": "127.0.0.1",
        "port": port,
        "database": DB,
        "login": "admin",
        "password": API_KEY,
        "timeout_seconds": 10,
    }
    values.update(overrides)
    return OdooSettings(**values)


FAST_RETRIES = RetryPolicy(attempts=5, base_delay=0.0, max_delay=0.0, retry_after_cap=0.0)


def no_sleep(_seconds: float) -> None:
    """Retries and Retry-After pauses without waiting."""


@pytest.fixture
def odoo_mapping(mappings: dict[str, CompiledMapping]) -> CompiledMapping:
    return mappings["odoo"]


@pytest.fixture
def make_target(port: int, odoo_mapping: CompiledMapping) -> Callable[..., OdooTarget]:
    def build(**overrides: Any) -> OdooTarget:
        return OdooTarget(
            make_settings(port, **overrides), odoo_mapping, policy=FAST_RETRIES, sleep=no_sleep
        )

    return build


@pytest.fixture
def target(stocked: Any, make_target: Callable[..., OdooTarget]) -> OdooTarget:
    return make_target()


@dataclass
class World:
    """Billing in memory, Odoo emulated, a fresh state store: what a run needs."""

    source: MemorySource
    target: OdooTarget
    reconciler: Reconciler

    def put(self, *subscriptions: Subscription) -> None:
        for subscription in subscriptions:
            self.source.put(subscription)

    def run(self, keys: Sequence[str] | None = None) -> RunReport:
        return self.reconciler.reconcile(list(keys) if keys is not None else self.source.ids())


@pytest.fixture
def world(target: OdooTarget) -> World:
    source = MemorySource()
    return World(source, target, Reconciler(source, [target], SqliteStore(":memory:")))
