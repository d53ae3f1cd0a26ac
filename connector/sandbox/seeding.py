"""``connector sandbox seed``: a realistic, reproducible starting point in the sandbox.

Billing gets the generated data set through the Stripe emulator's bulk load. The CRM and the
ERP are first brought in line by the connector itself, through its ordinary adapters, so they
hold exactly what a synced org holds; then a share of their records is drifted the way people
drift them, through the systems' own APIs: some deleted, some edited by hand. Finally the
connector's own state is forgotten, so the next run meets an existing CRM and ERP with drift,
as on the first day at a new customer.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.format import format_soql

from adapters.odoo.xmlids import record_name
from connector.config import Settings
from connector.reconciler import RunOptions
from connector.runtime import open_runtime
from connector.sandbox.dataset import make_subscription
from connector.sandbox.local import SF_PASSWORD, SF_TOKEN, SF_USERNAME, SandboxEndpoints
from connector.sandbox.stripe_seed import stripe_load

LOAD_CHUNK = 10_000
SF_CHUNK = 200


@dataclass(frozen=True)
class SeedReport:
    subscriptions: int
    deleted: dict[str, int]
    edited: dict[str, int]


def seed_billing(stripe_url: str, count: int, first: int = 1) -> None:
    """Load the data set into Stripe: the shared catalogue once, then the rest in chunks."""
    load = stripe_load([make_subscription(n) for n in range(first, first + count)])
    catalogue = {name: load[name] for name in ("products", "prices", "coupons", "tax_rates")}
    with httpx.Client(timeout=300) as client:
        client.post(f"{stripe_url}/__sandbox/load", json=catalogue).raise_for_status()
        for section in ("customers", "subscriptions"):
            rows = load[section]
            for start in range(0, len(rows), LOAD_CHUNK):
                client.post(
                    f"{stripe_url}/__sandbox/load", json={section: rows[start : start + LOAD_CHUNK]}
                ).raise_for_status()


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
) -> Drift:
    """Delete and edit ``share`` of the CRM's and ERP's subscriptions, through their APIs.

    Half of the drifted subscriptions lose their record, half get a field edited by hand;
    each system drifts on its own records (different people, different mistakes).
    """
    keys = [make_subscription(n).id for n in range(1, subscriptions + 1)]
    drifted = random.Random(seed).sample(keys, k=round(len(keys) * share))
    half = len(drifted) // 2
    missing, edited = drifted[:half], drifted[half:]
    sf_missing, odoo_missing = missing[::2], missing[1::2]
    sf_edited, odoo_edited = edited[::2], edited[1::2]
    _drift_salesforce(endpoints, sf_missing, sf_edited)
    namespace = str(getattr(settings.targets.get("odoo"), "namespace", "subsync"))
    _drift_odoo(odoo_client, namespace, odoo_missing, odoo_edited)
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
) -> SeedReport:
    seed_billing(endpoints.stripe_url, subscriptions)
    with open_runtime(settings) as runtime:
        runtime.reconciler.reconcile_all(RunOptions(kind="seed", allow_mass_changes=True))
    made = drift_targets(settings, endpoints, odoo_client, subscriptions, drift, seed)
    _forget_state(settings.store_url)
    return SeedReport(subscriptions, made.deleted, made.edited)


def _forget_state(store_url: str) -> None:
    if not store_url.startswith("sqlite:///"):
        raise ValueError("the sandbox seeds only a SQLite state store (its own)")
    path = Path(store_url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
