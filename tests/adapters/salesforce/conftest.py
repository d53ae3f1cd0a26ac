"""Fixtures: a TLS Salesforce sandbox on loopback, and targets logged in to it.

The sandbox is served once per session (its default schema fits the default mapping) and
reset before each test. Targets trust the sandbox's throwaway CA through the ordinary
``ca_bundle`` setting and log in through ``domain``, which simple-salesforce turns into
``https://127.0.0.1:<port>/login.salesforce.com/...``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.salesforce import SalesforceTarget
from connector.mapping import CompiledMapping
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
from tests.adapters.salesforce.helpers import MakeTarget, new_target, settings_for

StartSandbox = Callable[[SalesforceSandboxConfig], tuple[SalesforceSandbox, RunningServer]]


def _stop(running: RunningServer) -> None:
    running.server.force_exit = True  # do not wait for the clients' idle keep-alives
    running.stop()


@pytest.fixture(scope="session")
def sf_certs(tmp_path_factory: pytest.TempPathFactory) -> SandboxCertificates:
    return make_certificates(tmp_path_factory.mktemp("sf-adapter-certs"))


@pytest.fixture(scope="session")
def sf_sandbox() -> SalesforceSandbox:
    return create_salesforce_app(SalesforceSandboxConfig(daily_api_limit=1_000_000))


@pytest.fixture(scope="session")
def sf_server(
    sf_sandbox: SalesforceSandbox, sf_certs: SandboxCertificates
) -> Iterator[RunningServer]:
    running = serve_in_thread(sf_sandbox.app, tls=sf_certs)
    yield running
    _stop(running)


@pytest.fixture
def sandbox(sf_sandbox: SalesforceSandbox, sf_server: RunningServer) -> SalesforceSandbox:
    sf_sandbox.state.reset()
    sf_sandbox.injector.clear()
    sf_sandbox.stats.reset()
    return sf_sandbox


@pytest.fixture
def make_target(
    sandbox: SalesforceSandbox,
    sf_server: RunningServer,
    sf_certs: SandboxCertificates,
    mappings: dict[str, CompiledMapping],
) -> Iterator[MakeTarget]:
    made: list[SalesforceTarget] = []

    def make(mapping: CompiledMapping | None = None, **overrides: Any) -> SalesforceTarget:
        settings = settings_for(sandbox, sf_server, sf_certs, **overrides)
        made.append(new_target(settings, mapping or mappings["salesforce"]))
        return made[-1]

    yield make
    for target in made:
        target.session.http.close()


@pytest.fixture
def target(make_target: MakeTarget) -> SalesforceTarget:
    return make_target()


@pytest.fixture
def start_sandbox(sf_certs: SandboxCertificates) -> Iterator[StartSandbox]:
    """Extra sandboxes with their own configuration, stopped after the test."""
    started: list[RunningServer] = []

    def start(config: SalesforceSandboxConfig) -> tuple[SalesforceSandbox, RunningServer]:
        box = create_salesforce_app(config)
        running = serve_in_thread(box.app, tls=sf_certs)
        started.append(running)
        return box, running

    yield start
    for running in started:
        _stop(running)
