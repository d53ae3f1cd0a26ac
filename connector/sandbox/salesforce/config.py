"""Settings of the Salesforce sandbox."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from connector.sandbox.common.faults import FaultRule


class SalesforceSandboxConfig(BaseModel):
    """Credentials the sandbox accepts, API limits, schema and persistence.

    ``password`` + ``security_token`` log in by SOAP (the token appended to the password, as
    Salesforce requires); ``consumer_key``/``consumer_secret`` identify the connected app for
    the OAuth flows. ``fault_rules`` are active from the start and ``seed`` seeds the fault
    injector's randomness. ``persist_path`` (SQLite) is read at start and written by
    ``POST /__sandbox/save`` / ``SalesforceSandbox.save()``.
    """

    model_config = ConfigDict(extra="forbid")

    username: str = "integration@subsync.sandbox"
    password: str = "sandbox-password"  # noqa: S105
    security_token: str = "SANDBOXTOKEN"  # noqa: S105
    consumer_key: str = "subsync-sandbox-consumer-key"
    consumer_secret: str = "subsync-sandbox-consumer-secret"  # noqa: S105
    jwt_public_key: str | None = Field(
        default=None, description="PEM public key; when set, JWT bearer assertions are verified"
    )
    api_version: str = "59.0"
    session_ttl_seconds: int = Field(default=7200, ge=1)
    daily_api_limit: int = Field(default=100_000, ge=0)
    query_batch_size: int = Field(default=2000, ge=200, le=2000)
    schema_path: Path | None = None
    persist_path: Path | None = None
    fault_rules: list[FaultRule] = Field(default_factory=list)
    seed: int = 0
    seed_data_path: Path | None = Field(
        default=None, description="JSON file in the /__sandbox/load format, loaded at start"
    )
    org_id: str = "00D5g0000SbxOrg"
