"""Configuration of the Odoo emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connector.sandbox.common import FaultRule


class OdooSandboxConfig(BaseModel):
    """What the emulated Odoo 17 server accepts and starts with.

    ``password`` and every entry of ``api_keys`` authenticate ``login`` (uid 2, the admin
    user). ``persist_path``: a SQLite file loaded at start if it exists and written by
    ``POST /__sandbox/save`` / :meth:`OdooSandbox.save`. ``seed`` seeds the fault injector's
    random generator; ``initial_records`` is loaded (in the ``/__sandbox/load`` format) after
    the base data.
    """

    model_config = ConfigDict(extra="forbid")

    database: str = "subsync"
    login: str = "admin"
    password: str = "admin"  # noqa: S105 - the sandbox's well-known default
    api_keys: list[str] = Field(default_factory=list)
    persist_path: Path | None = None
    fault_rules: list[FaultRule] = Field(default_factory=list)
    seed: int = 0
    initial_records: dict[str, list[dict[str, Any]]] | None = None
