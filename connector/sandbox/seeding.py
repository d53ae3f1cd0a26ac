"""``connector sandbox seed``: a realistic, reproducible starting point in the sandbox.

Billing gets the generated data set through the Stripe emulator's bulk load. The CRM and the
ERP are first brought in line by the connector itself, through its ordinary adapters, so they
hold exactly what a synced org holds; then a share of their records is drifted the way people
drift them, through the systems' own APIs: some deleted, some edited by hand. The next run
meets an existing CRM and ERP with drift, as on the first day at a new customer.

The connector's own state store is never touched: the seeding sync keeps its state in a
throwaway store of its own, so an operator's audit trail and dead letters survive a seed.
Seeding a sandbox that holds subscriptions already adds new ones after them (numbered on
from the last), and syncs and drifts only those: what earlier seeds and runs left stays as
it is.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.format import format_soql

from adapters.odoo.xmlids import record_name
from connector.config import Settings
from connector.reconciler import RunOptions
from connector.runtime import open_runtime
from connector.sandbox.dataset import make_subscription
from connector.sandbox.local import (
    SF_PASSWORD,
    SF_TOKEN,
    SF_USERNAME,
    STRIPE_KEY,
    SandboxEndpoints,
)
from connector.sandbox.stripe_seed import stripe_load

# Small enough that a progress bar moves about every half second.
LOAD_CHUNK = 1_000
SYNC_CHUNK = 150
SF_CHUNK = 200


class SeedProgress(Protocol):
    """Where seeding reports how far it got: a phase with its total, then steps done."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self, done: int) -> None: ...


class _Silent:
    def phase(self, name: str, total: int) -> None:
        return None

    def advance(self, done: int) -> None:
        return None


@dataclass(frozen=True)
class SeedReport:
    subscriptions: int
    deleted: dict[str, int]
    edited: dict[str, int]
    first: int = 1  # the number of the first subscription this seed added

    @property
    def last(self) -> int:
        return self.first + self.subscriptions - 1


def next_subscription_number(stripe_url: str) -> int:
    """The number after the last generated subscription billing holds (1 when empty).

    Seeds load numbers 1..N, then N+1.., so the numbers in billing are contiguous: an
    exponential then binary search finds the end in about 2 log2(N) look-ups.
    """
    headers = {"Authorization": f"Bearer {STRIPE_KEY}"}
    with httpx.Client(base_url=stripe_url, headers=headers, timeout=60) as client:

        def exists(number: int) -> bool:
            answer = client.get(f"/v1/subscriptions/{make_subscription(number).id}")
            if answer.status_code == 404:
                return False
            answer.raise_for_status()
            return True

        if not exists(1):
            return 1
        low, high = 1, 2
        while exists(high):
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if exists(middle) else (low, middle)
        return high


def seed_billing(
    stripe_url: str, count: int, first: int = 1, progress: SeedProgress | None = None
) -> None:
    """Load subscriptions ``first`` to ``first + count - 1`` into Stripe, a chunk at a time:
    each chunk with its customers and the catalogue it uses (what Stripe has already is
    skipped)."""
    step = progress or _Silent()
    step.phase("billing", count)
    with httpx.Client(timeout=300) as client:
        for start in range(first, first + count, LOAD_CHUNK):
            numbers = range(start, min(start + LOAD_CHUNK, first + count))
            load: dict[str, Any] = stripe_load([make_subscription(n) for n in numbers])
            response = client.post(
                f"{stripe_url}/__sandbox/load", json={**load, "skip_existing": True}
            )
            response.raise_for_status()
            step.advance(len(numbers))


def _salesforce(endpoints: SandboxEndpoints) -> Salesforce:
    session = requests.Session()
    session.verify = str(endpoints.ca_bundle)
    session.trust_env = False
    domain = f"{endpoints.salesforce_url.removeprefix('https://')}/login"
    return Salesforce(
        username=SF_USERNAME,
        password=SF_PASSWORD,
        security_token=SF_TOKEN,
        domain=domain,
        session=session,
    )


def _drift_salesforce(
    endpoints: SandboxEndpoints, deleted: Sequence[str], edited: Sequence[str]
) -> None:
    sf = _salesforce(endpoints)
    ids: dict[str, str] = {}
    keys = [*deleted, *edited]
    for start in range(0, len(keys), SF_CHUNK):
        soql = format_soql(
            "SELECT Id, Stripe_Subscription_Id__c FROM Subscription__c "
            "WHERE Stripe_Subscription_Id__c IN {}",
            keys[start : start + SF_CHUNK],
        )
        for row in sf.query_all(soql)["records"]:
            ids[row["Stripe_Subscription_Id__c"]] = row["Id"]
    gone = [ids[k] for k in deleted if k in ids]
    for start in range(0, len(gone), SF_CHUNK):
        sf.restful(
            "composite/sobjects",
            method="DELETE",
            params={"ids": ",".join(gone[start : start + SF_CHUNK]), "allOrNone": "false"},
        )
    changed = [
        {"attributes": {"type": "Subscription__c"}, "id": ids[k], "MRR__c": 0, "Quantity__c": 1}
        for k in edited
        if k in ids
    ]
    for start in range(0, len(changed), SF_CHUNK):
        sf.restful(
            "composite/sobjects",
            method="PATCH",
            json={"allOrNone": False, "records": changed[start : start + SF_CHUNK]},
        )


def _drift_odoo(client: Any, namespace: str, deleted: Sequence[str], edited: Sequence[str]) -> None:
    names = {record_name("subscription", key): key for key in (*deleted, *edited)}
    rows = client.execute_kw(
        "ir.model.data",
        "search_read",
        [[("module", "=", namespace), ("name", "in", sorted(names))]],
        {"fields": ["name", "res_id"]},
    )
    ids = {names[row["name"]]: row["res_id"] for row in rows}
    gone = [ids[k] for k in deleted if k in ids]
    if gone:
        client.execute_kw("sale.subscription", "unlink", [gone])
    touched = [ids[k] for k in edited if k in ids]
    if touched:
        client.execute_kw(
            "sale.subscription", "write", [touched, {"description": "entered by hand"}]
        )


@dataclass(frozen=True)
class Drift:
    deleted: dict[str, int]
    edited: dict[str, int]


def drift_targets(
    settings: Settings,
    endpoints: SandboxEndpoints,
    odoo_client: Any,
    subscriptions: int,
    share: float,
    seed: int = 7,
    first: int = 1,
    progress: SeedProgress | None = None,
) -> Drift:
    """Delete and edit ``share`` of the CRM's and ERP's subscriptions numbered ``first`` on,
    through their APIs.

    Half of the drifted subscriptions lose their record, half get a field edited by hand;
    each system drifts on its own records (different people, different mistakes).
    """
    keys = [make_subscription(n).id for n in range(first, first + subscriptions)]
    drifted = random.Random(seed).sample(keys, k=round(len(keys) * share))
    half = len(drifted) // 2
    missing, edited = drifted[:half], drifted[half:]
    sf_missing, odoo_missing = missing[::2], missing[1::2]
    sf_edited, odoo_edited = edited[::2], edited[1::2]
    step = progress or _Silent()
    _drift_salesforce(endpoints, sf_missing, sf_edited)
    step.advance(1)
    namespace = str(getattr(settings.targets.get("odoo"), "namespace", "subsync"))
    _drift_odoo(odoo_client, namespace, odoo_missing, odoo_edited)
    step.advance(1)
    return Drift(
        {"salesforce": len(sf_missing), "odoo": len(odoo_missing)},
        {"salesforce": len(sf_edited), "odoo": len(odoo_edited)},
    )


def seed_sandbox(
    settings: Settings,
    endpoints: SandboxEndpoints,
    odoo_client: Any,
    subscriptions: int,
    drift: float,
    seed: int = 7,
    *,
    progress: SeedProgress | None = None,
) -> SeedReport:
    """Add ``subscriptions`` to billing, sync them to the targets, drift a share of them."""
    step = progress or _Silent()
    first = next_subscription_number(endpoints.stripe_url)
    seed_billing(endpoints.stripe_url, subscriptions, first, step)
    keys = [make_subscription(n).id for n in range(first, first + subscriptions)]
    sync_targets(settings, keys, step)
    step.phase("drift", 2)  # the CRM, then the ERP
    made = drift_targets(
        settings, endpoints, odoo_client, subscriptions, drift, seed, first, progress=step
    )
    return SeedReport(subscriptions, made.deleted, made.edited, first)


def sync_targets(settings: Settings, keys: Sequence[str], progress: SeedProgress) -> None:
    """Bring the CRM and the ERP in line for ``keys``, keeping state in a throwaway store.

    Only these keys are run (in small batches, so progress shows): a full run would also
    put back what earlier seeds drifted on purpose.
    """
    with tempfile.TemporaryDirectory(prefix="subsync-seed-") as scratch:
        store_url = f"sqlite:///{Path(scratch) / 'seed.db'}"
        own = settings.model_copy(update={"store_url": store_url})
        progress.phase("CRM and ERP", len(keys))
        with open_runtime(own) as runtime:
            for start in range(0, len(keys), SYNC_CHUNK):
                batch = keys[start : start + SYNC_CHUNK]
                runtime.reconciler.reconcile(
                    batch, RunOptions(kind="seed", allow_mass_changes=True, claim=False)
                )
                progress.advance(len(batch))
