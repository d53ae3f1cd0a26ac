"""Helpers shared by the Salesforce sandbox tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

from connector.sandbox.common import RunningServer
from connector.sandbox.salesforce import SalesforceSandbox

# simple-salesforce types ``sf.<Object>`` as a union that includes its bulk handlers, so
# attribute-style calls (``sf.Account.create``) do not type-check; tests hold clients as Any.
SF = Any


def body_of(exc: SalesforceError) -> Any:
    """The parsed JSON error body simple-salesforce keeps in ``content`` (typed as bytes)."""
    content: Any = exc.content
    return content


def trusting_session(ca: Path) -> requests.Session:
    """A requests session trusting the sandbox CA (ignoring REQUESTS_CA_BUNDLE)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(ca)
    return session


def login_domain(server: RunningServer, name: str = "login") -> str:
    """The ``domain`` that makes simple-salesforce's login URLs land on the sandbox."""
    return f"127.0.0.1:{server.port}/{name}"


def seed_accounts(sandbox: SalesforceSandbox, count: int = 1) -> list[str]:
    return sandbox.state.load(
        {
            "Account": [
                {"Name": f"Customer {i}", "Stripe_Customer_Id__c": f"cus_{i}"} for i in range(count)
            ]
        }
    )["Account"]


def sub_record(index: int, **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "Stripe_Subscription_Id__c": f"sub_{index}",
        "Status__c": "Active",
        "Plan__c": "pro",
        "Quantity__c": 1,
        "MRR__c": 10.0,
        "Account__r": {"Stripe_Customer_Id__c": "cus_0"},
    }
    record.update(extra)
    return record
