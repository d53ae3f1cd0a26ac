"""Throughput of the Odoo emulator on loopback.

Run as ``python -m bench.sandbox_odoo``. The emulator runs in its own process (as it would
in the sandbox), is seeded with 10,000 subscriptions (one line each) through
``POST /__sandbox/load``, then a bounded load generator (a fixed number of calls per
scenario, cut short by a time budget) sends JSON-RPC ``execute_kw`` calls over keep-alive
connections from a few threads. One more scenario uses the unmodified odoorpc client.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import httpx
import odoorpc

from connector.sandbox.odoo import OdooSandboxConfig, create_odoo_app

DB = "subsync"
PASSWORD = "bench"  # noqa: S105 - sandbox-only credential
SUBSCRIPTIONS = 10_000
THREADS = 4
CALLS = 2_000
TIME_BUDGET_SECONDS = 10.0


def _serve(conn: Connection) -> None:
    sandbox = create_odoo_app(OdooSandboxConfig(password=PASSWORD))
    server = sandbox.serve()
    conn.send(server.port)
    conn.recv()
    server.stop()


HEADERS = {"Content-Type": "application/json"}


def _rpc(
    client: http.client.HTTPConnection, model: str, method: str, args: list[Any], **kw: Any
) -> Any:
    """One execute_kw call over a keep-alive connection (lighter than httpx, so the
    figures measure the emulator more than the load generator)."""
    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": [DB, 2, PASSWORD, model, method, args, kw]}}  # fmt: skip
    client.request("POST", "/jsonrpc", body=json.dumps(body), headers=HEADERS)
    reply = json.loads(client.getresponse().read())
    if "error" in reply:
        raise RuntimeError(reply["error"]["data"]["message"])
    return reply["result"]


def _seed(base_url: str) -> float:
    subs = [
        {"__xmlid": f"bench.sub_{i}", "partner_id": f"bench.partner_{i}",
         "template_id": "sandbox.template_monthly", "pricelist_id": "sandbox.pricelist_eur",
         "sale_subscription_line_ids": [(0, 0, {"product_id": "bench.product",
                                                "price_unit": 9.0, "product_uom_qty": 1})]}
        for i in range(SUBSCRIPTIONS)
    ]  # fmt: skip
    records = {
        "product.product": [{"__xmlid": "bench.product", "name": "Plan", "type": "service"}],
        "res.partner": [
            {"__xmlid": f"bench.partner_{i}", "name": f"Customer {i}", "ref": f"cus_{i}"}
            for i in range(SUBSCRIPTIONS)
        ],
        "sale.subscription": subs,
    }
    started = time.perf_counter()
    response = httpx.post(f"{base_url}/__sandbox/load", json={"records": records}, timeout=300)
    response.raise_for_status()
    return time.perf_counter() - started


def _drive(port: int, call: Callable[[http.client.HTTPConnection, int], None], calls: int) -> float:
    """Run ``calls`` calls from THREADS threads (bounded by the time budget); calls/second."""
    lock = threading.Lock()
    issued = [0]
    deadline = time.perf_counter() + TIME_BUDGET_SECONDS

    def worker() -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if issued[0] >= calls:
                        return
                    issued[0] += 1
                    number = issued[0]
                call(client, number)
        finally:
            client.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return issued[0] / (time.perf_counter() - started)


def run() -> dict[str, float]:
    """Start the emulator, seed it, measure; returns figures by name."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(child,), daemon=True)
    process.start()
    try:
        port = parent.recv()
        base_url = f"http://127.0.0.1:{port}"
        figures: dict[str, float] = {"seed_10k_subscriptions_seconds": _seed(base_url)}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        sub_ids: list[int] = _rpc(connection, "sale.subscription", "search", [[]], order="id")
        connection.close()

        def read(client: http.client.HTTPConnection, n: int) -> None:
            start = (n * 10) % (len(sub_ids) - 10)
            _rpc(client, "sale.subscription", "read", [sub_ids[start : start + 10]],
                 fields=["code", "partner_id", "stage_id", "recurring_total"])  # fmt: skip

        def search_read(client: http.client.HTTPConnection, n: int) -> None:
            start = (n * 50) % (len(sub_ids) - 50)
            domain = [("id", "in", sub_ids[start : start + 50])]
            _rpc(
                client, "sale.subscription", "search_read", [domain], fields=["code", "write_date"]
            )

        def by_xmlid(client: http.client.HTTPConnection, n: int) -> None:
            names = [f"sub_{(n * 20 + k) % SUBSCRIPTIONS}" for k in range(20)]
            domain = [("module", "=", "bench"), ("name", "in", names)]
            _rpc(client, "ir.model.data", "search_read", [domain], fields=["res_id"])

        def create100(client: http.client.HTTPConnection, n: int) -> None:
            batch = [{"name": f"New {n}-{k}", "ref": f"new_{n}_{k}"} for k in range(100)]
            _rpc(client, "res.partner", "create", [batch])

        def write100(client: http.client.HTTPConnection, n: int) -> None:
            start = (n * 100) % (len(sub_ids) - 100)
            _rpc(client, "sale.subscription", "write", [sub_ids[start : start + 100],
                 {"description": f"batch {n}"}])  # fmt: skip

        figures["read_10_ids_rps"] = _drive(port, read, CALLS)
        figures["search_read_50_ids_rps"] = _drive(port, search_read, CALLS)
        figures["search_read_20_xmlids_rps"] = _drive(port, by_xmlid, CALLS)
        figures["create_100_rps"] = _drive(port, create100, CALLS // 10)
        figures["create_100_records_per_second"] = figures["create_100_rps"] * 100
        figures["write_100_rps"] = _drive(port, write100, CALLS // 10)
        figures["write_100_records_per_second"] = figures["write_100_rps"] * 100

        odoo = odoorpc.ODOO("127.0.0.1", port=port)
        odoo.login(DB, "admin", PASSWORD)
        subscriptions = odoo.env["sale.subscription"]
        started = time.perf_counter()
        count = 0
        while count < 500 and time.perf_counter() - started < TIME_BUDGET_SECONDS:
            subscriptions.read(sub_ids[count : count + 5], ["code"])
            count += 1
        figures["odoorpc_read_rps_single_thread"] = count / (time.perf_counter() - started)
    finally:
        parent.send("stop")
        process.join(timeout=15)
    return figures


def main() -> None:
    for name, value in run().items():
        print(f"{name:40s} {value:12.1f}")


if __name__ == "__main__":
    main()
