"""Configuration of the Odoo target: where the server is, who we are, and our namespace."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from connector.redaction import SECRETS

DEFAULT_READ_BATCH = 1000
DEFAULT_WRITE_BATCH = 100


class OdooSettings(BaseModel):
    """One Odoo 17 database reached over JSON-RPC (``odoorpc``).

    ``password`` is the user's password or, better, an API key (Odoo accepts either for
    RPC). ``namespace`` is the ``ir.model.data`` module of the external ids that mark the
    records the connector owns: keep it stable, or re-runs stop finding their records.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["odoo"] = "odoo"
    mapping: str
    host: str = "localhost"
    port: int = Field(default=8069, ge=1, le=65535)
    protocol: Literal["jsonrpc", "jsonrpc+ssl"] = "jsonrpc"
    database: str
    login: str
    password: SecretStr
    namespace: str = Field(default="subsync", pattern=r"^[A-Za-z0-9_]+$")
    timeout_seconds: float = Field(default=120.0, gt=0)
    requests_per_second: float | None = Field(default=None, gt=0)
    read_batch: int = Field(default=DEFAULT_READ_BATCH, ge=1, le=2000)
    write_batch: int = Field(default=DEFAULT_WRITE_BATCH, ge=1, le=1000)
    # How long look-ups of reference data (countries, products, stages...) stay cached.
    lookup_cache_seconds: float | None = Field(default=300.0, ge=0)
    # Billing invoices; a run stops while subscription_oca's own invoicing cron is active
    # (double invoicing) unless the operator really invoices from Odoo.
    allow_odoo_invoicing: bool = False
    system: str = "odoo"

    @field_validator("password")
    @classmethod
    def _register_secret(cls, value: SecretStr) -> SecretStr:
        # Registered the moment it is loaded, so that no log line or error text shows it.
        SECRETS.register(value.get_secret_value())
        return value
