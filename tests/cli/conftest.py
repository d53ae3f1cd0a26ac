"""A local sandbox (Stripe, Salesforce, Odoo emulators) for the command-line tests that need
real systems: started once per session, on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.mapping.defaults import default_mappings_dir
from connector.sandbox.local import LocalSandbox


@pytest.fixture(scope="session")
def sandbox_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The configuration file of a running sandbox (its store in the sandbox's directory)."""
    box = LocalSandbox(tmp_path_factory.mktemp("cli-sandbox"))
    box.start()
    try:
        yield box.write_config(default_mappings_dir())
    finally:
        for server in box.servers:
            server.server.force_exit = True
        box.stop()
