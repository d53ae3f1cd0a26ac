"""Against the three emulators: ``connector verify`` compares status and MRR as each system
states them, and names every disagreement."""

from __future__ import annotations

import json
from decimal import Decimal

import requests
from simple_salesforce.api import Salesforce
from typer.testing import CliRunner

from connector.cli.app import app
from connector.mapping.defaults import default_mappings_dir
from connector.reconciler import RunOptions
from connector.sandbox.local import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from connector.schema import SubscriptionStatus
from connector.verify import verify_systems
from tests.e2e.conftest import E2E, billing_subscriptions

SUBSCRIPTIONS = 200
FULL = RunOptions(kind="full", allow_mass_changes=True)


def _salesforce(e2e: E2E) -> Salesforce:
    session = requests.Session()
    session.verify = str(e2e.endpoints.ca_bundle)
    session.trust_env = False
    return Salesforce(
        username=SF_USERNAME,
        password=SF_PASSWORD,
        security_token=SF_TOKEN,
        domain=f"{e2e.endpoints.salesforce_url.removeprefix('https://')}/login",
        session=session,
    )


def test_every_system_agrees_after_a_reconcile(e2e: E2E) -> None:
    """After one full run, status and MRR agree for every subscription in all three systems,
    and each system's per-currency total equals billing's."""
    e2e.seed(SUBSCRIPTIONS, 0.1)
    with e2e.runtime() as runtime:
        run = runtime.reconciler.reconcile_all(FULL)
        letters = [f"{d.key} {d.system}: {d.reason}" for d in runtime.store.list_dead_letters()]
        assert run.status == "clean", letters[:10]
        report = verify_systems(runtime.source, runtime.targets)
    problems = [d.describe() for d in report.disagreements]
    assert problems == [], "\n".join(problems[:20])
    assert report.agrees
    assert report.subscriptions == report.agreeing == SUBSCRIPTIONS
    assert report.totals["salesforce"] == report.totals["stripe"]
    assert report.totals["odoo"] == report.totals["stripe"]
    assert sum(report.totals["stripe"].values()) > 0


def test_hand_edits_are_named_and_the_command_exits_1(e2e: E2E) -> None:
    """An MRR edited in the CRM and a stage moved in the ERP are each reported, with both
    values, and ``connector verify`` exits 1 (0 once they are repaired)."""
    e2e.seed(40, 0.0)
    with e2e.runtime() as runtime:
        assert runtime.reconciler.reconcile_all(FULL).status == "clean"
        active = [
            s for s in billing_subscriptions(runtime) if s.status is SubscriptionStatus.ACTIVE
        ]
    crm_edit, erp_edit = active[0], active[1]
    sf = _salesforce(e2e)
    sf.restful(
        f"sobjects/Subscription__c/Stripe_Subscription_Id__c/{crm_edit.id}",
        method="PATCH",
        json={"MRR__c": str(crm_edit.mrr.amount + 1)},
    )
    odoo = e2e.odoo()
    closed = odoo.execute_kw(
        "sale.subscription.stage", "search", [[("type", "=", "post")]], {"limit": 1}
    )
    erp_id = e2e.odoo_ids(odoo, "subscription", [erp_edit.id])[erp_edit.id]
    odoo.execute_kw("sale.subscription", "write", [[erp_id], {"stage_id": closed[0]}])

    config = e2e.box.write_config(default_mappings_dir())
    result = CliRunner().invoke(app, ["verify", "--config", str(config), "--json"])
    assert result.exit_code == 1, result.output
    found = {(d["subscription_id"], d["system"], d["what"]) for d in _json(result.output)}
    assert found == {
        (crm_edit.id, "salesforce", "mrr"),
        (erp_edit.id, "odoo", "status"),
        (erp_edit.id, "odoo", "mrr"),
    }

    with e2e.runtime() as runtime:
        runtime.reconciler.reconcile_all(FULL)
    result = CliRunner().invoke(app, ["verify", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "40 of 40 subscriptions agree" in result.output


def _json(output: str) -> list[dict[str, str]]:
    body = json.loads(output)
    assert body["agrees"] is False
    assert body["subscriptions"] == 40
    assert set(body["totals"]) == {"stripe", "salesforce", "odoo"}
    disagreements: list[dict[str, str]] = body["disagreements"]
    return disagreements


def test_the_bridge_after_a_first_sync_is_all_opening_balance(e2e: E2E) -> None:
    """A first sync of the seeded data set records no movement: the bridge's closing is the
    opening balances, equal per currency to billing's MRR as verify reads it."""
    e2e.seed(SUBSCRIPTIONS, 0.1)
    with e2e.runtime() as runtime:
        assert runtime.reconciler.reconcile_all(FULL).status == "clean"
        kinds = {row.kind for row in runtime.store.ledger()}
        totals = runtime.store.ledger_totals()
        report = verify_systems(runtime.source, runtime.targets)
    assert kinds == {"baseline"}
    billing = {code: amount for code, amount in report.totals["stripe"].items() if amount}
    assert totals == billing
    config = e2e.box.write_config(default_mappings_dir())
    result = CliRunner().invoke(app, ["mrr", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    periods = json.loads(result.output)["periods"]
    assert {p["currency"] for p in periods} == set(billing)
    for period in periods:
        moved = [period[k] for k in ("new_business", "expansion", "contraction", "churn")]
        assert all(Decimal(amount) == 0 for amount in moved), period
        assert Decimal(period["closing"]) == billing[period["currency"]]


def test_a_hand_edited_pricelist_is_restored_in_one_run_with_billing_prices(e2e: E2E) -> None:
    """Someone switches a subscription's pricelist in Odoo (Odoo reprices its lines to list
    price): one run puts the pricelist back, then billing's line prices, verified, and every
    system agrees again."""
    e2e.seed(20, 0.0)
    with e2e.runtime() as runtime:
        assert runtime.reconciler.reconcile_all(FULL).status == "clean"
        key = next(s.id for s in billing_subscriptions(runtime) if s.mrr.amount > 0)
    odoo = e2e.odoo()
    record_id = e2e.odoo_ids(odoo, "subscription", [key])[key]
    (row,) = odoo.execute_kw("sale.subscription", "read", [[record_id], ["pricelist_id"]])
    other = odoo.execute_kw(
        "product.pricelist", "search", [[("id", "!=", row["pricelist_id"][0])]], {"limit": 1}
    )
    odoo.execute_kw("sale.subscription", "write", [[record_id], {"pricelist_id": other[0]}])
    with e2e.runtime() as runtime:
        run = runtime.reconciler.reconcile_all(FULL)
        letters = [f"{d.key} {d.system}: {d.reason}" for d in runtime.store.list_dead_letters()]
        assert run.status == "clean", letters
        report = verify_systems(runtime.source, runtime.targets)
    assert report.agrees, [d.describe() for d in report.disagreements]
    (after,) = odoo.execute_kw("sale.subscription", "read", [[record_id], ["pricelist_id"]])
    assert after["pricelist_id"][0] == row["pricelist_id"][0]
