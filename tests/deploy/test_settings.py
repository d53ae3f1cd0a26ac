"""The configuration the deployment files hand the connector: variable names, the shipped
configuration files, and the secrets as files, loaded through connector.config."""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector.config import Settings, load_settings
from tests.deploy.manifests import (
    DEPLOY,
    REPO,
    SYSTEMD,
    compose,
    configmap_toml,
    dockerfile_instructions,
    env_of,
    k8s_object,
    pod_spec,
    settings_path_exists,
    unit,
    unit_environment,
    workloads,
)

COMPOSE_TOML = DEPLOY / "compose" / "connector.toml"
SYSTEMD_TOML = SYSTEMD / "connector.toml.example"
VAR = re.compile(r"\bCONNECTOR_[A-Z0-9_]+")


def _variables() -> dict[str, str]:
    """Every CONNECTOR_* variable name set in deploy/, with where it is set."""
    found: dict[str, str] = {}
    for ins in dockerfile_instructions():
        if ins["instruction"] == "ENV":
            for item in shlex.split(ins["value"]):
                found.setdefault(item.partition("=")[0], "Dockerfile")
    for name, service in compose()["services"].items():
        for key in service.get("environment", {}):
            found.setdefault(key, f"compose {name}")
    for workload in workloads():
        for container in pod_spec(workload)["containers"]:
            for env in container.get("env", []):
                found.setdefault(env["name"], workload["metadata"]["name"])
    for path in SYSTEMD.glob("*.service"):
        for key in unit_environment(unit(path.name)):
            found.setdefault(key, path.name)
    for match in VAR.finditer((SYSTEMD / "connector.env.example").read_text(encoding="utf-8")):
        found.setdefault(match.group(), "connector.env.example")
    return {k: v for k, v in found.items() if k.startswith("CONNECTOR_")}


def test_every_variable_names_a_setting() -> None:
    """Each CONNECTOR_* variable (less _FILE) is a real setting path, or CONNECTOR_CONFIG."""
    variables = _variables()
    assert len(variables) > 5
    wrong = []
    for name, where in variables.items():
        if name == "CONNECTOR_CONFIG":
            continue
        key = name.removeprefix("CONNECTOR_").removesuffix("_FILE").lower()
        if not settings_path_exists(Settings, key.split("__")):
            wrong.append(f"{name} ({where})")
    assert not wrong, f"no such setting: {wrong}"


def test_variable_check_rejects_a_misspelt_name() -> None:
    """The setting-path check is not vacuous."""
    assert settings_path_exists(Settings, ["daemon", "shutdown_grace_seconds"])
    assert not settings_path_exists(Settings, ["daemon", "shutdown_grace"])
    assert not settings_path_exists(Settings, ["webhooks", "port"])


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No CONNECTOR_* variable from outside; the ones load_settings adds are removed after."""
    for name in list(os.environ):
        if name.startswith("CONNECTOR_"):
            monkeypatch.delenv(name)
    before = set(os.environ)
    yield monkeypatch
    for name in set(os.environ) - before:
        if name.startswith("CONNECTOR_"):
            del os.environ[name]


def _load(config: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(config)


def _secret_files(env: dict[str, str], tmp_path: Path, values: dict[str, str]) -> dict[str, str]:
    """Point every *_FILE variable at a file under tmp_path holding a test value."""
    moved = dict(env)
    for name, path in env.items():
        if name.endswith("_FILE"):
            key = Path(path).name
            target = tmp_path / "secrets" / key
            target.parent.mkdir(exist_ok=True)
            target.write_text(values.get(key, f"deploy-test-{key}") + "\n", encoding="utf-8")
            moved[name] = str(target)
    return moved


def test_kubernetes_configuration_loads_with_its_secret_files(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The ConfigMap's connector.toml plus the Deployment's env and Secret files load."""
    config = tmp_path / "connector.toml"
    config.write_text(k8s_object("ConfigMap")["data"]["connector.toml"], encoding="utf-8")
    (container,) = pod_spec(k8s_object("Deployment"))["containers"]
    env = _secret_files(
        env_of(container),
        tmp_path,
        {"store-url": f"sqlite:///{tmp_path / 'store.db'}"},
    )
    env.pop("CONNECTOR_CONFIG")
    settings = _load(config, env, clean_env)
    assert settings.store_url == f"sqlite:///{tmp_path / 'store.db'}"
    assert [s.get_secret_value() for s in settings.webhook.secrets] == [
        "deploy-test-webhook-secrets"
    ]
    assert settings.webhook.host == "0.0.0.0"  # noqa: S104 - in a pod, by design
    assert settings.webhook.port == 8080
    assert settings.daemon.shutdown_grace_seconds == 30
    assert set(settings.targets) == {"salesforce", "odoo"}


def test_compose_configuration_loads_with_its_secrets(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """compose/connector.toml with the compose secrets loads (the sandbox CA stubbed)."""
    text = COMPOSE_TOML.read_text(encoding="utf-8")
    ca = tomllib.loads(text)["targets"]["salesforce"]["ca_bundle"]
    (tmp_path / "ca.pem").write_text("stub\n", encoding="utf-8")
    config = tmp_path / "connector.toml"
    config.write_text(text.replace(ca, str(tmp_path / "ca.pem")), encoding="utf-8")
    spec = compose()
    env = dict(spec["services"]["connector"]["environment"])
    env.pop("CONNECTOR_CONFIG")
    for name, path in list(env.items()):
        if name.endswith("_FILE"):
            env[name] = str(DEPLOY / spec["secrets"][Path(path).name]["file"])
    settings = _load(config, env, clean_env)
    assert urlsplit(settings.store_url).hostname == "postgres"
    assert set(settings.targets) == {"salesforce", "odoo"}


def test_compose_configuration_points_at_the_sandbox_ports() -> None:
    """Stripe, Salesforce and Odoo are --port-base, +1 and +2 on loopback."""
    command = compose()["services"]["sandbox"]["command"]
    base = int(command[command.index("--port-base") + 1])
    config = tomllib.loads(COMPOSE_TOML.read_text(encoding="utf-8"))
    assert urlsplit(config["source"]["base_url"]).port == base
    assert config["targets"]["salesforce"]["domain"].startswith(f"127.0.0.1:{base + 1}/")
    assert config["targets"]["odoo"]["port"] == base + 2
    assert config["targets"]["odoo"]["host"] == "127.0.0.1"


def test_systemd_example_configuration_loads(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """connector.toml.example loads with the units' credentials; its SQLite path is absolute."""
    text = SYSTEMD_TOML.read_text(encoding="utf-8")
    store = tomllib.loads(text)["store_url"]
    assert store == "sqlite:////var/lib/subsync/connector.db"
    config = tmp_path / "connector.toml"
    config.write_text(
        text.replace(store, f"sqlite:///{tmp_path / 'connector.db'}"), encoding="utf-8"
    )
    env = unit_environment(unit("subsync-connector.service"))
    env.pop("CONNECTOR_CONFIG")
    env = {k: v.replace("%d", str(tmp_path / "credentials")) for k, v in env.items()}
    env = _secret_files(env, tmp_path, {})
    settings = _load(config, env, clean_env)
    assert settings.webhook.host == "127.0.0.1"
    assert set(settings.targets) == {"salesforce", "odoo"}


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(lambda: configmap_toml(), id="kubernetes"),
        pytest.param(lambda: tomllib.loads(COMPOSE_TOML.read_text("utf-8")), id="compose"),
        pytest.param(lambda: tomllib.loads(SYSTEMD_TOML.read_text("utf-8")), id="systemd"),
    ],
)
def test_target_mappings_ship_with_the_package(config: Any) -> None:
    """Each target's mapping file is one of the mappings in the wheel (mappings/)."""
    targets = config()["targets"]
    assert targets
    for name, target in targets.items():
        assert (REPO / "mappings" / target["mapping"]).is_file(), name


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(lambda: configmap_toml(), id="kubernetes"),
        pytest.param(lambda: tomllib.loads(SYSTEMD_TOML.read_text("utf-8")), id="systemd"),
    ],
)
def test_configuration_files_hold_no_secret(config: Any) -> None:
    """No password, key, token or webhook secret sits in a configuration file."""
    data = config()
    secret_keys = {"password", "api_key", "security_token", "consumer_secret", "session_id"}
    assert "secrets" not in data.get("webhook", {})
    assert "password" not in data.get("store_url", "")
    for section in [data.get("source", {}), *data.get("targets", {}).values()]:
        assert not secret_keys & set(section), section
