"""One emulator served by uvicorn for the whole module; state reset before each test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import odoorpc
import pytest

from connector.sandbox.common import RunningServer
from connector.sandbox.odoo import OdooSandbox, OdooSandboxConfig, create_odoo_app
from connector.sandbox.odoo.database import utc_now

DB = "subsync"
PASSWORD = "s3cret"
API_KEY = "0123456789abcdef0123456789abcdef01234567"
# What an administrator adds to a fresh database before subscriptions can be made: an active
# currency besides the company's, a pricelist in it and two subscription templates.
REFERENCE: dict[str, list[dict[str, Any]]] = {
    "res.currency": [{"__xmlid": "base.EUR", "active": True}],
    "product.pricelist": [
        {"__xmlid": "sandbox.pricelist_eur", "name": "Subscriptions EUR", "currency_id": "base.EUR"}
    ],
    "sale.subscription.template": [
        {"__xmlid": "sandbox.template_monthly", "name": "Monthly", "code": "MON",
         "recurring_interval": 1, "recurring_rule_type": "months"},
        {"__xmlid": "sandbox.template_yearly", "name": "Yearly", "code": "YEA",
         "recurring_interval": 1, "recurring_rule_type": "years"},
    ],
}  # fmt: skip


class FakeClock:
    """A settable clock so write_date tests need not sleep."""

    def __init__(self) -> None:
        self.now = utc_now().replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture(scope="session")
def served() -> Iterator[tuple[OdooSandbox, RunningServer]]:
    config = OdooSandboxConfig(password=PASSWORD, api_keys=[API_KEY], initial_records=REFERENCE)
    sandbox = create_odoo_app(config)
    server = sandbox.serve()
    yield sandbox, server
    server.stop()


@pytest.fixture
def sandbox(served: tuple[OdooSandbox, RunningServer]) -> Iterator[OdooSandbox]:
    box, _server = served
    box.injector.clear()
    box.reset()
    box.database.clock = utc_now
    box.database.boot_date = utc_now().date().isoformat()
    box.stats.reset()
    yield box
    box.injector.clear()


@pytest.fixture
def port(served: tuple[OdooSandbox, RunningServer], sandbox: OdooSandbox) -> int:
    return served[1].port


@pytest.fixture
def clock(sandbox: OdooSandbox) -> FakeClock:
    fake = FakeClock()
    sandbox.database.clock = fake
    return fake


@pytest.fixture
def odoo(port: int) -> Any:
    client = odoorpc.ODOO("127.0.0.1", port=port)
    client.login(DB, "admin", PASSWORD)
    return client


def rpc_error_name(exc: Exception) -> str:
    """The Odoo exception name carried by an ``odoorpc.error.RPCError``."""
    info: dict[str, Any] = exc.info  # type: ignore[attr-defined]
    name: str = info["data"]["name"]
    return name
