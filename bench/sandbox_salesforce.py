"""Throughput benchmark of the Salesforce sandbox.

Run with ``python -m bench.sandbox_salesforce``. The emulator runs in a child process (so the
load generator does not share its interpreter lock), seeded with ``--records`` subscriptions;
a bounded pool of client threads (one keep-alive ``http.client`` TLS connection each; the
stdlib client costs far less CPU per request than ``requests``, so the figures measure the
emulator rather than the client) then drives each workload for at most ``--seconds`` or
``--requests`` requests, whichever comes first.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import random
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from simple_salesforce.format import format_soql

from connector.sandbox.common import make_certificates, serve_in_thread
from connector.sandbox.common.tls import SandboxCertificates
from connector.sandbox.salesforce import SalesforceSandboxConfig, create_salesforce_app

API = "/services/data/v59.0"


def _seed_data(count: int) -> dict[str, list[dict[str, Any]]]:
    accounts = max(1, count // 10)
    return {
        "Account": [
            {"Name": f"Customer {i}", "Stripe_Customer_Id__c": f"cus_{i}"} for i in range(accounts)
        ],
        "Subscription__c": [
            {
                "Stripe_Subscription_Id__c": f"sub_{i}",
                "Account__r": {"Stripe_Customer_Id__c": f"cus_{i % accounts}"},
                "Status__c": "Active",
                "Plan__c": "pro",
                "Quantity__c": 1,
                "MRR__c": 49.0,
                "Start_Date__c": "2026-01-01",
            }
            for i in range(count)
        ],
    }


def _server_main(cert_dir: str, records: int, conn: Connection) -> None:
    certs = SandboxCertificates(
        ca_cert=Path(cert_dir) / "sandbox-ca.pem",
        server_cert=Path(cert_dir) / "sandbox-server.pem",
        server_key=Path(cert_dir) / "sandbox-server.key",
    )
    box = create_salesforce_app(SalesforceSandboxConfig(daily_api_limit=100_000_000))
    started = time.perf_counter()
    ids = box.state.load(_seed_data(records))
    load_seconds = time.perf_counter() - started
    token = box.state.sessions.create(box.config.username).token
    running = serve_in_thread(box.app, tls=certs)
    conn.send(
        {
            "port": running.port,
            "token": token,
            "ids": ids["Subscription__c"],
            "load_seconds": load_seconds,
        }
    )
    conn.recv()  # wait until the parent is done
    running.server.force_exit = True
    running.stop()


@dataclass
class Client:
    """One keep-alive TLS connection to the sandbox with a session header."""

    connection: http.client.HTTPSConnection
    headers: dict[str, str]

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        payload = None if body is None else json.dumps(body).encode()
        self.connection.request(method, API + path, body=payload, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()


Call = Callable[[Client, random.Random], tuple[int, bytes]]


def _drive(
    make_call: Call,
    port: int,
    tls: ssl.SSLContext,
    token: str,
    threads: int,
    max_requests: int,
    max_seconds: float,
) -> float:
    """Requests per second achieved by ``threads`` clients (bounded by count and time)."""
    lock = threading.Lock()
    issued = [0]
    failures: list[str] = []
    deadline = time.perf_counter() + max_seconds
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def worker(seed: int) -> None:
        client = Client(http.client.HTTPSConnection("127.0.0.1", port, context=tls), headers)
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            with lock:
                if issued[0] >= max_requests:
                    break
                issued[0] += 1
            status, body = make_call(client, rng)
            if status >= 300:
                failures.append(f"{status} {body[:200]!r}")
        client.connection.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, first: {failures[0]}")
    return issued[0] / elapsed


def run(
    records: int = 20_000,
    threads: int = 4,
    max_requests: int = 3_000,
    max_seconds: float = 5.0,
) -> dict[str, float]:
    """Start the emulator, run every workload and return the figures."""
    cert_dir = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    certs = make_certificates(cert_dir)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_server_main, args=(str(cert_dir), records, child), daemon=True)
    process.start()
    try:
        info: dict[str, Any] = parent.recv()
        port: int = info["port"]
        tls = ssl.create_default_context(cafile=str(certs.ca_cert))
        ids: list[str] = info["ids"]
        token: str = info["token"]
        results: dict[str, float] = {"seed_records": float(records)}
        results["seed_seconds"] = info["load_seconds"]

        def get_by_id(client: Client, rng: random.Random) -> tuple[int, bytes]:
            return client.call("GET", f"/sobjects/Subscription__c/{rng.choice(ids)}")

        def soql_by_external_id(client: Client, rng: random.Random) -> tuple[int, bytes]:
            query = format_soql(
                "SELECT Id, Status__c, Account__r.Stripe_Customer_Id__c FROM Subscription__c "
                "WHERE Stripe_Subscription_Id__c = {}",
                f"sub_{rng.randrange(records)}",
            )
            return client.call("GET", "/query?" + urlencode({"q": query}))

        def soql_in_300(client: Client, rng: random.Random) -> tuple[int, bytes]:
            query = format_soql(
                "SELECT Id, Stripe_Subscription_Id__c, Status__c, MRR__c FROM Subscription__c "
                "WHERE Stripe_Subscription_Id__c IN {}",
                [f"sub_{rng.randrange(records)}" for _ in range(300)],
            )
            return client.call("GET", "/query?" + urlencode({"q": query}))

        def upsert_200(client: Client, rng: random.Random) -> tuple[int, bytes]:
            start = rng.randrange(records + 10_000)
            body = {
                "allOrNone": False,
                "records": [
                    {
                        "attributes": {"type": "Subscription__c"},
                        "Stripe_Subscription_Id__c": f"sub_{start + i}",
                        "Status__c": "Past Due",
                        "MRR__c": 59.0,
                        "Account__r": {"Stripe_Customer_Id__c": "cus_0"},
                    }
                    for i in range(200)
                ],
            }
            path = "/composite/sobjects/Subscription__c/Stripe_Subscription_Id__c"
            return client.call("PATCH", path, body)

        results["get_by_id_rps"] = _drive(
            get_by_id, port, tls, token, threads, max_requests, max_seconds
        )
        results["soql_by_external_id_rps"] = _drive(
            soql_by_external_id, port, tls, token, threads, max_requests, max_seconds
        )
        results["soql_in_300_rps"] = _drive(
            soql_in_300, port, tls, token, threads, max_requests // 10, max_seconds
        )
        upsert_rps = _drive(upsert_200, port, tls, token, threads, max_requests // 20, max_seconds)
        results["composite_upsert_200_rps"] = upsert_rps
        results["composite_upsert_records_per_second"] = upsert_rps * 200
        return results
    finally:
        parent.send("stop")
        process.join(timeout=15)
        if process.is_alive():
            process.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    figures = run(args.records, args.threads, args.requests, args.seconds)
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name.ljust(width)}  {value:12.1f}")


if __name__ == "__main__":
    main()
