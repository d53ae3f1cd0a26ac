"""End-to-end fixtures: the three emulators on loopback, reset and seeded for each test.

One :class:`~connector.sandbox.local.LocalSandbox` (Stripe, Salesforce over TLS, Odoo) runs
for the whole session; :func:`e2e` puts every emulator back to its empty state before each
test (faults off, counters at zero, the connector's state store deleted), so each test seeds
exactly the small world it needs. The connector is driven as in production: a configuration
file read by ``load_settings`` and ``open_runtime``, the real adapters, the real store.
"""

from __future__ import annotations

import ssl
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.odoo.xmlids import record_name
from connector.config import Settings, load_settings
from connector.mapping.defaults import default_mappings_dir
from connector.records import JsonValue
from connector.runtime import Runtime, open_runtime
from connector.sandbox.local import STRIPE_KEY, LocalSandbox, SandboxEndpoints
from connector.sandbox.odoo.model_methods import METHODS
from connector.sandbox.odoo_reference import stock_odoo
from connector.sandbox.seeding import SeedReport, seed_billing, seed_sandbox
from connector.schema import Subscription

SYSTEMS = ("stripe", "salesforce", "odoo")
ODOO_NAMESPACE = "subsync"
SF_API = "/services/data/v59.0"
#: The path of the sObject Collections upsert of Subscription__c (by external id).
SF_SUBSCRIPTION_UPSERT = f"{SF_API}/composite/sobjects/Subscription__c"
#: Call-statistics labels that are not writes although sent with POST: logging in.
SF_LOGIN_LABELS = frozenset({"POST login/soap", "POST oauth2/token"})

Rule = Mapping[str, Any]


@dataclass
class E2E:
    """The running sandbox, its admin endpoints, and the connector's settings for it."""

    box: LocalSandbox
    endpoints: SandboxEndpoints
    settings: Settings
    admin: dict[str, httpx.Client]
    stripe: httpx.Client  # Stripe's own API, as a billing operator uses it

    # -- lifecycle ---------------------------------------------------------------------

    def reset(self) -> None:
        """Every emulator empty (Odoo back to its reference data), no faults, no counters,
        and no connector state."""
        for system in SYSTEMS:
            self.admin[system].delete("/__sandbox/faults").raise_for_status()
            self.admin[system].post("/__sandbox/reset").raise_for_status()
        stock_odoo(self.box.odoo_client())
        for system in SYSTEMS:
            self.admin[system].delete("/__sandbox/stats").raise_for_status()
        store = Path(self.settings.store_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)

    def seed(self, subscriptions: int, drift: float = 0.0) -> SeedReport:
        """Billing loaded, CRM and ERP synced then drifted by hand; the connector's store is
        left as it is (empty after :meth:`reset`)."""
        return seed_sandbox(
            self.settings, self.endpoints, self.box.odoo_client(), subscriptions, drift
        )

    def seed_billing(self, subscriptions: int) -> None:
        """Billing only: the CRM and the ERP stay empty (a first load)."""
        seed_billing(self.endpoints.stripe_url, subscriptions)

    def runtime(self) -> AbstractContextManager[Runtime]:
        return open_runtime(self.settings)

    # -- faults and call statistics ----------------------------------------------------

    def set_faults(self, system: str, rules: Sequence[Rule]) -> None:
        response = self.admin[system].put("/__sandbox/faults", json=list(rules))
        response.raise_for_status()

    def clear_stats(self) -> None:
        for system in SYSTEMS:
            self.admin[system].delete("/__sandbox/stats").raise_for_status()

    def stats(self, system: str) -> dict[str, Any]:
        response = self.admin[system].get("/__sandbox/stats")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def calls(self, system: str) -> dict[str, int]:
        calls: dict[str, int] = self.stats(system)["calls"]
        return calls

    def write_calls(self) -> dict[str, dict[str, int]]:
        """Write-labelled calls each emulator counted, by label."""
        return {system: _writes(system, self.calls(system)) for system in SYSTEMS}

    # -- reading the systems directly (not through the connector's adapters) ------------

    def sf_records(self, sobject: str) -> list[dict[str, Any]]:
        response = self.admin["salesforce"].get(f"/__sandbox/records/{sobject}")
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["records"]
        return records

    def odoo(self) -> Any:
        return self.box.odoo_client()

    def odoo_ids(self, odoo: Any, object_name: str, keys: Sequence[str]) -> dict[str, int]:
        """Odoo record id of each key, through the connector's external ids."""
        names = {record_name(object_name, key): key for key in keys}
        rows = odoo.execute_kw(
            "ir.model.data",
            "search_read",
            [[("module", "=", ODOO_NAMESPACE), ("name", "in", sorted(names))]],
            {"fields": ["name", "res_id"]},
        )
        return {names[row["name"]]: int(row["res_id"]) for row in rows}


def _writes(system: str, calls: Mapping[str, int]) -> dict[str, int]:
    """The labels of ``calls`` that change data, read the way each emulator labels calls.

    Stripe: ``"POST /v1/subscriptions/:id"``; Salesforce: ``"PATCH composite/sobjects/upsert"``
    (logins excepted); Odoo: ``"execute_kw sale.subscription.write"`` or ``"call_kw ..."``,
    a write when the emulator's method table says the method writes.
    """
    out: dict[str, int] = {}
    for label, count in calls.items():
        method = label.split(" ", 1)[0]
        if system == "odoo":
            if method not in ("execute_kw", "execute", "call_kw"):
                continue  # common.login, web.session.authenticate, db.*
            name = label.rsplit(".", 1)[-1]
            spec = METHODS.get(name)
            writes = spec is None or spec.writes  # an unknown method counts as a write
        elif system == "salesforce":
            writes = method != "GET" and label not in SF_LOGIN_LABELS
        else:
            writes = method != "GET"
        if writes:
            out[label] = count
    return out


@contextmanager
def running_e2e(workdir: Path) -> Iterator[E2E]:
    """A sandbox started in ``workdir``, with its admin clients, until the block ends."""
    box = LocalSandbox(workdir)
    endpoints = box.start()
    trust = ssl.create_default_context(cafile=str(endpoints.ca_bundle))
    admin = {
        "stripe": httpx.Client(base_url=endpoints.stripe_url, timeout=60),
        "salesforce": httpx.Client(base_url=endpoints.salesforce_url, verify=trust, timeout=60),
        "odoo": httpx.Client(base_url=f"http://127.0.0.1:{endpoints.odoo_port}", timeout=60),
    }
    stripe = httpx.Client(
        base_url=endpoints.stripe_url,
        headers={"Authorization": f"Bearer {STRIPE_KEY}"},
        timeout=60,
    )
    settings = load_settings(box.write_config(default_mappings_dir()))
    try:
        yield E2E(box, endpoints, settings, admin, stripe)
    finally:
        for client in (*admin.values(), stripe):
            client.close()
        for server in box.servers:
            # Do not wait for the adapters' idle keep-alive connections to time out.
            server.server.force_exit = True
        box.stop()


@pytest.fixture(scope="session")
def e2e_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    with running_e2e(tmp_path_factory.mktemp("e2e-sandbox")) as running:
        yield running


@pytest.fixture
def e2e(e2e_session: E2E) -> Iterator[E2E]:
    """The session's sandbox, empty and fault-free at the start of the test."""
    e2e_session.reset()
    yield e2e_session
    for system in SYSTEMS:
        e2e_session.admin[system].delete("/__sandbox/faults")


# -- agreement checks ------------------------------------------------------------------------


def billing_subscriptions(runtime: Runtime) -> list[Subscription]:
    """Every subscription the billing source returns (a full scan); no unreadable ones."""
    subscriptions: list[Subscription] = []
    for page in runtime.source.scan():
        assert not page.errors, page.errors
        subscriptions.extend(page.subscriptions)
    return subscriptions


@dataclass
class Agreement:
    compared: Counter[str]  # "salesforce.subscription" -> records compared
    problems: list[str]


def field_by_field(runtime: Runtime, subscriptions: Sequence[Subscription]) -> Agreement:
    """Render what each target should hold for ``subscriptions`` with its mapping, read what
    it holds through its adapter, and list every missing record and differing field (fields
    the target owns excepted)."""
    compared: Counter[str] = Counter()
    problems: list[str] = []
    for target in runtime.targets:
        rendered = [target.mapping.render(sub) for sub in subscriptions]
        for obj in target.mapping.ordered():
            desired: dict[str, dict[str, JsonValue]] = {}
            for records in rendered:
                key, values = records[obj.name]
                desired[key] = values
            keys = list(desired)
            size = target.read_batch_size(obj.name)
            found: dict[str, Any] = {}
            for start in range(0, len(keys), size):
                found.update(target.read(obj.name, keys[start : start + size]))
            for key, values in desired.items():
                where = f"{target.system}.{obj.name} {key}"
                record = found.get(key)
                if record is None:
                    problems.append(f"{where}: missing")
                    continue
                compared[f"{target.system}.{obj.name}"] += 1
                actual = obj.normalise(record.fields)
                for spec in obj.fields:
                    if spec.owner.value == "target":
                        continue
                    if actual.get(spec.target) != values.get(spec.target):
                        problems.append(
                            f"{where}: {spec.target} is {actual.get(spec.target)!r}, "
                            f"billing says {values.get(spec.target)!r}"
                        )
    return Agreement(compared, problems)


def duplicates(e2e: E2E, subscriptions: Sequence[Subscription]) -> list[str]:
    """Every subscription and customer exactly once in Salesforce and in Odoo, read from the
    systems themselves (all records, not only those the connector can find)."""
    keys = Counter(sub.id for sub in subscriptions)
    customers = Counter({sub.customer.id for sub in subscriptions})
    problems: list[str] = []

    def compare(where: str, found: Counter[Any], expected: Counter[Any]) -> None:
        for key in sorted(set(found) | set(expected), key=str):
            if found[key] != expected[key]:
                problems.append(f"{where}: {key!r} {found[key]} times, expected {expected[key]}")

    compare(
        "Salesforce Subscription__c",
        Counter(r.get("Stripe_Subscription_Id__c") for r in e2e.sf_records("Subscription__c")),
        keys,
    )
    compare(
        "Salesforce Account",
        Counter(r.get("Stripe_Customer_Id__c") for r in e2e.sf_records("Account")),
        customers,
    )
    odoo = e2e.odoo()
    everything = {"context": {"active_test": False}}
    subs = odoo.execute_kw(
        "sale.subscription", "search_read", [[]], {"fields": ["id", "partner_id"], **everything}
    )
    ids = e2e.odoo_ids(odoo, "subscription", list(keys))
    compare("Odoo sale.subscription (external ids)", Counter(ids.keys()), keys)
    if len(subs) != len(keys) or {row["id"] for row in subs} != set(ids.values()):
        problems.append(
            f"Odoo sale.subscription: {len(subs)} records, {len(set(ids.values()))} of them "
            f"bound to the {len(keys)} subscriptions"
        )
    partners = odoo.execute_kw(
        "res.partner",
        "search_read",
        [[("ref", "in", sorted(customers))]],
        {"fields": ["ref"], **everything},
    )
    compare("Odoo res.partner", Counter(row["ref"] for row in partners), customers)
    lines = odoo.execute_kw(
        "sale.subscription.line",
        "search_read",
        [[]],
        {"fields": ["sale_subscription_id"], **everything},
    )
    per_subscription = Counter(
        row["sale_subscription_id"][0] for row in lines if row["sale_subscription_id"]
    )
    # One Odoo line per line of billing's recurring invoice (items and discounts).
    items = {ids[sub.id]: len(sub.recurring_lines) for sub in subscriptions if sub.id in ids}
    compare("Odoo sale.subscription.line per subscription", per_subscription, Counter(items))
    return problems
