"""Logging in the ways simple-salesforce does, and session expiry."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
)

from connector.sandbox.common import FaultKind, FaultRule, RunningServer
from connector.sandbox.salesforce import SalesforceSandbox, SalesforceSandboxConfig
from tests.sandbox.salesforce.helpers import SF, body_of, login_domain

StartSandbox = Callable[[SalesforceSandboxConfig], tuple[SalesforceSandbox, RunningServer]]


def test_soap_login_through_salesforce_com_prefix(
    sf: SF, server: RunningServer, sandbox: SalesforceSandbox
) -> None:
    """SOAP login with domain '127.0.0.1:<port>/login' yields the sandbox as instance."""
    assert sf.sf_instance == f"127.0.0.1:{server.port}"
    assert sf.session_id.startswith(sandbox.state.org_id[:15] + "!")
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_soap_login_bad_password_is_invalid_login(
    server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """A wrong password gets the INVALID_LOGIN SOAP fault simple-salesforce raises."""
    with pytest.raises(SalesforceAuthenticationFailed) as info:
        Salesforce(
            username=sandbox.config.username,
            password="wrong",
            security_token=sandbox.config.security_token,
            domain=login_domain(server),
            session=http,
        )
    assert info.value.code == "INVALID_LOGIN"


def test_oauth_password_flow(
    server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Consumer key/secret + username/password logs in through /services/oauth2/token."""
    config = sandbox.config
    sf = Salesforce(
        username=config.username,
        password=config.password + config.security_token,
        consumer_key=config.consumer_key,
        consumer_secret=config.consumer_secret,
        domain=login_domain(server),
        session=http,
    )
    assert sf.sf_instance == f"127.0.0.1:{server.port}"
    assert sf.limits()["DailyApiRequests"]["Max"] == config.daily_api_limit


def test_oauth_password_flow_rejects_bad_secret(
    server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """A wrong consumer secret fails with the OAuth error invalid_client."""
    config = sandbox.config
    with pytest.raises(SalesforceAuthenticationFailed) as info:
        Salesforce(
            username=config.username,
            password=config.password,
            consumer_key=config.consumer_key,
            consumer_secret="nope",
            domain=login_domain(server),
            session=http,
        )
    assert info.value.code == "invalid_client"


def test_oauth_client_credentials_flow(
    server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """Client credentials (Basic auth) log in on a My Domain-style domain."""
    sf = Salesforce(
        consumer_key=sandbox.config.consumer_key,
        consumer_secret=sandbox.config.consumer_secret,
        domain=login_domain(server, "subsync.my"),
        session=http,
    )
    assert sf.query("SELECT COUNT() FROM Subscription__c")["totalSize"] == 0


def test_jwt_bearer_flow(
    server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """A JWT assertion naming the consumer key and username yields a session."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    sf = Salesforce(
        username=sandbox.config.username,
        consumer_key=sandbox.config.consumer_key,
        privatekey=pem,
        domain=login_domain(server),
        session=http,
    )
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_jwt_signature_checked_when_public_key_configured(
    start_sandbox: StartSandbox, http: requests.Session
) -> None:
    """With a configured public key, an assertion signed by another key is refused."""

    def pem(key: rsa.RSAPrivateKey) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    good = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = (
        good.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    box, running = start_sandbox(SalesforceSandboxConfig(jwt_public_key=public))
    common: dict[str, Any] = {
        "username": box.config.username,
        "consumer_key": box.config.consumer_key,
        "domain": login_domain(running),
        "session": http,
    }
    assert Salesforce(privatekey=pem(good), **common).session_id
    with pytest.raises(SalesforceAuthenticationFailed):
        Salesforce(privatekey=pem(other), **common)


def test_instance_url_and_session_id(sf: SF, server: RunningServer, http: requests.Session) -> None:
    """An existing session id plus instance_url works without logging in."""
    direct: SF = Salesforce(
        instance_url=server.base_url, session_id=sf.session_id, session=http, version="59.0"
    )
    assert direct.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_unknown_session_is_invalid_session_id(
    server: RunningServer, http: requests.Session
) -> None:
    """An unknown session id answers 401 INVALID_SESSION_ID."""
    direct: SF = Salesforce(instance_url=server.base_url, session_id="00Dbogus!xyz", session=http)
    with pytest.raises(SalesforceExpiredSession) as info:
        direct.query("SELECT Id FROM Account")
    assert body_of(info.value) == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_session_expires_after_ttl(start_sandbox: StartSandbox, http: requests.Session) -> None:
    """Sessions die after session_ttl_seconds of inactivity."""
    box, running = start_sandbox(SalesforceSandboxConfig(session_ttl_seconds=1))
    token = box.state.sessions.create(box.config.username).token
    direct: SF = Salesforce(instance_url=running.base_url, session_id=token, session=http)
    assert direct.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    time.sleep(1.2)
    with pytest.raises(SalesforceExpiredSession):
        direct.query("SELECT COUNT() FROM Account")


def test_injected_expired_session_forces_relogin(sf: SF, sandbox: SalesforceSandbox) -> None:
    """EXPIRED_SESSION invalidates the session; simple-salesforce logs in again and retries."""
    old = sf.session_id
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_SESSION, count=1))
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    assert sf.session_id != old
    assert sandbox.state.sessions.check(old) is None
    assert sandbox.stats.snapshot()["POST login/soap"] == 2  # first login + re-login


def test_injected_expired_session_seen_by_direct_client(
    sf: SF, server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """A client that cannot re-login sees SalesforceExpiredSession."""
    direct: SF = Salesforce(instance_url=server.base_url, session_id=sf.session_id, session=http)
    sandbox.injector.add_rule(FaultRule(kind=FaultKind.EXPIRED_SESSION, count=1))
    with pytest.raises(SalesforceExpiredSession):
        direct.query("SELECT Id FROM Account")
    with pytest.raises(SalesforceExpiredSession):
        direct.query("SELECT Id FROM Account")


def test_oauth_password_flow_rejects_bad_password(
    server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session
) -> None:
    """A wrong password fails with invalid_grant / authentication failure."""
    config = sandbox.config
    with pytest.raises(SalesforceAuthenticationFailed) as info:
        Salesforce(
            username=config.username,
            password="wrong",
            consumer_key=config.consumer_key,
            consumer_secret=config.consumer_secret,
            domain=login_domain(server),
            session=http,
        )
    assert info.value.code == "invalid_grant"
    assert info.value.auth_message == "authentication failure"
