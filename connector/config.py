"""Configuration: a TOML or YAML file, overridden by ``CONNECTOR_*`` environment variables.

Nested keys use ``__`` in variable names (``CONNECTOR_SAFETY__MAX_CANCEL_SHARE=0.2``).
Secrets come from the environment or from files: ``CONNECTOR_X_FILE=/run/secrets/x`` sets
``CONNECTOR_X`` from the file, as Docker and Kubernetes mount secrets. Every secret is
registered with the log redactor the moment it is loaded.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from adapters.odoo.settings import OdooSettings
from adapters.salesforce.settings import SalesforceSettings
from adapters.stripe.settings import StripeSettings
from connector.errors import ConfigError
from connector.mapping.defaults import default_mappings_dir
from connector.redaction import SECRETS
from connector.safety import SafetySettings

CONFIG_ENV = "CONNECTOR_CONFIG"
DEFAULT_CONFIG_NAMES = ("connector.toml", "connector.yaml", "connector.yml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemorySourceSettings(_Section):
    """Subscriptions from a JSON export of canonical subscriptions."""

    kind: Literal["memory"] = "memory"
    path: Path | None = None
    system: str = "billing"


class MemoryTargetSettings(_Section):
    """A target kept in a JSON file; for trials of mappings and for tests."""

    kind: Literal["memory"] = "memory"
    mapping: str
    path: Path | None = None


SourceSettings = Annotated[MemorySourceSettings | StripeSettings, Field(discriminator="kind")]
TargetSettings = Annotated[
    MemoryTargetSettings | SalesforceSettings | OdooSettings, Field(discriminator="kind")
]


def _split_secrets(value: Any) -> Any:
    """Accept a list, or text with one secret per line or comma (as mounted from a file)."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            import json

            return json.loads(stripped)
        return [part.strip() for part in stripped.replace(",", "\n").splitlines() if part.strip()]
    return value


class WebhookSettings(_Section):
    """The webhook receiver. Several secrets may be active while one is being rolled."""

    secrets: Annotated[list[SecretStr], NoDecode, BeforeValidator(_split_secrets)] = Field(
        default_factory=list
    )
    tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)

    @model_validator(mode="after")
    def _register(self) -> Self:
        for secret in self.secrets:
            SECRETS.register(secret.get_secret_value())
        return self

    def secret_values(self) -> list[str]:
        return [secret.get_secret_value() for secret in self.secrets]


class DaemonSettings(_Section):
    workers: int = Field(default=2, ge=1, le=64)
    batch_size: int = Field(default=50, ge=1, le=1000)
    # How often an idle worker looks for keys queued by other processes; keys from this
    # process's own webhook receiver wake it at once.
    idle_seconds: float = Field(default=0.5, gt=0, le=60)
    poll_interval_seconds: float = Field(default=30.0, gt=0)
    sweep_interval_seconds: float | None = Field(default=24 * 3600.0, gt=0)
    lease_seconds: float = Field(default=120.0, ge=5)
    max_attempts: int = Field(default=8, ge=1)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_cap_seconds: float = Field(default=900.0, gt=0)
    shutdown_grace_seconds: float = Field(default=30.0, gt=0)


class ConsoleSettings(_Section):
    """The operator's console (``connector.console``): off unless enabled, with a token.

    The token comes from the environment (``CONNECTOR_CONSOLE__TOKEN``) or a file
    (``CONNECTOR_CONSOLE__TOKEN_FILE``), like every secret.
    """

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=1, le=65535)
    token: SecretStr | None = None
    # How long a login lasts before the token is asked again.
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)

    @model_validator(mode="after")
    def _token_when_enabled(self) -> Self:
        if self.token is not None:
            SECRETS.register(self.token.get_secret_value())
        if self.enabled and (self.token is None or len(self.token.get_secret_value()) < 16):
            raise ValueError(
                "the console needs a token of at least 16 characters: set "
                "CONNECTOR_CONSOLE__TOKEN or CONNECTOR_CONSOLE__TOKEN_FILE"
            )
        return self


class SyncSettings(_Section):
    chunk_size: int = Field(default=5000, ge=1, le=100_000)
    create_cancelled: bool = True
    cancel_missing: bool = True


class Settings(BaseSettings):
    """Everything the connector needs to run."""

    model_config = SettingsConfigDict(
        env_prefix="CONNECTOR_", env_nested_delimiter="__", extra="forbid"
    )

    store_url: str = "sqlite:///state/connector.db"
    mappings_dir: Path = Field(default_factory=default_mappings_dir)
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    source: SourceSettings = Field(default_factory=MemorySourceSettings)
    targets: dict[str, TargetSettings] = Field(default_factory=dict)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    config_path: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first, then the file's values (passed as init arguments).
        return (env_settings, init_settings, file_secret_settings)

    @model_validator(mode="after")
    def _resolve_paths(self) -> Self:
        base = self.config_path.parent if self.config_path else Path.cwd()
        if not self.mappings_dir.is_absolute():
            self.mappings_dir = (base / self.mappings_dir).resolve()
        if self.store_url.startswith("sqlite:///"):
            path = Path(self.store_url.removeprefix("sqlite:///"))
            if not path.is_absolute() and str(path) != ":memory:":
                self.store_url = f"sqlite:///{(base / path).resolve()}"
        return self

    def mapping_paths(self) -> dict[str, Path]:
        return {name: self.mappings_dir / target.mapping for name, target in self.targets.items()}

    def relative(self, path: Path | None) -> Path | None:
        if path is None or path.is_absolute():
            return path
        base = self.config_path.parent if self.config_path else Path.cwd()
        return base / path


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table of settings at the top level")
    return data


def find_config(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    for name in DEFAULT_CONFIG_NAMES:
        candidate = Path.cwd() / name
        if candidate.is_file():
            return candidate
    return None


FILE_SUFFIX = "_FILE"


def secrets_from_files(environ: dict[str, str]) -> dict[str, str]:
    """``CONNECTOR_X_FILE=/run/secrets/x`` -> ``CONNECTOR_X=<file content>``, registered secret."""
    loaded: dict[str, str] = {}
    for name, file in environ.items():
        if not (name.startswith("CONNECTOR_") and name.endswith(FILE_SUFFIX)):
            continue
        target = name.removesuffix(FILE_SUFFIX)
        try:
            value = Path(file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}: cannot read {file}: {exc.strerror}") from exc
        SECRETS.register(value)
        loaded[target] = value
    return loaded


@contextmanager
def _environment(extra: dict[str, str]) -> Iterator[None]:
    """While the settings are read: the variables loaded from files are set, and the
    ``*_FILE`` variables that named those files are hidden (they are not settings)."""
    added = {name: value for name, value in extra.items() if name not in os.environ}
    hidden = {
        name: os.environ[name]
        for name in list(os.environ)
        if name.startswith("CONNECTOR_") and name.endswith(FILE_SUFFIX)
    }
    for name in hidden:
        del os.environ[name]
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
        os.environ.update(hidden)


def _register_url_password(url: str) -> None:
    with contextlib.suppress(ValueError):
        SECRETS.register(urlsplit(url).password)


def load_settings(path: Path | None = None) -> Settings:
    """Read the configuration file (if any) and the environment, or raise ConfigError."""
    from_files = secrets_from_files(dict(os.environ))
    config_path = find_config(path)
    data = _read_file(config_path) if config_path is not None else {}
    if config_path is not None:
        data["config_path"] = config_path.resolve()
    try:
        with _environment(from_files):
            settings = Settings(**data)
    except ValidationError as exc:
        where = f" in {config_path}" if config_path else ""
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise ConfigError(f"invalid configuration{where}: {problems}") from exc
    _register_url_password(settings.store_url)
    return settings
