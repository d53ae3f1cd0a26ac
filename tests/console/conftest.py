"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), the
sandbox of the end-to-end tests, and where screenshots are kept."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import E2E, e2e, running_e2e  # noqa: F401 - the sandbox fixture

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


@pytest.fixture(scope="module")
def e2e_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    """The end-to-end sandbox, for one module here: stopped once its tests are done instead of
    running beside the end-to-end tests' own until the whole run ends."""
    with running_e2e(tmp_path_factory.mktemp("console-sandbox")) as running:
        yield running


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots of every page: $CONSOLE_ARTIFACTS, or tests/console/artifacts."""
    where = Path(os.environ.get("CONSOLE_ARTIFACTS") or Path(__file__).parent / "artifacts")
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium; outside CI a machine without it skips, in CI that is a failure.

    Module-scoped: Playwright's synchronous API keeps an event loop in the main thread while
    it runs, which later tests calling ``asyncio.run`` must not find."""
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
