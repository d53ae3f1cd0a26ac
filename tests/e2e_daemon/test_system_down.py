"""Revoked credentials while the daemon drains: Odoo is paused, nothing is dead-lettered.

An Odoo administrator rotates the integration user's password while 200 keys wait in the
queue. Every call to Odoo is then refused (AccessDenied): the daemon pauses Odoo instead of
filing 200 dead letters, keeps the keys queued without spending their attempts, and shows
Odoo down in ``connector status``, ``/readyz`` and ``/metrics``. When the credentials work
again, the next probe goes through and everything is applied.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
from typer.testing import CliRunner

from connector.cli.app import app
from connector.store import SqliteStore, utcnow
from tests.e2e_daemon.conftest import DaemonThread, Sandbox, metric, wait_until

COUNT = 200


def _rotate(sandbox: Sandbox, password: str, api_keys: list[str]) -> None:
    odoo = sandbox.box.odoo
    assert odoo is not None
    odoo.auth.set_credentials(password, api_keys)


def test_revoked_odoo_credentials_pause_odoo_and_lose_nothing(
    sandbox: Sandbox, daemon_thread: Callable[..., DaemonThread]
) -> None:
    keys = sandbox.seed(COUNT)
    config = sandbox.config(secret="whsec_e2e_system_down")
    odoo = sandbox.box.odoo
    assert odoo is not None
    password, api_keys = odoo.config.password, list(odoo.config.api_keys)
    store = SqliteStore(sandbox.directory / "connector.db")
    store.enqueue(keys, "webhook", utcnow())
    _rotate(sandbox, "rotated-by-the-admin", [])
    daemon = daemon_thread(config, workers=2)

    wait_until(
        lambda: [d.system for d in store.systems_down()],
        lambda down: down == ["odoo"],
        timeout=60,
        what="Odoo shown down",
    )
    assert store.count_dead_letters("open") == 0
    stats = store.queue_stats(utcnow())
    assert stats.queued + stats.leased == COUNT  # every key still waits
    assert metric(daemon.base_url, "connector_system_down", {"system": "odoo"}) == 1
    ready = httpx.get(f"{daemon.base_url}/readyz", timeout=5).json()
    assert "odoo" in ready["systems_down"]
    status = CliRunner().invoke(app, ["status", "--json", "--config", str(config)])
    assert [d["system"] for d in json.loads(status.stdout)["systems_down"]] == ["odoo"]

    _rotate(sandbox, password, api_keys)
    wait_until(
        lambda: len(sandbox.targets.odoo_subscriptions()),
        lambda n: n == COUNT,
        timeout=120,
        what=f"all {COUNT} subscriptions in Odoo",
    )
    wait_until(lambda: store.systems_down(), lambda down: down == [], timeout=30, what="Odoo up")
    assert store.count_dead_letters("open") == 0
    assert len(sandbox.targets.sf_subscriptions()) == COUNT
    store.close()
