"""Throughput of the Stripe emulator on loopback.

Run with ``python -m bench.sandbox_stripe``. The emulator runs under uvicorn in a child process
(so the load generator does not share its interpreter lock); it is seeded through
``POST /__sandbox/load`` and then driven by a few threads of keep-alive httpx clients, each run
bounded by a request count and a time limit.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from connector.sandbox.common.server import free_port

SECRET_KEY = "sk_test_bench"  # noqa: S105 - the sandbox key
SUBSCRIPTIONS = 10_000
THREADS = 2
MAX_SECONDS = 5.0


def _serve(port: int) -> None:
    import uvicorn

    from connector.sandbox.stripe import StripeSandboxConfig, create_stripe_app

    sandbox = create_stripe_app(StripeSandboxConfig(secret_key=SECRET_KEY))
    uvicorn.run(
        sandbox.app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


def _dataset(count: int) -> dict[str, Any]:
    return {
        "customers": [
            {"id": f"cus_bench{i:05d}", "email": f"c{i}@example.com"} for i in range(1000)
        ],
        "products": [{"id": "prod_bench", "name": "Bench"}],
        "prices": [
            {
                "id": "price_bench",
                "product": "prod_bench",
                "currency": "usd",
                "unit_amount": 1200,
                "recurring": {"interval": "month"},
            }
        ],
        "subscriptions": [
            {
                "id": f"sub_bench{i:06d}",
                "customer": f"cus_bench{i % 1000:05d}",
                "items": [{"price": "price_bench", "quantity": 1 + i % 5}],
                "metadata": {"n": str(i)},
            }
            for i in range(count)
        ],
    }


def _wait_ready(base_url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(base_url + "/__sandbox/stats", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("emulator did not start")


def _measure(port: int, make_path: Callable[[int], str], total: int) -> float:
    """Requests per second over ``THREADS`` keep-alive connections, bounded by ``total``
    requests and ``MAX_SECONDS``. The hot loop uses ``http.client``: on a 2-core machine the
    load generator shares the CPU with the server, and a lighter client measures the server
    rather than the client."""
    counter = iter(range(total))
    lock = threading.Lock()
    done = [0]
    failures = [0]
    deadline = time.monotonic() + MAX_SECONDS
    headers = {"Authorization": f"Bearer {SECRET_KEY}"}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                connection.request("GET", make_path(index), headers=headers)
                response = connection.getresponse()
                response.read()
                with lock:
                    done[0] += 1
                    if response.status != 200:
                        failures[0] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures[0]:
        raise RuntimeError(f"{failures[0]} requests failed")
    return done[0] / elapsed


def run(subscriptions: int = SUBSCRIPTIONS) -> dict[str, float]:
    """Start the emulator, seed it, and return the measured figures."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-c", f"from bench.sandbox_stripe import _serve; _serve({port})"]
    )
    try:
        _wait_ready(base_url)
        started = time.perf_counter()
        response = httpx.post(
            base_url + "/__sandbox/load", json=_dataset(subscriptions), timeout=120
        )
        response.raise_for_status()
        load_seconds = time.perf_counter() - started

        def retrieve(index: int) -> str:
            return f"/v1/subscriptions/sub_bench{index % subscriptions:06d}"

        def customer(index: int) -> str:
            return f"/v1/customers/cus_bench{index % 1000:05d}"

        cursors = [f"sub_bench{i:06d}" for i in range(subscriptions - 1, 0, -100)]
        expand = "&expand[]=data.customer&expand[]=data.discounts.source.coupon"

        def page(index: int) -> str:
            cursor = cursors[index % len(cursors)]
            return f"/v1/subscriptions?limit=100&starting_after={cursor}{expand}"

        return {
            "subscriptions_loaded": float(subscriptions),
            "load_seconds": round(load_seconds, 3),
            "customer_get_per_s": round(_measure(port, customer, 20_000), 1),
            "subscription_get_per_s": round(_measure(port, retrieve, 20_000), 1),
            "list_100_expanded_pages_per_s": round(_measure(port, page, 2_000), 1),
        }
    finally:
        process.terminate()
        process.wait(timeout=5)


def main() -> None:
    figures = run()
    for name, value in figures.items():
        print(f"{name:32} {value:>12,.1f}")


if __name__ == "__main__":
    main()
