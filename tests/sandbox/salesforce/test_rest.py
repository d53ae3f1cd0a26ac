"""Single-record REST resources driven by simple-salesforce."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_soql

from connector.sandbox.common import RunningServer
from connector.sandbox.salesforce import SalesforceSandbox, SalesforceSandboxConfig
from tests.sandbox.salesforce.helpers import SF, body_of, login_domain, seed_accounts

StartSandbox = Callable[[SalesforceSandboxConfig], tuple[SalesforceSandbox, RunningServer]]


def test_create_retrieve_update_delete(sf: SF) -> None:
    """An Account goes through create, get, update (204) and delete (204)."""
    created = sf.Account.create({"Name": "Acme", "BillingCountry": "FR"})
    assert created["success"] is True
    assert created["errors"] == []
    record_id = created["id"]
    assert record_id.startswith("001")
    assert len(record_id) == 18
    fetched = sf.Account.get(record_id)
    assert fetched["Name"] == "Acme"
    assert fetched["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{record_id}",
    }
    assert sf.Account.update(record_id, {"BillingCountry": "DE"}) == 204
    assert sf.Account.get(record_id)["BillingCountry"] == "DE"
    assert sf.Account.delete(record_id) == 204


def test_fifteen_char_id_is_accepted(sf: SF) -> None:
    """A 15-char id names the same record as its 18-char form."""
    record_id = sf.Account.create({"Name": "Acme"})["id"]
    assert sf.Account.get(record_id[:15])["Id"] == record_id


def test_custom_object_id_prefix_and_default_name(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Subscription__c ids use its key prefix and an omitted Name takes the record Id."""
    seed_accounts(sandbox)
    result = sf.Subscription__c.create({"Stripe_Subscription_Id__c": "sub_1"})
    assert result["id"].startswith("a0S")
    assert sf.Subscription__c.get(result["id"])["Name"] == result["id"]


def test_upsert_creates_then_updates(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Upsert by external id answers 201 when creating and 200 when updating (API >= 46)."""
    seed_accounts(sandbox)
    body = {"Status__c": "Active", "Account__r": {"Stripe_Customer_Id__c": "cus_0"}}
    assert sf.Subscription__c.upsert("Stripe_Subscription_Id__c/sub_1", body) == 201
    assert sf.Subscription__c.upsert("Stripe_Subscription_Id__c/sub_1", {"Plan__c": "x"}) == 200
    raw = sf.Subscription__c.upsert(
        "Stripe_Subscription_Id__c/sub_1", {"Plan__c": "y"}, raw_response=True
    )
    assert raw.json()["created"] is False
    assert len(sandbox.state.records("Subscription__c")) == 1


def test_upsert_before_api_46_answers_204(
    sf: SF, server: RunningServer, http: requests.Session
) -> None:
    """On API versions before 46.0 an upsert that updates answers 204 No Content."""
    old: SF = Salesforce(
        instance_url=server.base_url, session_id=sf.session_id, session=http, version="45.0"
    )
    assert old.Account.upsert("Stripe_Customer_Id__c/cus_9", {"Name": "A"}) == 201
    assert old.Account.upsert("Stripe_Customer_Id__c/cus_9", {"Name": "B"}) == 204


def test_upsert_resolves_parent_by_external_id(sf: SF, sandbox: SalesforceSandbox) -> None:
    """ "Account__r": {"Stripe_Customer_Id__c": ...} sets the Account__c lookup."""
    account_id = seed_accounts(sandbox)[0]
    sf.Subscription__c.upsert(
        "Stripe_Subscription_Id__c/sub_1", {"Account__r": {"Stripe_Customer_Id__c": "cus_0"}}
    )
    record = sf.Subscription__c.get_by_custom_id("Stripe_Subscription_Id__c", "sub_1")
    assert record["Account__c"] == account_id


def test_upsert_with_unknown_parent_external_id(sf: SF) -> None:
    """An unknown parent external id fails with Salesforce's foreign-key message."""
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Subscription__c.upsert(
            "Stripe_Subscription_Id__c/sub_1", {"Account__r": {"Stripe_Customer_Id__c": "nope"}}
        )
    assert body_of(info.value)[0]["errorCode"] == "INVALID_FIELD"
    assert "Foreign key external ID: nope not found" in body_of(info.value)[0]["message"]


def test_external_id_value_with_slash_round_trips(sf: SF) -> None:
    """An external id containing '/' works when URL-encoded as format_external_id does."""
    from simple_salesforce.format import format_external_id

    path = format_external_id("Stripe_Customer_Id__c", "cus/1")
    assert sf.Account.upsert(path, {"Name": "Slash"}) == 201
    assert sf.Account.get_by_custom_id("Stripe_Customer_Id__c", "cus/1")["Name"] == "Slash"


def test_get_missing_record_is_not_found(sf: SF) -> None:
    """A well-formed id that names no record answers 404 NOT_FOUND."""
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Account.get("001000000000000AAA")
    assert body_of(info.value)[0]["errorCode"] == "NOT_FOUND"


def test_id_of_other_object_is_malformed(sf: SF, sandbox: SalesforceSandbox) -> None:
    """An id with another object's key prefix answers 400 MALFORMED_ID."""
    seed_accounts(sandbox)
    sub_id = sf.Subscription__c.create({"Stripe_Subscription_Id__c": "sub_1"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Account.update(sub_id, {"Name": "x"})
    assert body_of(info.value)[0]["errorCode"] == "MALFORMED_ID"


def test_deleted_record_in_recycle_bin(sf: SF) -> None:
    """A deleted record leaves query but stays visible to queryAll with IsDeleted true."""
    record_id = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(record_id)
    assert sf.query("SELECT Id FROM Account")["totalSize"] == 0
    rows = sf.query_all("SELECT Id, IsDeleted FROM Account", include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(record_id, True)]
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Account.get(record_id)
    assert body_of(info.value)[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_deleted_external_id_can_be_reused(sf: SF) -> None:
    """After a delete the unique external id is free again (upsert creates)."""
    assert sf.Account.upsert("Stripe_Customer_Id__c/cus_1", {"Name": "A"}) == 201
    record_id = sf.Account.get_by_custom_id("Stripe_Customer_Id__c", "cus_1")["Id"]
    sf.Account.delete(record_id)
    assert sf.Account.upsert("Stripe_Customer_Id__c/cus_1", {"Name": "B"}) == 201


def test_modstamps_move_on_every_write(sf: SF) -> None:
    """LastModifiedDate and SystemModstamp advance on update; CreatedDate stays."""
    record_id = sf.Account.create({"Name": "A"})["id"]
    before = sf.Account.get(record_id)
    time.sleep(0.01)
    sf.Account.update(record_id, {"Name": "B"})
    after = sf.Account.get(record_id)
    assert after["CreatedDate"] == before["CreatedDate"]
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["LastModifiedDate"] > before["LastModifiedDate"]
    assert after["SystemModstamp"].endswith("+0000")


def test_incremental_query_by_systemmodstamp(sf: SF) -> None:
    """SystemModstamp > <last sync> returns only records written since."""
    first = sf.Account.create({"Name": "Old"})["id"]
    second = sf.Account.create({"Name": "Other"})["id"]
    mark = sf.Account.get(second)["SystemModstamp"]
    time.sleep(0.01)
    sf.Account.update(first, {"Name": "Touched"})
    fresh = sf.Account.create({"Name": "New"})["id"]
    since = dt.datetime.strptime(mark, "%Y-%m-%dT%H:%M:%S.%f%z")
    query = format_soql("SELECT Id FROM Account WHERE SystemModstamp > {}", since)
    assert {first, fresh} <= {r["Id"] for r in sf.query(query)["records"]}
    query = format_soql("SELECT Id FROM Account WHERE LastModifiedDate > {}", since)
    assert {first, fresh} <= {r["Id"] for r in sf.query(query)["records"]}
    later = format_soql(
        "SELECT Id FROM Account WHERE SystemModstamp > {}", since + dt.timedelta(hours=1)
    )
    assert sf.query(later)["totalSize"] == 0


def test_describe_subscription(sf: SF) -> None:
    """Describe reports external ids, restricted picklists and the Account__r lookup."""
    described = sf.Subscription__c.describe()
    fields = {f["name"]: f for f in described["fields"]}
    assert described["keyPrefix"] == "a0S"
    assert described["custom"] is True
    ext = fields["Stripe_Subscription_Id__c"]
    assert ext["externalId"] is True
    assert ext["unique"] is True
    assert ext["idLookup"] is True
    status = fields["Status__c"]
    assert status["restrictedPicklist"] is True
    assert [v["value"] for v in status["picklistValues"]] == [
        "Trialing", "Active", "Past Due", "Unpaid", "Paused", "Cancelled", "Incomplete",
    ]  # fmt: skip
    lookup = fields["Account__c"]
    assert lookup["referenceTo"] == ["Account"]
    assert lookup["relationshipName"] == "Account__r"
    assert fields["Plan__c"]["length"] == 80
    # Three decimals, as an admin sets them up for three-decimal currencies (KWD, BHD).
    assert (fields["MRR__c"]["type"], fields["MRR__c"]["scale"]) == ("currency", 3)
    assert fields["Id"]["createable"] is False


def test_global_describe_and_versions(sf: SF, http: requests.Session) -> None:
    """sobjects/ lists both objects and /services/data/ lists API versions."""
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Account", "Subscription__c"} <= names
    versions = http.get(f"https://{sf.sf_instance}/services/data/").json()
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions


def test_unknown_version_is_not_found(sf: SF, http: requests.Session) -> None:
    """A version the org does not serve answers 404."""
    response = http.get(
        f"https://{sf.sf_instance}/services/data/v99.0/limits",
        headers={"Authorization": f"Bearer {sf.session_id}"},
    )
    assert response.status_code == 404


def test_schema_file_adds_fields(
    start_sandbox: StartSandbox, tmp_path: Path, http: requests.Session
) -> None:
    """A user schema file (YAML) adds a field to Subscription__c."""
    extra = tmp_path / "schema.yaml"
    extra.write_text(
        "objects:\n  Subscription__c:\n    fields:\n"
        "      - {name: Sales_Rep__c, type: string, length: 10}\n"
    )
    box, running = start_sandbox(SalesforceSandboxConfig(schema_path=extra))
    client: SF = Salesforce(
        username=box.config.username,
        password=box.config.password,
        security_token=box.config.security_token,
        domain=login_domain(running),
        session=http,
    )
    names = [f["name"] for f in client.Subscription__c.describe()["fields"]]
    assert "Sales_Rep__c" in names
    with pytest.raises(SalesforceMalformedRequest) as info:
        client.Subscription__c.create({"Sales_Rep__c": "x" * 11})
    assert body_of(info.value)[0]["errorCode"] == "STRING_TOO_LONG"


def test_get_updated_and_deleted(sf: SF) -> None:
    """sf.Account.updated()/deleted() list ids changed or deleted in the window."""
    keep = sf.Account.create({"Name": "Keep"})["id"]
    gone = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(gone)
    now = dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(minutes=5), now + dt.timedelta(minutes=5)
    assert sf.Account.updated(start, end)["ids"] == [keep]
    deleted = sf.Account.deleted(start, end)["deletedRecords"]
    assert [d["id"] for d in deleted] == [gone]


def test_upsert_matching_several_records_answers_300(
    start_sandbox: StartSandbox, tmp_path: Path, http: requests.Session
) -> None:
    """A non-unique external id matching two records answers 300 with their URLs."""
    from simple_salesforce.exceptions import SalesforceMoreThanOneRecord

    extra = tmp_path / "schema.json"
    extra.write_text(
        '{"objects": {"Account": {"fields": ['
        '{"name": "Legacy_Id__c", "type": "string", "length": 20, "externalId": true}]}}}'
    )
    box, running = start_sandbox(SalesforceSandboxConfig(schema_path=extra))
    ids = box.state.load(
        {"Account": [{"Name": "A", "Legacy_Id__c": "L1"}, {"Name": "B", "Legacy_Id__c": "l1"}]}
    )["Account"]
    client: SF = Salesforce(
        instance_url=running.base_url,
        session_id=box.state.sessions.create(box.config.username).token,
        session=http,
    )
    with pytest.raises(SalesforceMoreThanOneRecord) as info:
        client.Account.upsert("Legacy_Id__c/L1", {"Name": "C"})
    assert body_of(info.value) == [f"/services/data/v59.0/sobjects/Account/{i}" for i in ids]


def test_deleting_parent_clears_lookup(sf: SF, sandbox: SalesforceSandbox) -> None:
    """Deleting an Account clears Account__c on its subscriptions (lookup relationship)."""
    account_id = seed_accounts(sandbox)[0]
    sf.Subscription__c.upsert(
        "Stripe_Subscription_Id__c/sub_1", {"Account__r": {"Stripe_Customer_Id__c": "cus_0"}}
    )
    sf.Account.delete(account_id)
    record = sf.Subscription__c.get_by_custom_id("Stripe_Subscription_Id__c", "sub_1")
    assert record["Account__c"] is None
