"""The mapping against the org's describe results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.salesforce import SalesforceTarget, contract_problems
from adapters.salesforce.describe import parse_describe
from connector.mapping import CompiledMapping
from connector.mapping.spec import load_spec
from connector.sandbox.common import SandboxCertificates
from connector.sandbox.salesforce import SalesforceSandboxConfig
from tests.adapters.salesforce.conftest import StartSandbox
from tests.adapters.salesforce.helpers import DRIFTED_SCHEMA, new_target, settings_for


def test_the_test_org_fits_the_default_mapping(target: SalesforceTarget) -> None:
    assert target.describe_contract() == []


def test_default_sandbox_schema_fits_the_default_mapping(
    start_sandbox: StartSandbox,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> None:
    """The sandbox's default org carries every field and picklist value the mapping writes."""
    box, running = start_sandbox(SalesforceSandboxConfig())
    target = new_target(settings_for(box, running, sf_certs), mappings["salesforce"])
    assert target.describe_contract() == []


def test_drifted_org_schema_is_named_and_stops_reads(
    start_sandbox: StartSandbox,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> None:
    """A picklist re-labelled in the org is named with the values the mapping writes."""
    box, running = start_sandbox(SalesforceSandboxConfig(schema_path=DRIFTED_SCHEMA))
    target = new_target(settings_for(box, running, sf_certs), mappings["salesforce"])
    problems = target.describe_contract()
    (interval,) = problems
    assert interval.startswith("Subscription__c.Billing_Interval__c")
    assert "restricted picklist lacks 'Day', 'Month', 'Week', 'Year'" in interval


def field(name: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "nillable": True, "createable": True, **extra}


def describes(mapping: CompiledMapping, **changes: dict[str, Any]) -> dict[str, Any]:
    """Describes that fit the default mapping, with some fields replaced."""
    account = [
        field("Id", "id", nillable=False, createable=False),
        field("Stripe_Customer_Id__c", "string", length=255, externalId=True),
        field("Name", "string", length=255, nillable=False),
        field("Billing_Email__c", "email", length=80),
        field("BillingCountry", "string", length=80),
        field("Tax_Id__c", "string", length=50),
    ]
    sub_fields: list[dict[str, Any]] = [
        field("Stripe_Subscription_Id__c", "string", length=255, externalId=True),
        field(
            "Account__c",
            "reference",
            referenceTo=["Account"],
            relationshipName="Account__r",
        ),
    ]
    obj = mapping.objects["subscription"]
    kinds: dict[str, tuple[str, dict[str, Any]]] = {
        "string": ("string", {"length": 255}),
        "decimal": ("currency", {"scale": 3}),
        "integer": ("double", {"scale": 0}),
        "boolean": ("boolean", {"nillable": False, "defaultedOnCreate": True}),
        "date": ("date", {}),
        "datetime": ("datetime", {}),
    }
    for spec in obj.fields:
        if spec.kind == "value" and spec.fmt is not None:
            type_, extra = kinds[spec.fmt.value]
            sub_fields.append(field(spec.target, type_, **extra))
    by_name = {f["name"]: f for f in sub_fields + account}
    for name, replacement in changes.items():
        by_name[name] = replacement
    return {
        "Account": {"name": "Account", "fields": [by_name[f["name"]] for f in account]},
        "Subscription__c": {
            "name": "Subscription__c",
            "fields": [by_name[f["name"]] for f in sub_fields]
            + [v for k, v in by_name.items() if k not in {f["name"] for f in sub_fields + account}],
        },
    }


def check(mappings: dict[str, CompiledMapping], **changes: dict[str, Any]) -> list[str]:
    mapping = mappings["salesforce"]
    infos = {name: parse_describe(data) for name, data in describes(mapping, **changes).items()}
    return contract_problems(mapping, infos, load_spec(Path(mapping.path)))


def test_synthetic_org_that_fits(mappings: dict[str, CompiledMapping]) -> None:
    assert check(mappings) == []


@pytest.mark.parametrize(
    ("name", "replacement", "expected"),
    [
        (
            "Stripe_Customer_Id__c",
            field("Stripe_Customer_Id__c", "string", length=255),
            "Account.Stripe_Customer_Id__c: not an External ID field",
        ),
        (
            "MRR__c",
            field("MRR__c", "string", length=20),
            "Subscription__c.MRR__c: a string field cannot hold the mapping's decimal values",
        ),
        (
            "Tax_Rate__c",
            field("Tax_Rate__c", "percent", scale=2),
            "Subscription__c.Tax_Rate__c: Salesforce keeps 2 decimals, the mapping 3",
        ),
        (
            "Plan__c",
            field("Plan__c", "string", length=40),
            "Subscription__c.Plan__c: holds 40 characters, the mapping allows 80",
        ),
        (
            "Status__c",
            field(
                "Status__c",
                "picklist",
                restrictedPicklist=True,
                picklistValues=[{"value": v} for v in ("Active", "Trialing")],
            ),
            "Subscription__c.Status__c: restricted picklist lacks 'Cancelled'",
        ),
        (
            "Account__c",
            field("Account__c", "reference", referenceTo=["Contact"]),
            "Subscription__c.Account__c: looks up Contact, but the mapping links it to Account",
        ),
        (
            "MRR__c",
            field("MRR__c", "currency", scale=2, updateable=False),
            "Subscription__c.MRR__c: not updateable",
        ),
        (
            "Region__c",
            field("Region__c", "string", length=10, nillable=False),
            "Subscription__c.Region__c: required in Salesforce but not mapped",
        ),
    ],
)
def test_each_kind_of_problem_is_named(
    mappings: dict[str, CompiledMapping], name: str, replacement: dict[str, Any], expected: str
) -> None:
    problems = check(mappings, **{name: replacement})
    assert any(p.startswith(expected) for p in problems), problems


def test_currency_fields_need_the_decimals_of_the_org_currencies(
    mappings: dict[str, CompiledMapping],
) -> None:
    """MRR is written at each currency's precision: a 2-decimal field in an org that bills
    KWD would round it, and the check says how to fix it."""
    currencies = field(
        "CurrencyIsoCode",
        "picklist",
        length=3,
        restrictedPicklist=True,
        picklistValues=[{"value": code} for code in ("EUR", "JPY", "KWD")],
    )
    problems = check(
        mappings, MRR__c=field("MRR__c", "currency", scale=2), CurrencyIsoCode=currencies
    )
    assert (
        "Subscription__c.MRR__c: Salesforce keeps 2 decimals, KWD has more: raise the field's "
        "decimal places to 3"
    ) in problems
    assert not any(p.startswith("Subscription__c.ARR__c") for p in problems)  # it keeps 3
