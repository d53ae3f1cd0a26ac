"""Settings: defaults, the secret key, and where the key may be sent."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.base import Source
from adapters.stripe import PINNED_API_VERSION, StripeSettings, build_stripe_source
from connector.redaction import redact_text


def test_defaults() -> None:
    settings = StripeSettings(api_key="sk_test_defaults_0123456789")
    assert settings.kind == "stripe"
    assert settings.base_url == "https://api.stripe.com"
    assert settings.api_version == PINNED_API_VERSION == "2026-10-28.endive"
    assert settings.page_size == 100
    assert settings.system == "stripe"
    assert settings.requests_per_second is None
    assert settings.ca_bundle is None
    assert settings.attempts == settings.max_retries + 1


def test_the_key_is_required_hidden_and_registered() -> None:
    with pytest.raises(ValidationError):
        StripeSettings()  # type: ignore[call-arg]
    settings = StripeSettings(api_key="a-key-without-any-known-shape")
    assert "a-key-without" not in repr(settings)
    assert "a-key-without" not in settings.model_dump_json()
    assert redact_text("x a-key-without-any-known-shape y") == "x [REDACTED] y"


@pytest.mark.parametrize(
    "url", ["http://api.stripe.com", "ftp://127.0.0.1", "api.stripe.com", "http://10.0.0.8:12111"]
)
def test_the_key_never_travels_in_clear_off_this_machine(url: str) -> None:
    with pytest.raises(ValidationError, match="base_url must be https"):
        StripeSettings(api_key="sk_test_x", base_url=url)


@pytest.mark.parametrize(
    "url", ["https://api.stripe.com/", "http://127.0.0.1:12111", "http://localhost:8000"]
)
def test_accepted_base_urls(url: str) -> None:
    assert StripeSettings(api_key="sk_test_x", base_url=url).base_url == url.rstrip("/")


def test_page_size_is_capped_at_stripes_limit() -> None:
    with pytest.raises(ValidationError):
        StripeSettings(api_key="sk_test_x", page_size=101)


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError):
        StripeSettings(api_key="sk_test_x", api_secret="typo")  # type: ignore[call-arg]


def test_factory_builds_a_source() -> None:
    with build_stripe_source(StripeSettings(api_key="sk_test_x", system="billing")) as source:
        assert source.system == "billing"
        assert source.calls.total() == 0
        assert isinstance(source, Source)
