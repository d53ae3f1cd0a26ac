"""Building the target from settings, and the ways of logging in."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.base import Target
from adapters.salesforce import SalesforceSettings, build_salesforce_target
from connector.errors import ConfigError
from connector.mapping import CompiledMapping
from connector.sandbox.salesforce import SalesforceSandbox
from tests.adapters.salesforce.helpers import MakeTarget, write_all
from tests.factories import subscription


def nowhere(**values: object) -> SalesforceSettings:
    return SalesforceSettings.model_validate(
        {
            "mapping": "salesforce.yaml",
            "username": "u",
            "password": "p",
            "security_token": "t",
            "domain": "127.0.0.1:9/login",
            **values,
        }
    )


def test_build_is_lazy_and_honours_the_protocol(mappings: dict[str, CompiledMapping]) -> None:
    target = build_salesforce_target(nowhere(), mappings["salesforce"])  # no connection yet
    assert isinstance(target, Target)
    assert target.system == "salesforce"
    assert target.write_batch_size("subscription") == 200
    assert 200 <= target.read_batch_size("subscription") <= 2000
    assert target.read("subscription", []) == {}
    assert target.calls.total() == 0


def test_mapping_of_another_system_is_refused(mappings: dict[str, CompiledMapping]) -> None:
    with pytest.raises(ConfigError, match="odoo"):
        build_salesforce_target(nowhere(), mappings["odoo"])


def test_lines_and_lookups_are_refused(mappings: dict[str, CompiledMapping]) -> None:
    with pytest.raises(ConfigError, match="not supported for Salesforce"):
        build_salesforce_target(nowhere(system="odoo"), mappings["odoo"])


def test_oauth_password_flow(make_target: MakeTarget, sandbox: SalesforceSandbox) -> None:
    config = sandbox.config
    target = make_target(consumer_key=config.consumer_key, consumer_secret=config.consumer_secret)
    assert target.settings.auth_kind == "oauth_password"
    write_all(target, [subscription(1)])
    assert set(target.read("subscription", ["sub_00001"])) == {"sub_00001"}
    assert sandbox.stats.snapshot()["POST oauth2/token"] == 1


def test_client_credentials_flow_on_a_my_domain(
    make_target: MakeTarget, sandbox: SalesforceSandbox
) -> None:
    config = sandbox.config
    port = sandbox_port(make_target)
    target = make_target(
        username=None,
        password=None,
        security_token=None,
        consumer_key=config.consumer_key,
        consumer_secret=config.consumer_secret,
        domain=f"127.0.0.1:{port}/acme.my",
    )
    assert target.settings.auth_kind == "client_credentials"
    assert target.read("account", ["cus_1"]) == {}


def sandbox_port(make_target: MakeTarget) -> str:
    domain = make_target().settings.domain
    return domain.split(":", 1)[1].split("/", 1)[0]


def test_ca_bundle_wins_over_the_environment(
    make_target: MakeTarget, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """REQUESTS_CA_BUNDLE pointing elsewhere must not undo the configured bundle."""
    other = tmp_path / "other-ca.pem"
    other.write_text("not a certificate\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other))
    assert make_target().read("account", ["cus_1"]) == {}


def test_missing_ca_bundle_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        nowhere(ca_bundle=tmp_path / "absent.pem")
