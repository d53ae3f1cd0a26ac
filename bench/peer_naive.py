"""Benchmark: the connector against what teams run today, a hand-written per-record sync.

The peer is the script a revenue-operations engineer writes with the usual libraries:
Stripe's list API over httpx (100 a page, customers expanded), simple-salesforce and
odoorpc. For every subscription it upserts the Account and reads its Id back, upserts the
Subscription__c, finds the Odoo partner by ``ref`` and the subscription by its external id,
and creates or writes both (lines replaced). It caches the look-ups (templates, pricelists,
stages, products), as anyone would, and nothing else. It writes every record on every pass,
changed or not: it has no state to tell.

Both run on the same generated data against the same sandbox code, each with a sandbox of
its own (``connector sandbox up``): a first load into empty targets, then a second pass with
nothing changed (steady state). Printed: wall time, API calls per system, and the ratios
peer / connector.

Run: ``python -m bench.peer_naive [--subscriptions 5000]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import requests
from simple_salesforce.api import Salesforce, SFType

from bench.sandbox_sync import start_sandbox
from connector.config import load_settings
from connector.logs import configure_logging
from connector.reconciler import RunOptions
from connector.report import RunReport
from connector.runtime import open_runtime
from connector.sandbox.local import (
    SF_PASSWORD,
    SF_TOKEN,
    SF_USERNAME,
    STRIPE_KEY,
    SandboxEndpoints,
    connect_odoo,
)
from connector.sandbox.seeding import seed_billing

PEER_MODULE = "stripe_peer"  # the peer's own external-id namespace in Odoo
ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg"})
ZERO_DECIMAL |= frozenset({"rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"})
SF_STATUS = {
    "trialing": "Trialing",
    "active": "Active",
    "past_due": "Past Due",
    "unpaid": "Unpaid",
    "paused": "Paused",
    "canceled": "Cancelled",
    "incomplete": "Incomplete",
    "incomplete_expired": "Cancelled",
}
ODOO_STAGE = {
    "trialing": "Ready to start",
    "incomplete": "Ready to start",
    "active": "In progress",
    "past_due": "In progress",
    "unpaid": "In progress",
    "paused": "Paused",
    "canceled": "Closed",
    "incomplete_expired": "Closed",
}
MONTHS_PER = {"day": Decimal(12) / Decimal(365), "week": Decimal(12) / Decimal(52)}
MONTHS_PER |= {"month": Decimal(1), "year": Decimal(12)}


def _major(amount: int | None, currency: str) -> Decimal:
    units = Decimal(amount or 0)
    return units if currency in ZERO_DECIMAL else units / 100


def _day(epoch: int | None) -> str | None:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch)) if epoch else None


class NaivePeer:
    """One pass of the per-record sync; ``calls`` counts every API call it makes."""

    def __init__(self, endpoints: SandboxEndpoints) -> None:
        self.calls: Counter[str] = Counter()
        self.stripe = httpx.Client(
            base_url=endpoints.stripe_url,
            headers={"Authorization": f"Bearer {STRIPE_KEY}"},
            timeout=120,
        )
        session = requests.Session()
        session.verify = str(endpoints.ca_bundle)
        session.trust_env = False
        self.sf = Salesforce(
            username=SF_USERNAME,
            password=SF_PASSWORD,
            security_token=SF_TOKEN,
            domain=f"{endpoints.salesforce_url.removeprefix('https://')}/login",
            session=session,
        )
        self.accounts = self._sobject("Account")
        self.subscriptions = self._sobject("Subscription__c")
        self.odoo = connect_odoo(endpoints.odoo_port)
        self._lookups: dict[tuple[str, str, str], int | None] = {}

    def _sobject(self, name: str) -> SFType:
        """What ``sf.<name>`` gives, typed."""
        return SFType(
            name,
            self.sf.session_id,
            self.sf.sf_instance,
            sf_version=self.sf.sf_version,
            session=self.sf.session,
            salesforce=self.sf,
        )

    def close(self) -> None:
        self.stripe.close()

    def run(self) -> None:
        for sub in self._subscriptions():
            self._to_salesforce(sub)
            self._to_odoo(sub)

    # -- Stripe ------------------------------------------------------------------------

    def _subscriptions(self) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 100, "status": "all", "expand[]": "data.customer"}
        while True:
            self.calls["stripe"] += 1
            page = self.stripe.get("/v1/subscriptions", params=params).raise_for_status().json()
            yield from page["data"]
            if not page["has_more"]:
                return
            params["starting_after"] = page["data"][-1]["id"]

    # -- Salesforce --------------------------------------------------------------------

    def _to_salesforce(self, sub: dict[str, Any]) -> None:
        customer = sub["customer"]
        address = customer.get("address") or {}
        self.calls["salesforce"] += 3
        self.accounts.upsert(
            f"Stripe_Customer_Id__c/{customer['id']}",
            {
                "Name": customer.get("name") or customer["id"],
                "Billing_Email__c": customer.get("email"),
                "BillingCountry": address.get("country"),
            },
        )
        account = self.accounts.get_by_custom_id("Stripe_Customer_Id__c", customer["id"])
        item = sub["items"]["data"][0]
        price = item["price"]
        currency = sub["currency"]
        quantity = sum(int(i.get("quantity") or 0) for i in sub["items"]["data"])
        unit = _major(price.get("unit_amount"), currency)
        recurring = price.get("recurring") or {"interval": "month", "interval_count": 1}
        per_month = MONTHS_PER[recurring["interval"]] * int(recurring["interval_count"] or 1)
        self.subscriptions.upsert(
            f"Stripe_Subscription_Id__c/{sub['id']}",
            {
                "Account__c": account["Id"],
                "Status__c": SF_STATUS.get(sub["status"], "Active"),
                "Plan__c": price.get("lookup_key"),
                "Quantity__c": quantity,
                "Unit_Price__c": float(unit),
                "CurrencyIsoCode": currency.upper(),
                "MRR__c": float(round(unit * quantity / per_month, 2)),
                "Current_Period_End__c": _day(item.get("current_period_end")),
            },
        )

    # -- Odoo --------------------------------------------------------------------------

    def _execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        self.calls["odoo"] += 1
        return self.odoo.execute_kw(model, method, list(args), kwargs)

    def _lookup(self, model: str, field: str, value: str) -> int | None:
        key = (model, field, value)
        if key not in self._lookups:
            found = self._execute(model, "search", [(field, "=", value)], limit=1)
            self._lookups[key] = found[0] if found else None
        return self._lookups[key]

    def _partner(self, customer: dict[str, Any]) -> int:
        vals = {"name": customer.get("name") or customer["id"], "email": customer.get("email")}
        found = self._execute("res.partner", "search", [("ref", "=", customer["id"])], limit=1)
        if found:
            self._execute("res.partner", "write", found, vals)
            return int(found[0])
        return int(self._execute("res.partner", "create", {**vals, "ref": customer["id"]}))

    def _to_odoo(self, sub: dict[str, Any]) -> None:
        partner = self._partner(sub["customer"])
        items = sub["items"]["data"]
        recurring = items[0]["price"].get("recurring") or {"interval": "month"}
        template = f"{recurring['interval']}-{recurring.get('interval_count') or 1}".upper()
        lines: list[Any] = [(5, 0, 0)]
        for item in items:
            price = item["price"]
            lines.append(
                (
                    0,
                    0,
                    {
                        "product_id": self._lookup(
                            "product.product", "default_code", str(price.get("lookup_key"))
                        ),
                        "name": price.get("nickname") or str(price.get("lookup_key")),
                        "product_uom_qty": float(item.get("quantity") or 0),
                        "price_unit": float(_major(price.get("unit_amount"), sub["currency"])),
                    },
                )
            )
        vals = {
            "partner_id": partner,
            "template_id": self._lookup("sale.subscription.template", "code", template),
            "pricelist_id": self._lookup(
                "product.pricelist", "currency_id.name", sub["currency"].upper()
            ),
            "stage_id": self._lookup(
                "sale.subscription.stage", "name", ODOO_STAGE.get(sub["status"], "In progress")
            ),
            "date_start": _day(sub.get("start_date")),
            "description": f"{items[0]['price'].get('lookup_key')} ({sub['status']})",
            "sale_subscription_line_ids": lines,
        }
        name = sub["id"]
        bound = self._execute(
            "ir.model.data",
            "search_read",
            [("module", "=", PEER_MODULE), ("name", "=", name)],
            fields=["res_id"],
        )
        if bound:
            self._execute("sale.subscription", "write", [bound[0]["res_id"]], vals)
            return
        created = self._execute("sale.subscription", "create", vals)
        self._execute(
            "ir.model.data",
            "create",
            {"module": PEER_MODULE, "name": name, "model": "sale.subscription", "res_id": created},
        )


def _peer(total: int, scratch: Path) -> dict[str, Any]:
    (scratch / "peer").mkdir()
    process, endpoints, _config = start_sandbox(scratch / "peer")
    try:
        seed_billing(endpoints.stripe_url, total)
        figures: dict[str, Any] = {}
        for step in ("first_load", "steady_state"):
            peer = NaivePeer(endpoints)
            began = time.perf_counter()
            try:
                peer.run()
            finally:
                peer.close()
            seconds = round(time.perf_counter() - began, 2)
            figures[step] = {"seconds": seconds, "calls": dict(peer.calls)}
        return figures
    finally:
        process.terminate()
        process.wait(timeout=30)


def _calls(report: RunReport) -> dict[str, int]:
    return {system: cost.reads + cost.writes for system, cost in report.cost.items()}


def _connector(total: int, scratch: Path) -> dict[str, Any]:
    (scratch / "connector").mkdir()
    process, endpoints, config = start_sandbox(scratch / "connector")
    try:
        seed_billing(endpoints.stripe_url, total)
        settings = load_settings(config)
        figures: dict[str, Any] = {}
        for step, options in (
            ("first_load", RunOptions(kind="full", allow_mass_changes=True)),
            ("steady_state", RunOptions(kind="full")),
        ):
            with open_runtime(settings) as runtime:
                began = time.perf_counter()
                report = runtime.reconciler.reconcile_all(options)
                seconds = round(time.perf_counter() - began, 2)
            figures[step] = {"seconds": seconds, "calls": _calls(report)}
        return figures
    finally:
        process.terminate()
        process.wait(timeout=30)


def run(total: int) -> dict[str, Any]:
    configure_logging("json", "WARNING")
    with tempfile.TemporaryDirectory(prefix="subsync-peer-") as scratch:
        peer = _peer(total, Path(scratch))
        ours = _connector(total, Path(scratch))
    ratios = {
        step: {
            "seconds": round(peer[step]["seconds"] / max(ours[step]["seconds"], 1e-9), 2),
            **{
                f"{system}_calls": round(count / max(ours[step]["calls"].get(system, 0), 1), 1)
                for system, count in peer[step]["calls"].items()
            },
        }
        for step in ("first_load", "steady_state")
    }
    return {"subscriptions": total, "peer": peer, "connector": ours, "peer_to_connector": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=5000)
    args = parser.parse_args()
    figures = run(args.subscriptions)
    print(json.dumps(figures, indent=2))
    for step, ratio in figures["peer_to_connector"].items():
        cells = ", ".join(f"{name} {value}x" for name, value in ratio.items())
        print(f"{step}: the peer takes {cells} of the connector's")


if __name__ == "__main__":
    main()
