"""Sandbox admin endpoints, bulk load, persistence and the id scheme."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from connector.sandbox.common import RunningServer
from connector.sandbox.salesforce import (
    LoadError,
    SalesforceSandbox,
    SalesforceSandboxConfig,
    create_salesforce_app,
)
from connector.sandbox.salesforce.ids import IdGenerator, normalize_id
from tests.sandbox.salesforce.helpers import seed_accounts, sub_record

StartSandbox = Callable[[SalesforceSandboxConfig], tuple[SalesforceSandbox, RunningServer]]


def test_load_endpoint_with_references(
    server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """POST /__sandbox/load inserts parents first and resolves external-id references."""
    payload = {
        "Subscription__c": [sub_record(1)],
        "Account": [{"Name": "Zero", "Stripe_Customer_Id__c": "cus_0"}],
    }
    response = http.post(f"{server.base_url}/__sandbox/load", json=payload)
    assert response.status_code == 201
    assert response.json()["loaded"] == {"Account": 1, "Subscription__c": 1}
    dump = http.get(f"{server.base_url}/__sandbox/records/Subscription__c").json()
    account_id = response.json()["ids"]["Account"][0]
    assert dump["records"][0]["Account__c"] == account_id
    assert sandbox.stats.snapshot() == {}
    assert sandbox.state.usage.used == 0


def test_load_refuses_invalid_record(sandbox: SalesforceSandbox) -> None:
    """A record that breaks the schema stops the load with LoadError."""
    with pytest.raises(LoadError) as info:
        sandbox.state.load({"Account": [{"Name": "ok"}, {"BillingCountry": "FR"}]})
    assert info.value.index == 1
    assert info.value.errors[0].code == "REQUIRED_FIELD_MISSING"


def test_load_keeps_given_timestamps(sandbox: SalesforceSandbox) -> None:
    """Seeded records may carry historical CreatedDate / SystemModstamp."""
    sandbox.state.load({"Account": [{"Name": "Old", "SystemModstamp": "2020-01-01T00:00:00Z"}]})
    record = sandbox.state.records("Account")[0]
    assert record["SystemModstamp"] == "2020-01-01T00:00:00.000+0000"


def test_reset_endpoint(
    server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """POST /__sandbox/reset drops every record."""
    seed_accounts(sandbox, 3)
    assert http.post(f"{server.base_url}/__sandbox/reset").status_code == 200
    assert sandbox.state.records("Account") == []


def test_persistence_survives_restart(tmp_path: Path) -> None:
    """Records saved to SQLite are there after a restart, and new ids do not collide."""
    path = tmp_path / "org.sqlite"
    first = create_salesforce_app(SalesforceSandboxConfig(persist_path=path))
    ids = seed_accounts(first, 2)
    first.state.store.delete(first.state.object("Account"), ids[1])
    assert first.save() == 2
    second = create_salesforce_app(SalesforceSandboxConfig(persist_path=path))
    records = second.state.records("Account", include_deleted=True)
    assert [r["Id"] for r in records] == ids
    assert records[1]["IsDeleted"] is True
    new_id = second.state.load({"Account": [{"Name": "New", "Stripe_Customer_Id__c": "cus_1"}]})
    assert new_id["Account"][0] not in ids


def test_id_checksum_matches_salesforce() -> None:
    """The 18-char suffix follows Salesforce's case-encoding checksum."""
    assert normalize_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert normalize_id("001a0000006vm9riac") == "001A0000006Vm9rIAC"
    assert normalize_id("not an id") is None


def test_generated_ids_are_valid_18_char_ids() -> None:
    """Generated ids carry the key prefix and a correct checksum."""
    new_id = IdGenerator().new_id("a0S")
    assert new_id.startswith("a0S")
    assert normalize_id(new_id[:15]) == new_id


def test_seeding_is_fast(sandbox: SalesforceSandbox) -> None:
    """Bulk-loading 10,000 subscriptions stays well within a few seconds."""
    import time

    seed_accounts(sandbox)
    started = time.perf_counter()
    sandbox.state.load({"Subscription__c": [sub_record(i) for i in range(10_000)]})
    assert time.perf_counter() - started < 5


def test_config_fault_rules_and_seed_data(
    start_sandbox: StartSandbox, tmp_path: Path, http: requests.Session
) -> None:
    """fault_rules from the config are active at start; seed_data_path is loaded."""
    from simple_salesforce.api import Salesforce
    from simple_salesforce.exceptions import SalesforceGeneralError

    from connector.sandbox.common import FaultKind, FaultRule

    seed = tmp_path / "seed.json"
    seed.write_text('{"Account": [{"Name": "Seeded", "Stripe_Customer_Id__c": "cus_s"}]}')
    box, running = start_sandbox(
        SalesforceSandboxConfig(
            seed_data_path=seed, fault_rules=[FaultRule(kind=FaultKind.HTTP_503, count=1)]
        )
    )
    client = Salesforce(
        instance_url=running.base_url,
        session_id=box.state.sessions.create(box.config.username).token,
        session=http,
    )
    with pytest.raises(SalesforceGeneralError):
        client.query("SELECT Name FROM Account")
    assert [r["Name"] for r in client.query("SELECT Name FROM Account")["records"]] == ["Seeded"]
