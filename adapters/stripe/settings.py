"""How to reach Stripe: the ``[source]`` section of the configuration when ``kind = "stripe"``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from connector.redaction import SECRETS

#: The API version the ``stripe`` Python package 16.1.0 pins (``stripe._api_version``). Pinning
#: it in every request keeps the response shapes fixed whatever the account's default is:
#: https://docs.stripe.com/api/versioning
PINNED_API_VERSION = "2026-10-28.endive"

#: Stripe's list endpoints return at most 100 objects a call:
#: https://docs.stripe.com/api/pagination
MAX_PAGE_SIZE = 100

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class StripeSettings(BaseModel):
    """Settings of the Stripe source adapter. ``api_key`` is a secret: it is never logged."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["stripe"] = "stripe"
    api_key: SecretStr
    base_url: str = "https://api.stripe.com"
    api_version: str = PINNED_API_VERSION
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    requests_per_second: float | None = Field(default=None, gt=0)
    ca_bundle: Path | None = None
    system: str = "stripe"
    # Customers' VAT ids live in ``customer.tax_ids``, sent only when expanded
    # (``data.customer.tax_ids``, no extra call; includable since API version 2020-08-27).
    expand_customer_tax_ids: bool = True
    # Accounts that kept VAT ids in customer metadata (before tax ids existed) name the key;
    # a customer's first tax id still wins.
    tax_id_metadata_key: str | None = None
    # Map ``customer.updated`` events to the customer's subscriptions. Costs one list call per
    # changed customer (see ``events.py``); only updates touching translated fields count.
    follow_customer_updates: bool = True
    # Subscriptions retrieved side by side when a run asks for several by key (Stripe has no
    # batch retrieve). Stripe limits requests per second and concurrent requests per account
    # (https://docs.stripe.com/rate-limits), so a few at a time; ``requests_per_second`` still
    # gates them all.
    read_concurrency: int = Field(default=4, ge=1, le=16)
    # Coupons are read once and kept this long: their terms (percent_off, amount_off,
    # duration) cannot change ("other coupon details ... are, by design, not editable",
    # https://docs.stripe.com/api/coupons/update); only a renamed coupon is seen this late.
    coupon_cache_seconds: float = Field(default=300.0, ge=0)

    @field_validator("base_url")
    @classmethod
    def _safe_base_url(cls, value: str) -> str:
        # The key travels in a header: plain http only to this machine (the emulator).
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value.rstrip("/")
        if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
            return value.rstrip("/")
        raise ValueError("base_url must be https:// (plain http:// only for a loopback host)")

    @model_validator(mode="after")
    def _register_secret(self) -> Self:
        # Registered the moment it is loaded, so that even a library's exception text that
        # happens to quote it is masked in logs.
        SECRETS.register(self.api_key.get_secret_value())
        return self

    @property
    def attempts(self) -> int:
        """Tries per call: the first one and ``max_retries`` more."""
        return self.max_retries + 1
