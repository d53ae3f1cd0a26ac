"""State management: reset, persistence, bulk seeding speed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import odoorpc

from connector.sandbox.odoo import OdooSandbox, OdooSandboxConfig, create_odoo_app
from tests.sandbox.odoo.conftest import REFERENCE


def test_reset_endpoint(port: int, odoo: Any, sandbox: OdooSandbox) -> None:
    """POST /__sandbox/reset returns to the base data."""
    odoo.env["res.partner"].create({"name": "temporary"})
    assert httpx.post(f"http://127.0.0.1:{port}/__sandbox/reset").status_code == 200
    assert odoo.env["res.partner"].search([("name", "=", "temporary")]) == []


def test_sqlite_persistence_roundtrip(tmp_path: Path) -> None:
    """save() writes SQLite; a new sandbox on the same file sees the same records and codes."""
    path = tmp_path / "odoo.sqlite"
    first = create_odoo_app(OdooSandboxConfig(persist_path=path, initial_records=REFERENCE))
    first.load({"res.partner": [{"__xmlid": "subsync.keep", "name": "Persisted"}],
                "sale.subscription": [{"partner_id": "subsync.keep",
                                       "template_id": "sandbox.template_monthly",
                                       "pricelist_id": "sandbox.pricelist_eur"}]})  # fmt: skip
    first.save()
    second = create_odoo_app(OdooSandboxConfig(persist_path=path))
    model, res_id = second.database.resolve_xmlid("subsync.keep")
    assert second.database.read(model, [res_id], ["name"])[0]["name"] == "Persisted"
    assert second.database.sequences.next_by_code("sale.subscription") == "SUB00002"


def test_bulk_seed_is_fast(sandbox: OdooSandbox) -> None:
    """Seeding 2,000 subscriptions with a line each takes well under a few seconds."""
    product = sandbox.database.create_one("product.product", {"name": "Plan"}, 2)
    subs = [
        {"partner_id": 3, "template_id": 1, "pricelist_id": 1, "code": f"S{i}",
         "sale_subscription_line_ids": [(0, 0, {"product_id": product, "price_unit": 5.0})]}
        for i in range(2000)
    ]  # fmt: skip
    started = time.perf_counter()
    ids = sandbox.load({"sale.subscription": subs})
    assert len(ids["sale.subscription"]) == 2000
    assert time.perf_counter() - started < 5


def test_concurrent_creates_get_distinct_ids_and_codes(port: int, sandbox: OdooSandbox) -> None:
    """Parallel clients creating subscriptions get distinct ids and SUB codes."""

    def create(n: int) -> int:
        client = odoorpc.ODOO("127.0.0.1", port=port)
        client.login("subsync", "admin", "s3cret")
        new_id: int = client.env["sale.subscription"].create(
            {"partner_id": 3, "template_id": 1, "pricelist_id": 1, "description": str(n)}
        )
        return new_id

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(create, range(12)))
    assert len(set(ids)) == 12
    codes = {r["code"] for r in sandbox.database.read("sale.subscription", ids, ["code"])}
    assert len(codes) == 12


def test_load_endpoint_rejects_bad_payload(port: int) -> None:
    """/__sandbox/load answers 400 for a payload without records or with a bad reference."""
    url = f"http://127.0.0.1:{port}/__sandbox/load"
    assert httpx.post(url, json={"nope": 1}).status_code == 400
    bad = {"records": {"res.partner": [{"name": "x", "country_id": "base.nowhere"}]}}
    response = httpx.post(url, json=bad)
    assert response.status_code == 400
    assert "External ID not found" in response.json()["error"]["message"]


def test_save_endpoint_writes_sqlite(tmp_path: Path) -> None:
    """POST /__sandbox/save persists to the configured SQLite file."""
    path = tmp_path / "saved.sqlite"
    box = create_odoo_app(OdooSandboxConfig(persist_path=path))
    with box.serve() as server:
        response = httpx.post(f"{server.base_url}/__sandbox/save")
    assert response.status_code == 200
    assert path.exists()
