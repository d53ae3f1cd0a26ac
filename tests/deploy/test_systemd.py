"""deploy/systemd: the daemon's unit, the nightly reconcile's unit and timer."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.deploy.manifests import (
    SYSTEMD,
    systemd_seconds,
    unit,
    unit_environment,
)

DAEMON = "subsync-connector.service"
RECONCILE = "subsync-reconcile.service"
TIMER = "subsync-reconcile.timer"
SERVICES = [DAEMON, RECONCILE]
CONNECTOR = "/opt/subsync/bin/connector"

HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "CapabilityBoundingSet": "",
    "ReadWritePaths": "/var/lib/subsync",
}


def _service(name: str) -> dict[str, list[str]]:
    return unit(name)["Service"]


def _one(section: dict[str, list[str]], key: str) -> str:
    values = section.get(key, [])
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


@pytest.mark.parametrize("name", [DAEMON, RECONCILE, TIMER])
def test_unit_parses_with_configparser(name: str) -> None:
    """Each unit file is well-formed INI (configparser, strict=False for repeated keys)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(SYSTEMD / name, encoding="utf-8")
    assert parser.sections()
    assert "Unit" in parser


@pytest.mark.parametrize("name", SERVICES)
def test_services_are_hardened(name: str) -> None:
    """The sandboxing options are set, with the state directory the only writable path."""
    service = _service(name)
    for key, value in HARDENING.items():
        assert _one(service, key) == value, key
    assert "@system-service" in service["SystemCallFilter"]
    assert set(_one(service, "RestrictAddressFamilies").split()) == {
        "AF_INET",
        "AF_INET6",
        "AF_UNIX",
    }


@pytest.mark.parametrize("name", SERVICES)
def test_services_run_as_the_dedicated_user(name: str) -> None:
    """User=subsync (created by the sysusers file), the state dir owned through systemd."""
    service = _service(name)
    assert _one(service, "User") == "subsync"
    assert _one(service, "Group") == "subsync"
    assert "DynamicUser" not in service
    assert _one(service, "StateDirectory") == "subsync"
    assert _one(service, "WorkingDirectory") == "/var/lib/subsync"
    sysusers = (SYSTEMD / "subsync.sysusers").read_text(encoding="utf-8")
    (line,) = [row for row in sysusers.splitlines() if row.startswith("u ")]
    assert shlex.split(line)[1] == "subsync"


@pytest.mark.parametrize("name", SERVICES)
def test_services_read_configuration_and_optional_overrides(name: str) -> None:
    """CONNECTOR_CONFIG names /etc/subsync/connector.toml; the EnvironmentFile is optional."""
    service = _service(name)
    assert unit_environment(unit(name))["CONNECTOR_CONFIG"] == "/etc/subsync/connector.toml"
    assert _one(service, "EnvironmentFile") == "-/etc/subsync/connector.env"


@pytest.mark.parametrize("name", SERVICES)
def test_secrets_are_credentials_named_by_file_variables(name: str) -> None:
    """Each *_FILE variable is %d/<id> with a LoadCredential=<id>, and no credential is unused."""
    service = _service(name)
    credentials = {}
    for entry in service.get("LoadCredential", []):
        ident, _, source = entry.partition(":")
        assert source.startswith("/etc/subsync/credentials/"), entry
        credentials[ident] = source
    env = unit_environment(unit(name))
    files = {k: v for k, v in env.items() if k.endswith("_FILE")}
    assert files
    for variable, path in files.items():
        assert path.startswith("%d/"), variable
        assert path.removeprefix("%d/") in credentials, variable
    assert {p.removeprefix("%d/") for p in files.values()} == set(credentials)
    for key, value in env.items():
        if not key.endswith("_FILE"):
            for word in ("SECRET", "PASSWORD", "TOKEN", "API_KEY"):
                assert word not in key, key
            assert "://" not in value, key


def test_daemon_runs_connector_and_stops_gracefully() -> None:
    """ExecStart is `connector run`; SIGTERM, restart on failure, a stop timeout over grace."""
    service = _service(DAEMON)
    assert shlex.split(_one(service, "ExecStart")) == [CONNECTOR, "run"]
    assert shlex.split(_one(service, "ExecStartPre")) == [CONNECTOR, "mappings", "check"]
    assert _one(service, "Restart") == "on-failure"
    assert _one(service, "KillSignal") == "SIGTERM"
    grace = float(unit_environment(unit(DAEMON))["CONNECTOR_DAEMON__SHUTDOWN_GRACE_SECONDS"])
    assert systemd_seconds(_one(service, "TimeoutStopSec")) > grace
    assert unit(DAEMON)["Install"]["WantedBy"] == ["multi-user.target"]


def test_reconcile_is_a_oneshot_connector_reconcile() -> None:
    """The reconcile unit is Type=oneshot running `connector reconcile`, with a time limit."""
    service = _service(RECONCILE)
    assert _one(service, "Type") == "oneshot"
    argv = shlex.split(_one(service, "ExecStart"))
    assert argv[:2] == [CONNECTOR, "reconcile"]
    assert "--dry-run" not in argv
    assert systemd_seconds(_one(service, "TimeoutStartSec")) >= 3600
    assert "Install" not in unit(RECONCILE), "started by its timer, not enabled on its own"


def test_timer_starts_the_reconcile_nightly() -> None:
    """The timer fires once a day, catches up after downtime, and names the reconcile unit."""
    timer = unit(TIMER)["Timer"]
    assert _one(timer, "Unit") == RECONCILE
    assert (SYSTEMD / RECONCILE).is_file()
    calendar = _one(timer, "OnCalendar")
    assert calendar.startswith("*-*-* ")
    assert _one(timer, "Persistent") == "true"
    assert unit(TIMER)["Install"]["WantedBy"] == ["timers.target"]


def test_state_directory_holds_the_sqlite_store() -> None:
    """The example configuration's SQLite file lies in the one writable path."""
    config = tomllib.loads((SYSTEMD / "connector.toml.example").read_text(encoding="utf-8"))
    path = Path(config["store_url"].removeprefix("sqlite:///"))
    assert path.is_absolute()
    assert path.parent == Path(_one(_service(DAEMON), "ReadWritePaths"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    """systemd-analyze verify finds no error or unknown key (connector path made real)."""
    connector = str(Path(sys.executable).with_name("connector"))
    for name in (DAEMON, RECONCILE, TIMER):
        text = (SYSTEMD / name).read_text(encoding="utf-8").replace(CONNECTOR, connector)
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / n) for n in (DAEMON, RECONCILE, TIMER))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr
