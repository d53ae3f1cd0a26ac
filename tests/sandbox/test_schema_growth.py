"""Custom fields in the emulated Salesforce: grown from a mapping or from describe results,
so a mapping to ``Sales_Region__c`` can be tried in the sandbox before production."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from connector.cli.app import app
from connector.config import load_settings
from connector.errors import ConnectorError
from connector.exit_codes import ExitCode
from connector.mapping.defaults import default_mappings_dir
from connector.reconciler import RunOptions
from connector.runtime import open_runtime
from connector.sandbox.local import LocalSandbox
from connector.sandbox.salesforce.schema import SchemaError, load_schema
from connector.sandbox.schema_growth import (
    schema_from_describe,
    schema_from_mapping,
    write_schema,
)
from connector.sandbox.seeding import seed_billing
from tests.sandbox.custom_mappings import custom_mappings

runner = CliRunner()


def _sf_records(box: LocalSandbox, sobject: str) -> list[dict[str, Any]]:
    assert box.endpoints is not None
    answer = httpx.get(
        f"{box.endpoints.salesforce_url}/__sandbox/records/{sobject}",
        verify=ssl.create_default_context(cafile=str(box.endpoints.ca_bundle)),
    )
    answer.raise_for_status()
    records: list[dict[str, Any]] = answer.json()["records"]
    return records


def test_a_full_run_writes_custom_fields_grown_from_the_mapping(tmp_path: Path) -> None:
    """With the schema grown from the mapping, a full run succeeds and fills the fields."""
    mappings = custom_mappings(tmp_path)
    schema = write_schema(tmp_path / "box", [schema_from_mapping(mappings / "salesforce.yaml")])
    box = LocalSandbox(tmp_path / "box", schema_path=schema)
    endpoints = box.start()
    try:
        settings = load_settings(box.write_config(mappings))
        seed_billing(endpoints.stripe_url, 12)
        with open_runtime(settings) as runtime:
            report = runtime.reconciler.reconcile_all(RunOptions(allow_mass_changes=True))
        assert report.status == "clean", report.summary()
        records = _sf_records(box, "Subscription__c")
        assert len(records) == 12
        assert {r["Tier__c"] for r in records} <= {"Small", "Medium", "Large"}
        assert all(r["Seats_Total__c"] >= 1 for r in records)
        assert any(r["Sales_Region__c"] for r in records)
        assert all(r["Is_Trial__c"] is False for r in records)
    finally:
        for server in box.servers:
            server.server.force_exit = True
        box.stop()


def test_without_the_grown_schema_the_same_run_stops_on_the_missing_field(
    tmp_path: Path,
) -> None:
    """The emulated org as shipped lacks the fields: the run names the first one missing."""
    mappings = custom_mappings(tmp_path)
    box = LocalSandbox(tmp_path / "box")
    endpoints = box.start()
    try:
        settings = load_settings(box.write_config(mappings))
        seed_billing(endpoints.stripe_url, 2)
        with open_runtime(settings) as runtime, pytest.raises(ConnectorError) as caught:
            runtime.reconciler.reconcile_all(RunOptions(allow_mass_changes=True))
        assert "Sales_Region__c: no such field" in str(caught.value)
    finally:
        for server in box.servers:
            server.server.force_exit = True
        box.stop()


def test_fields_the_org_has_are_not_redefined(tmp_path: Path) -> None:
    """Only what is missing is added: the shipped mapping needs nothing."""
    assert schema_from_mapping(default_mappings_dir() / "salesforce.yaml") == {}
    assert write_schema(tmp_path, [{}]) is None


def _describe_field(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """A field as a real describe result has it, with attributes the emulator ignores."""
    return {
        "aggregatable": True,
        "autoNumber": False,
        "byteLength": 60,
        "calculated": False,
        "custom": name.endswith("__c"),
        "filterable": True,
        "inlineHelpText": None,
        "label": name,
        "name": name,
        "nillable": True,
        "soapType": "xsd:string",
        "type": kind,
        "updateable": True,
        "createable": True,
        **extra,
    }


def test_a_describe_file_grows_objects_and_fields(tmp_path: Path) -> None:
    """Describe results, as ``sobjects/<name>/describe`` answers them, load as they are;
    compound fields and lookups to objects the sandbox lacks are left out."""
    describe = {
        "name": "Subscription__c",
        "label": "Subscription",
        "custom": True,
        "keyPrefix": "a0S",
        "fields": [
            _describe_field("Id", "id"),
            _describe_field("Sales_Region__c", "string", length=20),
            _describe_field(
                "Region_Code__c",
                "picklist",
                length=255,
                restrictedPicklist=True,
                picklistValues=[
                    {
                        "active": True,
                        "defaultValue": False,
                        "label": "EMEA",
                        "value": "EMEA",
                        "validFor": None,
                    }
                ],
            ),
            _describe_field("Contact__c", "reference", referenceTo=["Contact"]),
            _describe_field("Shipping__c", "address"),
        ],
    }
    path = tmp_path / "describe.json"
    path.write_text(json.dumps({"sobjects": [describe]}), encoding="utf-8")
    written = write_schema(tmp_path / "box", [schema_from_describe(path)])
    assert written is not None
    subscription = load_schema(written).get("Subscription__c")
    assert subscription is not None
    region = subscription.field("Sales_Region__c")
    assert region is not None
    assert (region.type, region.length) == ("string", 20)
    code = subscription.field("Region_Code__c")
    assert code is not None
    assert code.active_values() == frozenset({"EMEA"})
    assert subscription.field("Contact__c") is None
    assert subscription.field("Shipping__c") is None
    assert subscription.field("MRR__c") is not None  # the default fields stay


def test_a_file_that_is_no_describe_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"wrong\.json: expected an sObject describe"):
        schema_from_describe(path)


def test_up_with_a_bad_schema_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "wrong.json"
    path.write_text("[1, 2", encoding="utf-8")
    result = runner.invoke(
        app, ["sandbox", "up", "--dir", str(tmp_path / "box"), "--schema-file", str(path)]
    )
    assert result.exit_code == ExitCode.USAGE
    assert "wrong.json" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
