"""Shared by the Salesforce adapter tests: settings for a sandbox, fast retry policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.resilience import RetryPolicy
from adapters.salesforce import SalesforceSettings, SalesforceTarget
from connector.mapping import CompiledMapping
from connector.records import WriteRequest
from connector.sandbox.common import RunningServer, SandboxCertificates
from connector.sandbox.salesforce import SalesforceSandbox
from connector.schema import Subscription

DRIFTED_SCHEMA = Path(__file__).with_name("drifted_org_schema.yaml")
# Retries without real waiting: the sandbox's faults are deterministic counts.
FAST = RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.05, retry_after_cap=0.05)

MakeTarget = Callable[..., SalesforceTarget]


def settings_for(
    sandbox: SalesforceSandbox,
    server: RunningServer,
    certs: SandboxCertificates,
    **overrides: Any,
) -> SalesforceSettings:
    config = sandbox.config
    values: dict[str, Any] = {
        "mapping": "salesforce.yaml",
        "username": config.username,
        "password": config.password,
        "security_token": config.security_token,
        "domain": f"127.0.0.1:{server.port}/login",
        "api_version": config.api_version,
        "ca_bundle": certs.ca_cert,
        "timeout_seconds": 10,
    }
    values.update(overrides)
    return SalesforceSettings.model_validate(values)


def new_target(
    settings: SalesforceSettings, mapping: CompiledMapping, **kwargs: Any
) -> SalesforceTarget:
    return SalesforceTarget(settings, mapping, policy=FAST, sleep=lambda _s: None, **kwargs)


def requests_for(
    mapping: CompiledMapping, object_name: str, subs: list[Subscription]
) -> list[WriteRequest]:
    obj = mapping.objects[object_name]
    unique: dict[str, WriteRequest] = {}
    for sub in subs:
        key, fields = obj.render(sub)
        unique[key] = WriteRequest(object_name, key, "create", fields)
    return list(unique.values())


def write_all(target: SalesforceTarget, subs: list[Subscription]) -> None:
    """Write every object of ``subs``, parents first; all must succeed."""
    for obj in target.mapping.ordered():
        results = target.write(obj.name, requests_for(target.mapping, obj.name, subs))
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
