"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), the
sandbox of the end-to-end tests, and where screenshots are kept."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import e2e, e2e_session  # noqa: F401 - the sandbox fixtures

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots of every page: $CONSOLE_ARTIFACTS, or tests/console/artifacts."""
    where = Path(os.environ.get("CONSOLE_ARTIFACTS") or Path(__file__).parent / "artifacts")
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium; outside CI a machine without it skips, in CI that is a failure."""
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (.ci/run installs it)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
