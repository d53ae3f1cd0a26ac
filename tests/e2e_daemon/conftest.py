"""End-to-end harness: the three emulators in this process, the daemon in a thread or a
subprocess, and readers that look at Stripe, Salesforce and Odoo through their own APIs.

Every wait is bounded: :func:`wait_until` polls with a deadline and fails with a message that
says what was awaited and what was last seen.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from simple_salesforce.api import Salesforce

from connector.config import load_settings
from connector.daemon import Daemon
from connector.mapping.defaults import default_mappings_dir
from connector.reconciler import RunOptions
from connector.runtime import open_runtime
from connector.sandbox.common.server import free_port
from connector.sandbox.dataset import make_subscription
from connector.sandbox.local import (
    SF_PASSWORD,
    SF_TOKEN,
    SF_USERNAME,
    STRIPE_KEY,
    LocalSandbox,
)
from connector.sandbox.seeding import seed_billing
from connector.schema import DISCOUNT_PRODUCT_CODE
from connector.store import SqliteStore, StateStore, open_store, utcnow
from connector.store.queue_rows import QueueStats

T = TypeVar("T")

NAMESPACE = "subsync"  # the Odoo target's default ir.model.data module
SF_STATUS = {
    "trialing": "Trialing",
    "active": "Active",
    "past_due": "Past Due",
    "unpaid": "Unpaid",
    "paused": "Paused",
    "cancelled": "Cancelled",
    "incomplete": "Incomplete",
}
STRIPE_STATUS = {"canceled": "cancelled"}  # Stripe's spelling -> the canonical one


# -- bounded waiting ---------------------------------------------------------------------


def wait_until(
    probe: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    what: str,
    interval: float = 0.1,
) -> T:
    """Poll ``probe`` until ``done(value)``; fail after ``timeout`` seconds, showing the value."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not done(value):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {value!r}")
        time.sleep(interval)
        value = probe()
    return value


def keys_of(count: int, first: int = 1) -> list[str]:
    return [make_subscription(n).id for n in range(first, first + count)]


# -- Stripe, through its API -------------------------------------------------------------


class StripeApi:
    """The Stripe emulator's API as a client sees it (form-encoded, Bearer key)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {STRIPE_KEY}"}, timeout=30
        )

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 200, f"{response.request.url}: {response.text[:500]}"
        body: dict[str, Any] = response.json()
        return body

    def subscription(self, key: str) -> dict[str, Any]:
        return self._ok(self.http.get(f"/v1/subscriptions/{key}"))

    def quantity(self, key: str) -> int:
        return int(self.subscription(key)["items"]["data"][0]["quantity"])

    def set_quantity(self, key: str, quantity: int) -> dict[str, Any]:
        item = self.subscription(key)["items"]["data"][0]["id"]
        return self._ok(
            self.http.post(
                f"/v1/subscriptions/{key}",
                data={"items[0][id]": item, "items[0][quantity]": str(quantity)},
            )
        )

    def events_about(self, key: str, event_type: str) -> list[dict[str, Any]]:
        """Events of ``event_type`` about subscription ``key``, oldest first."""
        found: list[dict[str, Any]] = []
        params: dict[str, str] = {"type": event_type, "limit": "100"}
        while True:
            page = self._ok(self.http.get("/v1/events", params=params))
            found.extend(e for e in page["data"] if e["data"]["object"].get("id") == key)
            if not page["has_more"] or not page["data"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
        return list(reversed(found))  # the API lists newest first

    def register_webhook(self, url: str, events: Sequence[str]) -> str:
        """Register an endpoint; return its signing secret (shown only at creation)."""
        data = {"url": url, **{f"enabled_events[{i}]": e for i, e in enumerate(events)}}
        secret: str = self._ok(self.http.post("/v1/webhook_endpoints", data=data))["secret"]
        return secret

    def subscriptions(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The truth: these subscriptions as Stripe's list API returns them now."""
        wanted = set(keys)
        found: dict[str, dict[str, Any]] = {}
        params = {"status": "all", "limit": "100"}
        while True:
            page = self._ok(self.http.get("/v1/subscriptions", params=params))
            found.update((s["id"], s) for s in page["data"] if s["id"] in wanted)
            if not page["has_more"] or not page["data"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
        assert set(found) == wanted, f"billing lacks {sorted(wanted - set(found))[:5]}"
        return found

    def webhook_attempts(self) -> list[dict[str, Any]]:
        attempts: list[dict[str, Any]] = self._ok(self.http.get("/__sandbox/webhook_attempts"))[
            "data"
        ]
        return attempts


# -- the targets, through their own APIs ---------------------------------------------------


@dataclass(frozen=True)
class SfSubscription:
    key: str
    quantity: int | None
    status: str | None


UNITS_IN_NAME = re.compile(r"\(([\d,]+) units\)$")


def _seats(line: Mapping[str, Any]) -> float:
    """The units an Odoo item line stands for: its quantity, or the "(N units)" its name
    states when the whole charge sits on one unit (tiered or tax-inclusive prices)."""
    stated = UNITS_IN_NAME.search(str(line.get("name") or ""))
    if stated is not None:
        return float(stated.group(1).replace(",", ""))
    return float(line["product_uom_qty"])


@dataclass(frozen=True)
class OdooSubscription:
    key: str
    record_id: int
    description: str
    quantities: tuple[float, ...]


class Targets:
    """Salesforce (REST/SOQL over TLS) and Odoo (JSON-RPC), read as a person would."""

    def __init__(self, box: LocalSandbox) -> None:
        assert box.endpoints is not None
        session = requests.Session()
        session.verify = str(box.endpoints.ca_bundle)
        session.trust_env = False
        self._session = session
        self.sf = Salesforce(
            username=SF_USERNAME,
            password=SF_PASSWORD,
            security_token=SF_TOKEN,
            domain=f"{box.endpoints.salesforce_url.removeprefix('https://')}/login",
            session=session,
        )
        self.odoo = box.odoo_client()

    def close(self) -> None:
        # An open keep-alive connection holds up the TLS server's shutdown by 10 s.
        self._session.close()

    # Salesforce ---------------------------------------------------------------------

    def sf_rows(self) -> list[dict[str, Any]]:
        soql = "SELECT Id, Stripe_Subscription_Id__c, Quantity__c, Status__c FROM Subscription__c"
        rows: list[dict[str, Any]] = self.sf.query_all(soql)["records"]
        return rows

    def sf_subscriptions(self) -> dict[str, SfSubscription]:
        found: dict[str, SfSubscription] = {}
        for row in self.sf_rows():
            quantity = row["Quantity__c"]
            key = row["Stripe_Subscription_Id__c"]
            found[key] = SfSubscription(
                key, None if quantity is None else int(quantity), row["Status__c"]
            )
        return found

    def sf_key_counts(self, sobject: str, field_name: str) -> Counter[str]:
        rows = self.sf.query_all(f"SELECT Id, {field_name} FROM {sobject}")["records"]  # noqa: S608
        return Counter(str(row[field_name]) for row in rows)

    # Odoo ---------------------------------------------------------------------------

    def odoo_xmlids(self, model: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.odoo.execute_kw(
            "ir.model.data",
            "search_read",
            [[("module", "=", NAMESPACE), ("model", "=", model)]],
            {"fields": ["name", "res_id"]},
        )
        return rows

    def odoo_key_counts(self, model: str, prefix: str) -> Counter[str]:
        """How many external ids of ``model`` name each key (``<prefix>_<key>``)."""
        return Counter(
            row["name"].removeprefix(f"{prefix}_")
            for row in self.odoo_xmlids(model)
            if "__line_" not in row["name"]
        )

    def odoo_record_count(self, model: str) -> int:
        count: int = self.odoo.execute_kw(model, "search_count", [[]])
        return count

    def odoo_subscriptions(self) -> dict[str, OdooSubscription]:
        names = {
            row["res_id"]: row["name"].removeprefix("subscription_")
            for row in self.odoo_xmlids("sale.subscription")
            if "__line_" not in row["name"]
        }
        if not names:
            return {}
        headers = self.odoo.execute_kw(
            "sale.subscription",
            "read",
            [sorted(names)],
            {"fields": ["description", "sale_subscription_line_ids"]},
        )
        line_ids = [i for h in headers for i in h["sale_subscription_line_ids"]]
        discount = self.odoo.execute_kw(
            "product.product", "search", [[("default_code", "=", DISCOUNT_PRODUCT_CODE)]]
        )
        lines = {
            row["id"]: _seats(row)
            for row in self.odoo.execute_kw(
                "sale.subscription.line",
                "read",
                [line_ids],
                {"fields": ["product_uom_qty", "name", "product_id"]},
            )
            if not row["product_id"] or row["product_id"][0] not in discount
        }
        return {
            names[h["id"]]: OdooSubscription(
                names[h["id"]],
                h["id"],
                str(h["description"]),
                tuple(lines[i] for i in h["sale_subscription_line_ids"] if i in lines),
            )
            for h in headers
        }

    # Both ----------------------------------------------------------------------------

    def quantities(self, key: str) -> tuple[int | None, tuple[float, ...] | None]:
        sf = self.sf_subscriptions().get(key)
        odoo = self.odoo_subscriptions().get(key)
        return (sf.quantity if sf else None, odoo.quantities if odoo else None)

    def mismatches_with_billing(self, billing: Mapping[str, dict[str, Any]]) -> list[str]:
        """What differs, per key, from Stripe's subscriptions as its API shows them now."""
        sf = self.sf_subscriptions()
        odoo = self.odoo_subscriptions()
        problems: list[str] = []
        for key, sub in billing.items():
            quantity = sum(int(i["quantity"]) for i in sub["items"]["data"])
            status = STRIPE_STATUS.get(sub["status"], sub["status"])
            want_sf = SfSubscription(key, quantity, SF_STATUS[status])
            if sf.get(key) != want_sf:
                problems.append(f"salesforce {key}: {sf.get(key)} != {want_sf}")
            got = odoo.get(key)
            suffix = f" x{quantity} ({status})"
            seats = sorted(float(i["quantity"]) for i in sub["items"]["data"])  # one line each
            if (
                got is None
                or not got.description.endswith(suffix)
                or sorted(got.quantities) != seats
            ):
                problems.append(f"odoo {key}: {got} != '...{suffix}', qty {quantity}")
        return problems


# -- the sandbox and the connector configuration --------------------------------------------


@dataclass
class Sandbox:
    box: LocalSandbox
    directory: Path
    stripe: StripeApi
    targets: Targets
    _configs: int = 0

    @property
    def stripe_url(self) -> str:
        assert self.box.endpoints is not None
        return self.box.endpoints.stripe_url

    def seed(self, count: int) -> list[str]:
        """Load ``count`` subscriptions of the generated data set into billing."""
        seed_billing(self.stripe_url, count)
        return keys_of(count)

    def config(self, store_url: str | None = None, secret: str = "", port: int = 0) -> Path:
        """A connector.toml pointing at the sandbox (a new file per call)."""
        path = self.box.write_config(
            default_mappings_dir(),
            store_url=store_url or f"sqlite:///{self.directory / 'connector.db'}",
            webhook_secret=secret or None,
            webhook_port=port or free_port(),
        )
        self._configs += 1
        own = self.directory / f"connector-{self._configs}.toml"
        path.rename(own)
        return own

    def sync_once(self, config: Path) -> None:
        """Bring the targets in line with billing, as a first ``connector reconcile`` does."""
        with open_runtime(load_settings(config)) as runtime:
            report = runtime.reconciler.reconcile_all(
                RunOptions(kind="seed", allow_mass_changes=True)
            )
        assert report.status == "clean", report.summary()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = LocalSandbox(tmp_path / "sandbox")
    box.start()
    stripe = StripeApi(box.endpoints.stripe_url if box.endpoints else "")
    targets = Targets(box)
    try:
        yield Sandbox(box, tmp_path, stripe, targets)
    finally:
        stripe.close()
        targets.close()
        # An in-process daemon's Salesforce session stays open after it stops (the runtime
        # does not close it); without force_exit the TLS server waits 10 s for it.
        for server in box.servers:
            server.server.force_exit = True
        box.stop()


# -- the daemon's webhook endpoint and metrics ----------------------------------------------


def metric(base_url: str, name: str, labels: dict[str, str] | None = None) -> float:
    """A sample of the daemon's ``/metrics`` (0 when absent)."""
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(
                sample.labels.get(k) == v for k, v in (labels or {}).items()
            ):
                return float(sample.value)
    return 0.0


def wait_ready(
    base_url: str, timeout: float = 30.0, alive: Callable[[], bool] = lambda: True
) -> None:
    def probe() -> str:
        if not alive():
            pytest.fail(f"the daemon behind {base_url} exited before it was ready")
        try:
            return str(httpx.get(f"{base_url}/readyz", timeout=2).status_code)
        except httpx.HTTPError as exc:
            return type(exc).__name__

    wait_until(probe, lambda s: s == "200", timeout=timeout, what=f"{base_url}/readyz")


def queue_stats(store: StateStore) -> QueueStats:
    return store.queue_stats(utcnow())


# -- the daemon in a thread ----------------------------------------------------------------


@dataclass
class DaemonThread:
    daemon: Daemon
    thread: threading.Thread
    base_url: str
    result: list[int] = field(default_factory=list)


@pytest.fixture
def daemon_thread() -> Iterator[Callable[..., DaemonThread]]:
    """Start ``Daemon(settings, poll=False, install_signals=False)`` in a thread; stopped at
    teardown, which also checks that it stopped cleanly (exit code 0)."""
    started: list[DaemonThread] = []

    def start(config: Path, *, workers: int | None = None, **daemon: Any) -> DaemonThread:
        settings = load_settings(config)
        if daemon:
            settings = settings.model_copy(
                update={"daemon": settings.daemon.model_copy(update=daemon)}
            )
        runner = Daemon(settings, poll=False, workers=workers, install_signals=False)
        result: list[int] = []
        thread = threading.Thread(
            target=lambda: result.append(runner.run()), name="daemon-under-test", daemon=True
        )
        thread.start()
        handle = DaemonThread(runner, thread, f"http://127.0.0.1:{settings.webhook.port}", result)
        started.append(handle)
        wait_ready(handle.base_url, alive=thread.is_alive)
        return handle

    yield start
    for handle in started:
        handle.daemon.request_stop()
        handle.thread.join(timeout=30)
        assert not handle.thread.is_alive(), "the daemon thread did not stop within 30s"
        assert handle.result == [0], f"the daemon thread returned {handle.result}"


# -- the daemon in a subprocess ---------------------------------------------------------------


def connector_command() -> list[str]:
    """The installed ``connector`` console script (``python -m`` has no entry point)."""
    script = Path(sys.executable).with_name("connector")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from connector.cli.app import main; main()"]


@dataclass
class DaemonProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"daemon {self.pid} still running {timeout:.0f}s later; log:\n{self.tail()}"
            )

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture
def daemon_process(tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    """Start ``connector run --no-poller`` in a subprocess; killed at teardown if still alive."""
    started: list[DaemonProcess] = []

    def start(config: Path, **env: str | float | int) -> DaemonProcess:
        settings = load_settings(config)
        log = tmp_path / f"daemon-{len(started) + 1}.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_")}
        environ.update({f"CONNECTOR_{k.upper()}": str(v) for k, v in env.items()})
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*connector_command(), "run", "--config", str(config), "--no-poller"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environ,
            )
        handle = DaemonProcess(process, f"http://127.0.0.1:{settings.webhook.port}", log)
        started.append(handle)
        wait_ready(handle.base_url, alive=handle.alive)
        return handle

    yield start
    for handle in started:
        if handle.alive():
            handle.process.kill()
            handle.process.wait(timeout=10)


# -- stores ------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[tuple[str, SqliteStore]]:
    path = tmp_path / "connector.db"
    store = SqliteStore(path)
    try:
        yield f"sqlite:///{path}", store
    finally:
        store.close()


@pytest.fixture
def pg_store() -> Iterator[tuple[str, StateStore]]:
    """A throwaway PostgreSQL schema, named in the URL's ``options`` so that every process
    that opens the URL works in it; dropped afterwards."""
    import psycopg

    from tests.conftest import postgres_url

    base = postgres_url()
    schema = f"e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    store = open_store(url)
    try:
        yield url, store
    finally:
        store.close()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def enqueue(store: StateStore, keys: Sequence[str], reason: str = "e2e") -> None:
    store.enqueue(keys, reason, utcnow())
