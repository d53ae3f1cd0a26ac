"""Keep the process-wide secret registry as it was: these tests load configurations whose
sandbox credentials would otherwise be masked in every later test's logs."""

from __future__ import annotations

import pytest

from connector.redaction import SECRETS


@pytest.fixture(autouse=True)
def _restore_secret_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SECRETS, "_values", SECRETS.values())
