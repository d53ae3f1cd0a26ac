"""Configuration of the Salesforce target: how to log in, TLS trust, pacing and quota guards.

Three ways to authenticate, picked by which settings are present:

- ``username`` + ``password`` + ``security_token``: SOAP login (simple-salesforce's default);
- ``consumer_key`` + ``consumer_secret`` (+ ``username`` / ``password`` for the OAuth
  username-password flow, or alone for the client-credentials flow, which needs a My Domain
  such as ``acme.my`` in ``domain``);
- ``instance_url`` + ``session_id``: an existing session; it cannot be renewed, so its expiry
  is fatal.

Every secret is registered with the redactor as soon as the settings are built, so that it
is masked even inside a client library's exception text.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, FilePath, SecretStr, model_validator

from connector.redaction import SECRETS

AuthKind = Literal["soap", "oauth_password", "client_credentials", "session"]

# simple-salesforce builds login URLs as https://{domain}.salesforce.com/...; a domain is a
# host label sequence, optionally with a port and path prefix (what a local proxy needs).
_DOMAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*(?::\d+)?(?:/[A-Za-z0-9.\-]+)*$")
_VERSION = re.compile(r"^\d{2,3}\.0$")


class SalesforceSettings(BaseModel):
    """One Salesforce org used as a target through one mapping file."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["salesforce"] = "salesforce"
    mapping: str = Field(description="mapping file name, e.g. salesforce.yaml")
    system: str = "salesforce"

    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    instance_url: str | None = None
    session_id: SecretStr | None = None

    domain: str = Field(default="login", description="login, test, or a My Domain (acme.my)")
    api_version: str = "59.0"
    ca_bundle: FilePath | None = Field(
        default=None, description="PEM bundle of CAs to trust (e.g. a corporate proxy's)"
    )
    timeout_seconds: float = Field(default=60.0, gt=0)
    requests_per_second: float | None = Field(default=None, gt=0)
    api_usage_slowdown_share: float = Field(default=0.8, gt=0, le=1)
    api_usage_stop_share: float = Field(default=0.95, gt=0, le=1)
    slowdown_requests_per_second: float = Field(
        default=1.0, gt=0, description="pace once the slowdown share of the daily quota is used"
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not _DOMAIN.match(self.domain):
            raise ValueError(f"domain {self.domain!r} is not a Salesforce login domain")
        if not _VERSION.match(self.api_version):
            raise ValueError(f"api_version {self.api_version!r} should look like '59.0'")
        if self.api_usage_slowdown_share > self.api_usage_stop_share:
            raise ValueError("api_usage_slowdown_share must not exceed api_usage_stop_share")
        kind = self.auth_kind  # raises when no complete set of credentials is present
        if kind == "client_credentials" and self.domain in ("login", "test"):
            raise ValueError(
                "the client-credentials flow needs your My Domain in domain (e.g. 'acme.my')"
            )
        for secret in (self.password, self.security_token, self.consumer_secret, self.session_id):
            if secret is not None:
                SECRETS.register(secret.get_secret_value())
        return self

    @property
    def auth_kind(self) -> AuthKind:
        if self.instance_url and self.session_id:
            return "session"
        if self.consumer_key and self.consumer_secret:
            return "oauth_password" if self.username and self.password else "client_credentials"
        if self.username and self.password and self.security_token is not None:
            return "soap"
        raise ValueError(
            "incomplete Salesforce credentials: give username + password + security_token, "
            "consumer_key + consumer_secret (with username + password, or a My Domain), "
            "or instance_url + session_id"
        )
