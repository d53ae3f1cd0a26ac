"""Fixtures of the revert tests: the command-line world of the plan tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plans.cli_world import make_workdir


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return make_workdir(tmp_path)
