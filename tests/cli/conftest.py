"""A local sandbox (Stripe, Salesforce, Odoo emulators) for the command-line tests that need
real systems: started once per session, on free loopback ports. Each test gets its own
configuration file and state store (``sandbox_config``)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.mapping.defaults import default_mappings_dir
from connector.sandbox.local import STRIPE_KEY, LocalSandbox
from connector.sandbox.odoo_reference import stock_odoo


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSandbox]:
    box = LocalSandbox(tmp_path_factory.mktemp("cli-sandbox"))
    box.start()
    try:
        yield box
    finally:
        for server in box.servers:
            server.server.force_exit = True
        box.stop()


def write_config(box: LocalSandbox, directory: Path, mappings_dir: Path | None = None) -> Path:
    """A configuration for the sandbox with its state store (and mappings) in ``directory``."""
    written = box.write_config(
        mappings_dir or default_mappings_dir(), store_url=f"sqlite:///{directory / 'state.db'}"
    )
    config = directory / "connector.toml"
    config.write_text(written.read_text(encoding="utf-8"), encoding="utf-8")
    return config


@pytest.fixture
def sandbox_config(sandbox: LocalSandbox, tmp_path: Path) -> Path:
    """The configuration file of the running sandbox, with a store of this test's own."""
    return write_config(sandbox, tmp_path)


def stripe_client(box: LocalSandbox) -> httpx.Client:
    """Stripe's API, as a billing operator uses it."""
    assert box.endpoints is not None
    return httpx.Client(
        base_url=box.endpoints.stripe_url,
        headers={"Authorization": f"Bearer {STRIPE_KEY}"},
        timeout=60,
    )


def salesforce_records(box: LocalSandbox, sobject: str) -> list[dict[str, Any]]:
    """Every record of one sObject, as the emulated org holds it."""
    assert box.endpoints is not None
    trust = ssl.create_default_context(cafile=str(box.endpoints.ca_bundle))
    with httpx.Client(base_url=box.endpoints.salesforce_url, verify=trust, timeout=60) as sf:
        response = sf.get(f"/__sandbox/records/{sobject}")
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["records"]
    return records


def reset_sandbox(box: LocalSandbox) -> None:
    """Every emulator empty again (Odoo back to its reference data): what other tests of the
    session left in billing must not count in a test that counts."""
    assert box.endpoints is not None
    trust = ssl.create_default_context(cafile=str(box.endpoints.ca_bundle))
    admins = (
        httpx.Client(base_url=box.endpoints.stripe_url, timeout=60),
        httpx.Client(base_url=box.endpoints.salesforce_url, verify=trust, timeout=60),
        httpx.Client(base_url=f"http://127.0.0.1:{box.endpoints.odoo_port}", timeout=60),
    )
    for admin in admins:
        with admin:
            admin.delete("/__sandbox/faults").raise_for_status()
            admin.post("/__sandbox/reset").raise_for_status()
    stock_odoo(box.odoo_client())
