"""deploy/compose.yaml: the Compose Specification schema, then how its services fit together."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.deploy.manifests import DEPLOY, compose, require, systemd_seconds

COMPOSE_TOML = DEPLOY / "compose" / "connector.toml"

GRACE_SECONDS = 30.0


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return compose()


@pytest.fixture(scope="module")
def services(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = spec["services"]
    return result


def _secret_text(spec: dict[str, Any], name: str) -> str:
    path = DEPLOY / str(spec["secrets"][name]["file"])
    return path.read_text(encoding="utf-8").strip()


def _compose_schema() -> dict[str, Any]:
    require("check_jsonschema")
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor")
        .joinpath("compose-spec.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_compose_file_matches_the_compose_specification(spec: dict[str, Any]) -> None:
    """compose.yaml validates against the Compose Specification JSON schema."""
    jsonschema = require("jsonschema")
    schema = _compose_schema()
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(spec), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_schema_check_rejects_a_misspelt_key(spec: dict[str, Any]) -> None:
    """The schema check is not vacuous: an unknown service key fails it."""
    jsonschema = require("jsonschema")
    broken = json.loads(json.dumps(spec))
    broken["services"]["connector"]["healthchek"] = {"disable": True}
    assert list(jsonschema.Draft202012Validator(_compose_schema()).iter_errors(broken))


def test_services_are_the_stack(services: dict[str, dict[str, Any]]) -> None:
    """postgres, sandbox, the connector daemon, and the one-off reconcile."""
    assert set(services) == {"postgres", "sandbox", "connector", "reconcile"}
    assert services["connector"]["command"] == ["run"]
    assert services["reconcile"]["command"][0] == "reconcile"
    assert services["sandbox"]["command"][:4] == ["sandbox", "up", "--port-base", "9100"]


def test_reconcile_is_a_profile_one_off(services: dict[str, dict[str, Any]]) -> None:
    """reconcile starts only on demand, never restarts, and has no health check."""
    reconcile = services["reconcile"]
    assert reconcile["profiles"] == ["reconcile"]
    assert reconcile["restart"] == "no"
    assert reconcile["healthcheck"] == {"disable": True}
    for name, service in services.items():
        if name != "reconcile":
            assert "profiles" not in service, name


def test_postgres_is_the_official_image_with_a_volume_and_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    """postgres: official image, pg_isready healthcheck, data on a named volume."""
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"


def test_connector_images_are_built_from_the_dockerfile(
    services: dict[str, dict[str, Any]],
) -> None:
    """connector and reconcile run the production image built from deploy/Dockerfile (its
    last stage); the sandbox runs the same file's `sandbox` stage, an image of its own."""
    images = {}
    for name in ("sandbox", "connector", "reconcile"):
        service = services[name]
        build = service["build"]
        images[name] = (service["image"], build.get("target"))
        context = (DEPLOY / build["context"]).resolve()
        assert (context / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()
        assert (context / "pyproject.toml").is_file()
    assert images["connector"] == images["reconcile"]
    assert images["connector"][1] is None
    assert images["sandbox"][1] == "sandbox"
    assert images["sandbox"][0] != images["connector"][0]


def test_depends_on_waits_for_healthy_services(services: dict[str, dict[str, Any]]) -> None:
    """Every depends_on waits for service_healthy, on a service that has a healthcheck."""
    for name in ("connector", "reconcile"):
        depends = services[name]["depends_on"]
        assert set(depends) == {"postgres", "sandbox"}
        for target, condition in depends.items():
            assert condition == {"condition": "service_healthy"}, (name, target)
            assert "test" in services[target]["healthcheck"], target


def test_shared_network_namespace_is_consistent(services: dict[str, dict[str, Any]]) -> None:
    """Services joining the sandbox's namespace publish nothing; the sandbox publishes 8080."""
    for name in ("connector", "reconcile"):
        service = services[name]
        assert service["network_mode"] == "service:sandbox"
        assert "ports" not in service
        assert "networks" not in service
    assert any(p.endswith(":8080:8080") for p in services["sandbox"]["ports"])


def test_sandbox_healthcheck_covers_its_three_ports(services: dict[str, dict[str, Any]]) -> None:
    """The sandbox is healthy once 9100 (Stripe), 9101 (Salesforce), 9102 (Odoo) accept."""
    test = " ".join(services["sandbox"]["healthcheck"]["test"])
    for port in ("9100", "9101", "9102"):
        assert port in test


def test_stop_grace_outlasts_the_daemon_shutdown(services: dict[str, dict[str, Any]]) -> None:
    """docker stop waits longer than daemon.shutdown_grace_seconds before SIGKILL."""
    connector = services["connector"]
    grace = float(connector["environment"]["CONNECTOR_DAEMON__SHUTDOWN_GRACE_SECONDS"])
    assert grace == GRACE_SECONDS
    assert systemd_seconds(connector["stop_grace_period"]) > grace


def test_secrets_are_files_declared_and_used(
    spec: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    """Each service secret is declared with an existing file; each *_FILE names one of them."""
    declared = spec["secrets"]
    for name, service in services.items():
        granted = set(service.get("secrets", []))
        assert granted <= set(declared), name
        for key, value in service.get("environment", {}).items():
            if key.endswith("_FILE"):
                assert value.startswith("/run/secrets/"), key
                assert value.removeprefix("/run/secrets/") in granted, (name, key)
    for name, secret in declared.items():
        assert (DEPLOY / secret["file"]).is_file(), name
    used = {s for service in services.values() for s in service.get("secrets", [])}
    assert used == set(declared)


def test_store_url_reaches_the_postgres_service(spec: dict[str, Any]) -> None:
    """The store URL names the postgres service, its database, user and password."""
    url = urlsplit(_secret_text(spec, "store_url"))
    postgres = spec["services"]["postgres"]["environment"]
    assert url.scheme == "postgresql"
    assert url.hostname == "postgres"
    assert url.username == postgres["POSTGRES_USER"]
    assert url.path == "/" + postgres["POSTGRES_DB"]
    assert url.password == _secret_text(spec, "postgres_password")


def test_sandbox_secrets_open_only_the_sandbox(spec: dict[str, Any]) -> None:
    """The shipped secrets are the emulators' own test values, never live credentials."""
    assert _secret_text(spec, "stripe_api_key").startswith("sk_test_")
    for name in spec["secrets"]:
        text = _secret_text(spec, name)
        assert "sk_live_" not in text
        assert "rk_live_" not in text


def test_connector_volumes_are_read_only_configuration(
    services: dict[str, dict[str, Any]],
) -> None:
    """The connector mounts its configuration and the sandbox's CA read-only."""
    for volume in services["connector"]["volumes"]:
        assert volume.endswith(":ro"), volume
    (config,) = [v for v in services["connector"]["volumes"] if "connector.toml" in v]
    source = config.split(":")[0]
    assert (DEPLOY / source).is_file()
    target = config.split(":")[1]
    assert services["connector"]["environment"]["CONNECTOR_CONFIG"] == target


def test_sandbox_secrets_are_the_emulators_own_credentials(spec: dict[str, Any]) -> None:
    """The compose secrets and configuration log in to the emulators `sandbox up` starts."""
    from connector.sandbox import local

    config = tomllib.loads(COMPOSE_TOML.read_text(encoding="utf-8"))
    assert _secret_text(spec, "stripe_api_key") == local.STRIPE_KEY
    assert _secret_text(spec, "salesforce_password") == local.SF_PASSWORD
    assert _secret_text(spec, "salesforce_security_token") == local.SF_TOKEN
    assert _secret_text(spec, "odoo_password") == local.ODOO_PASSWORD
    assert config["targets"]["salesforce"]["username"] == local.SF_USERNAME
    assert config["targets"]["odoo"]["login"] == local.ODOO_LOGIN
    assert config["targets"]["odoo"]["database"] == local.ODOO_DATABASE


def test_ca_bundle_is_where_the_sandbox_writes_it(services: dict[str, dict[str, Any]]) -> None:
    """ca_bundle = the connector's mount of the sandbox volume + tls/sandbox-ca.pem."""
    command = services["sandbox"]["command"]
    sandbox_dir = command[command.index("--dir") + 1]
    (sandbox_mount,) = [v for v in services["sandbox"]["volumes"] if v.startswith("sandbox-state:")]
    assert sandbox_mount.split(":")[1] == sandbox_dir
    (connector_mount,) = [
        v for v in services["connector"]["volumes"] if v.startswith("sandbox-state:")
    ]
    config = tomllib.loads(COMPOSE_TOML.read_text(encoding="utf-8"))
    expected = f"{connector_mount.split(':')[1]}/tls/sandbox-ca.pem"
    assert config["targets"]["salesforce"]["ca_bundle"] == expected


@pytest.mark.slow
def test_compose_configuration_reconciles_against_a_live_sandbox(
    spec: dict[str, Any], tmp_path: Path
) -> None:
    """compose/connector.toml and the compose secrets run a dry reconcile on the emulators."""
    from typer.testing import CliRunner

    from connector.cli.app import app
    from connector.sandbox.local import LocalSandbox

    text = COMPOSE_TOML.read_text(encoding="utf-8")
    config = tomllib.loads(text)
    with LocalSandbox(tmp_path / "sandbox") as box:
        endpoints = box.endpoints
        assert endpoints is not None
        ca = config["targets"]["salesforce"]["ca_bundle"]
        assert endpoints.ca_bundle.relative_to(tmp_path / "sandbox").as_posix() in ca
        sf_port = urlsplit(endpoints.salesforce_url).port
        text = (
            text.replace(ca, str(endpoints.ca_bundle))
            .replace("http://127.0.0.1:9100", endpoints.stripe_url)
            .replace("127.0.0.1:9101/", f"127.0.0.1:{sf_port}/")
            .replace("port = 9102", f"port = {endpoints.odoo_port}")
        )
        (tmp_path / "connector.toml").write_text(text, encoding="utf-8")
        env = {
            name.removesuffix("_FILE"): _secret_text(spec, Path(path).name)
            for name, path in spec["services"]["reconcile"]["environment"].items()
            if name.endswith("_FILE")
        }
        env["CONNECTOR_STORE_URL"] = f"sqlite:///{tmp_path / 'store.db'}"
        result = CliRunner().invoke(
            app,
            ["reconcile", "--dry-run", "--json", "--config", str(tmp_path / "connector.toml")],
            env=env,
        )
    assert result.exit_code == 0, result.output
