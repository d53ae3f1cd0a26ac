"""Fixtures of the plan tests: a command-line world, and the sandbox of tests/e2e."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import e2e, e2e_session  # noqa: F401 (fixtures used here)
from tests.plans.cli_world import make_workdir


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return make_workdir(tmp_path)
