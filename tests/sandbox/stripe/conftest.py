"""One emulator served by uvicorn on loopback for the whole module set; reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connector.sandbox.common import RunningServer, serve_in_thread
from connector.sandbox.stripe import StripeSandbox, StripeSandboxConfig, create_stripe_app
from tests.sandbox.stripe.helpers import (
    SECRET_KEY,
    Catalog,
    WebhookReceiver,
    make_catalog,
    stripe_client,
)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[StripeSandbox]:
    config = StripeSandboxConfig(
        secret_key=SECRET_KEY,
        webhook_retry_schedule=[0.05, 0.1, 0.2],
        webhook_max_jitter_seconds=0.01,
        webhook_timeout_seconds=2.0,
    )
    emulator = create_stripe_app(config)
    yield emulator
    emulator.close()


@pytest.fixture(scope="session")
def server(sandbox: StripeSandbox) -> Iterator[RunningServer]:
    running = serve_in_thread(sandbox.app)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[tuple[WebhookReceiver, RunningServer]]:
    receiver = WebhookReceiver()
    running = serve_in_thread(receiver)
    yield receiver, running
    running.stop()


@pytest.fixture
def receiver(
    receiver_server: tuple[WebhookReceiver, RunningServer],
) -> tuple[WebhookReceiver, str]:
    hook, running = receiver_server
    hook.reset()
    return hook, running.base_url + "/hooks"


@pytest.fixture
def client(sandbox: StripeSandbox, server: RunningServer) -> Iterator[httpx.Client]:
    sandbox.state.reset()
    sandbox.injector.clear()
    sandbox.stats.reset()
    with stripe_client(server.base_url) as http:
        yield http
    sandbox.injector.clear()


@pytest.fixture
def catalog(client: httpx.Client) -> Catalog:
    return make_catalog(client)
