"""Settings of the Stripe emulator."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from connector.sandbox.common.faults import FaultRule

#: The API version pinned by the ``stripe`` Python package 16.1.0 (``stripe._api_version``).
PINNED_API_VERSION = "2026-10-28.endive"

#: Seconds between delivery attempts of one webhook. Stripe retries for up to three days in live
#: mode with an exponential back-off; the sandbox default is shorter, tests shorten it further.
DEFAULT_RETRY_SCHEDULE: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0, 600.0, 3600.0)


class StripeSandboxConfig(BaseModel):
    """How to run the Stripe emulator."""

    model_config = ConfigDict(extra="forbid")

    secret_key: str = "sk_test_sandbox"  # noqa: S105 - a sandbox key
    api_version: str = PINNED_API_VERSION
    persist_path: Path | None = None
    webhook_retry_schedule: list[float] = Field(
        default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE)
    )
    webhook_max_jitter_seconds: float = Field(default=0.05, ge=0.0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0.0)
    fault_rules: list[FaultRule] = Field(default_factory=list)
    seed: int = 0
    idempotency_ttl_seconds: int = 24 * 3600
    start_time: int | None = None
    """Sandbox clock start (unix seconds); ``None`` follows the wall clock."""
