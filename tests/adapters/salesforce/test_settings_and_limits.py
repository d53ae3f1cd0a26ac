"""Settings validation, and the guard over the org's daily API allocation."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from adapters.resilience import RateGate
from adapters.salesforce import SalesforceSettings
from adapters.salesforce.limits import ApiUsage, UsageGuard, parse_limit_info
from connector.errors import FatalAdapterError
from connector.redaction import redact_text


def settings(**values: Any) -> SalesforceSettings:
    return SalesforceSettings.model_validate({"mapping": "salesforce.yaml", **values})


def test_auth_kind_follows_the_credentials_given() -> None:
    soap = settings(username="u", password="p-secret", security_token="tok-secret")
    assert soap.auth_kind == "soap"
    oauth = settings(username="u", password="pw-1", consumer_key="ck", consumer_secret="cs-1")
    assert oauth.auth_kind == "oauth_password"
    client = settings(consumer_key="ck", consumer_secret="cs-2", domain="acme.my")
    assert client.auth_kind == "client_credentials"
    direct = settings(instance_url="https://acme.my.salesforce.com", session_id="00Dx!abcd")
    assert direct.auth_kind == "session"


@pytest.mark.parametrize(
    "values",
    [
        {"username": "u"},
        {"consumer_key": "ck", "consumer_secret": "cs-3"},  # client credentials need My Domain
        {"username": "u", "password": "p", "security_token": "t", "domain": "evil.com/x?y"},
        {"username": "u", "password": "p", "security_token": "t", "api_version": "v59"},
        {
            "username": "u",
            "password": "p",
            "security_token": "t",
            "api_usage_slowdown_share": 0.99,
            "api_usage_stop_share": 0.9,
        },
    ],
)
def test_incomplete_or_odd_settings_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        settings(**values)


def test_secrets_are_registered_for_redaction() -> None:
    settings(username="u", password="hunter2-password", security_token="TOKEN-xyz-123")
    assert "hunter2-password" not in redact_text("login with hunter2-password")
    assert "TOKEN-xyz-123" not in redact_text("token TOKEN-xyz-123")


def test_limit_info_header() -> None:
    assert parse_limit_info("api-usage=18/5000") == ApiUsage(18, 5000)
    both = "api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)"
    assert parse_limit_info(both) == ApiUsage(25, 5000)
    assert parse_limit_info("per-app-api-usage=17/250(appName=x)") is None
    assert parse_limit_info(None) is None


def guard(gate: RateGate) -> UsageGuard:
    return UsageGuard("salesforce", gate, slowdown_share=0.8, stop_share=0.95, slow_rate=2.0)


def test_slowdown_above_the_share_and_back_when_usage_drops() -> None:
    gate = RateGate(10.0)
    watch = guard(gate)
    watch.observe(ApiUsage(500, 1000))
    assert gate.rate == 10.0
    watch.observe(ApiUsage(810, 1000))
    assert gate.rate == 2.0
    assert watch.slowed
    watch.check()  # slowed, not stopped
    watch.observe(ApiUsage(3, 1000))  # a new day
    assert gate.rate == 10.0
    assert not watch.slowed


def test_unlimited_gate_gets_the_slow_rate() -> None:
    gate = RateGate(None)
    guard(gate).observe(ApiUsage(900, 1000))
    assert gate.rate == 2.0


def test_stop_share_refuses_further_calls_naming_the_quota() -> None:
    watch = guard(RateGate())
    watch.observe(ApiUsage(951, 1000))
    with pytest.raises(FatalAdapterError) as info:
        watch.check()
    assert info.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert "951 of 1000" in info.value.message


def test_a_stopped_guard_looks_again_after_a_while() -> None:
    now = [0.0]
    watch = UsageGuard(
        "salesforce",
        RateGate(),
        slowdown_share=0.8,
        stop_share=0.95,
        slow_rate=1.0,
        recheck_after=3600,
        clock=lambda: now[0],
    )
    watch.quota_exhausted("TotalRequests Limit exceeded.")
    now[0] = 3599
    with pytest.raises(FatalAdapterError):
        watch.check()
    now[0] = 3600
    watch.check()  # one call may go and report the usage anew
    watch.observe(ApiUsage(990, 1000))
    with pytest.raises(FatalAdapterError):
        watch.check()
