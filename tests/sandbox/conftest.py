"""A running local sandbox (the three emulators on free loopback ports) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.mapping.defaults import default_mappings_dir
from connector.sandbox.local import LocalSandbox


@pytest.fixture
def local_box(tmp_path: Path) -> Iterator[LocalSandbox]:
    """A started sandbox whose connector configuration is ``tmp_path/box/connector.toml``."""
    box = LocalSandbox(tmp_path / "box")
    box.start()
    box.write_config(default_mappings_dir())
    try:
        yield box
    finally:
        for server in box.servers:
            server.server.force_exit = True
        box.stop()
