"""Secrets never reach a log line, an audit entry, a dead letter or a printed error."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.config import load_settings
from connector.errors import ConfigError
from connector.logs import configure_logging, get_logger
from connector.records import WriteError, WriteRequest
from connector.redaction import SECRETS, redact, redact_text
from connector.store import AuditQuery
from tests.conftest import World

API_KEY = "sk_live_51NzQmTHISISNOTAREALKEY0000abcdef"
PASSWORD = "correct-horse-battery-staple"
TOKEN = "00D5e000000AbCd!AQ4AQFakeSessionIdForTestsOnly0123456789"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream)
    yield stream
    configure_logging("json", "WARNING")


def test_secret_values_loaded_from_config_are_masked_everywhere(
    world: World, log_stream: io.StringIO, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A target error that echoes credentials is stored and logged without them."""
    secret_file = tmp_path / "password"
    secret_file.write_text(PASSWORD + "\n")
    SECRETS.register(PASSWORD)

    def leaky(request: WriteRequest) -> WriteError | None:
        if request.key == "sub_00001":
            return WriteError(
                "INVALID_SESSION_ID",
                f"login failed for password={PASSWORD} with Authorization: Bearer {API_KEY} "
                f"and session {TOKEN}",
            )
        return None

    world.crm.rejecter = leaky
    world.reconciler.log = get_logger("test")
    world.reconciler.audit._logger = world.reconciler.log
    world.reconciler.reconcile_all()
    get_logger("test").info("login", password=PASSWORD, headers={"Authorization": API_KEY})
    stored = json.dumps(
        [letter.reason for letter in world.store.list_dead_letters()]
        + [entry.detail for entry in world.store.query_audit(AuditQuery(limit=1000))]
    )
    output = log_stream.getvalue()
    for secret in (PASSWORD, API_KEY, TOKEN):
        assert secret not in output
        assert secret not in stored
    assert "INVALID_SESSION_ID" in stored  # the reason itself is kept
    assert "[REDACTED]" in output


def test_redaction_of_keys_and_shapes() -> None:
    """Sensitive keys and credential-shaped strings are masked; other data is kept."""
    masked = redact(
        {
            "Authorization": "Basic abc",
            "nested": {"client_secret": "x", "note": f"key {API_KEY} used"},
            "plan": "pro",
        }
    )
    assert masked["Authorization"] == "[REDACTED]"
    assert masked["nested"]["client_secret"] == "[REDACTED]"
    assert API_KEY not in masked["nested"]["note"]
    assert masked["plan"] == "pro"
    assert redact_text("whsec_abcdefghijkl is the secret") == "[REDACTED] is the secret"


def test_secrets_from_env_and_files_are_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Configuration errors name the bad setting but never echo its value."""
    config = tmp_path / "connector.toml"
    config.write_text('[source]\nkind = "memory"\nbogus = "sk_test_abcdefghijklmnop"\n')
    with pytest.raises(ConfigError, match=r"source\.memory\.bogus") as caught:
        load_settings(config)
    assert "sk_test_abcdefghijklmnop" not in str(caught.value)


def test_file_secrets_fill_their_variable_and_are_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CONNECTOR_X_FILE loads X from a mounted secret file, and X is then masked in logs."""
    secret = tmp_path / "store_url"
    secret.write_text("sqlite:///" + str(tmp_path / "from-secret.db") + "\n")
    monkeypatch.setenv("CONNECTOR_STORE_URL_FILE", str(secret))
    monkeypatch.delenv("CONNECTOR_STORE_URL", raising=False)
    settings = load_settings(None)
    assert settings.store_url.endswith("from-secret.db")
    assert "CONNECTOR_STORE_URL" not in os.environ  # the secret does not leak into the process
    assert redact_text(f"using {settings.store_url}") == "using [REDACTED]"


def test_missing_secret_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret file that is not there stops start-up and names the variable."""
    monkeypatch.setenv("CONNECTOR_SOURCE__API_KEY_FILE", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="CONNECTOR_SOURCE__API_KEY_FILE: cannot read"):
        load_settings(None)


def test_nested_settings_take_secrets_from_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CONNECTOR_WEBHOOK__SECRETS_FILE fills webhook.secrets, one secret per line."""
    secrets = tmp_path / "webhook-secrets"
    secrets.write_text("whsec_current_0123456789\nwhsec_previous_0123456789\n")
    monkeypatch.setenv("CONNECTOR_WEBHOOK__SECRETS_FILE", str(secrets))
    settings = load_settings(None)
    assert settings.webhook.secret_values() == [
        "whsec_current_0123456789",
        "whsec_previous_0123456789",
    ]
    assert os.environ["CONNECTOR_WEBHOOK__SECRETS_FILE"] == str(secrets)
