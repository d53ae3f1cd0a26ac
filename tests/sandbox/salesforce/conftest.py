"""Fixtures: one TLS sandbox on loopback per test session, reset before each test, and
unmodified simple-salesforce clients logged in to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
from simple_salesforce.api import Salesforce

from connector.sandbox.common import (
    RunningServer,
    SandboxCertificates,
    make_certificates,
    serve_in_thread,
)
from connector.sandbox.salesforce import (
    SalesforceSandbox,
    SalesforceSandboxConfig,
    create_salesforce_app,
)
from tests.sandbox.salesforce.helpers import login_domain, trusting_session

API_VERSION = "59.0"


def stop(running: RunningServer) -> None:
    """Stop without waiting for idle keep-alive connections of the test clients."""
    running.server.force_exit = True
    running.stop()


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> SandboxCertificates:
    return make_certificates(tmp_path_factory.mktemp("sf-certs"))


@pytest.fixture(scope="session")
def sandbox() -> SalesforceSandbox:
    return create_salesforce_app(SalesforceSandboxConfig(daily_api_limit=1_000_000))


@pytest.fixture(scope="session")
def server(sandbox: SalesforceSandbox, certs: SandboxCertificates) -> Iterator[RunningServer]:
    running = serve_in_thread(sandbox.app, tls=certs)
    yield running
    stop(running)


@pytest.fixture(autouse=True)
def _clean(sandbox: SalesforceSandbox) -> None:
    sandbox.state.reset()
    sandbox.injector.clear()
    sandbox.stats.reset()


@pytest.fixture
def http(certs: SandboxCertificates) -> Iterator[requests.Session]:
    session = trusting_session(certs.ca_cert)
    yield session
    session.close()


@pytest.fixture
def sf(server: RunningServer, sandbox: SalesforceSandbox, http: requests.Session) -> Salesforce:
    config = sandbox.config
    return Salesforce(
        username=config.username,
        password=config.password,
        security_token=config.security_token,
        domain=login_domain(server),
        session=http,
        version=API_VERSION,
    )


@pytest.fixture
def start_sandbox(
    certs: SandboxCertificates,
) -> Iterator[Callable[[SalesforceSandboxConfig], tuple[SalesforceSandbox, RunningServer]]]:
    """Start extra sandboxes with their own config; stopped after the test."""
    started: list[RunningServer] = []

    def start(config: SalesforceSandboxConfig) -> tuple[SalesforceSandbox, RunningServer]:
        box = create_salesforce_app(config)
        running = serve_in_thread(box.app, tls=certs)
        started.append(running)
        return box, running

    yield start
    for running in started:
        stop(running)
