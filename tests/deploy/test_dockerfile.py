"""deploy/Dockerfile, read with dockerfile-parse and checked rule by rule (no Docker here)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.sandbox.common.server import RunningServer, free_port, serve_in_thread
from connector.store import SqliteStore
from connector.webhooks.app import create_webhook_app
from tests.deploy.manifests import (
    IMAGE_UID,
    REPO,
    WEBHOOK_PORT,
    dockerfile_instructions,
    dockerignored,
    final_stage,
    stages,
)


@pytest.fixture(scope="module")
def instructions() -> list[dict[str, Any]]:
    return [i for i in dockerfile_instructions() if i["instruction"] != "COMMENT"]


@pytest.fixture(scope="module")
def runtime(instructions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return final_stage(instructions)


def _values(stage: list[dict[str, Any]], instruction: str) -> list[str]:
    return [str(i["value"]) for i in stage if i["instruction"] == instruction]


def _healthcheck_argv(runtime: list[dict[str, Any]]) -> list[str]:
    (value,) = _values(runtime, "HEALTHCHECK")
    _options, _, exec_form = value.partition(" CMD ")
    argv = json.loads(exec_form.strip())
    assert isinstance(argv, list)
    return [str(a) for a in argv]


def test_build_is_multi_stage_on_slim_python_311(instructions: list[dict[str, Any]]) -> None:
    """Three stages, all FROM the slim Python 3.11 image the ARG names; the production
    image (runtime) is the last, so a plain `docker build` makes it."""
    (base,) = _values(instructions, "ARG")[:1]
    name, _, image = base.partition("=")
    assert name == "PYTHON_IMAGE"
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", image), image
    froms = _values(instructions, "FROM")
    assert froms == [
        "${PYTHON_IMAGE} AS build",
        "${PYTHON_IMAGE} AS sandbox",
        "${PYTHON_IMAGE} AS runtime",
    ]


def test_runtime_installs_only_the_built_wheels(runtime: list[dict[str, Any]]) -> None:
    """The runtime stage pip-installs from the build stage's wheels, offline, no extras."""
    installs = [r for r in _values(runtime, "RUN") if "pip install" in r]
    assert len(installs) == 1
    (install,) = installs
    assert "from=build" in install
    assert "source=/wheels/runtime" in install
    assert "--no-index" in install
    assert "subsync-connector" in install
    assert "[dev]" not in install
    assert " -e " not in install
    assert not _values(runtime, "COPY"), "the runtime stage copies nothing from the context"


def test_runs_as_the_fixed_non_root_user(runtime: list[dict[str, Any]]) -> None:
    """USER is the numeric non-root 10001, set before ENTRYPOINT/CMD and never reset."""
    users = [(n, i["value"]) for n, i in enumerate(runtime) if i["instruction"] == "USER"]
    assert users, "no USER in the final stage"
    position, user = users[-1]
    assert user == f"{IMAGE_UID}:{IMAGE_UID}"
    entry = next(n for n, i in enumerate(runtime) if i["instruction"] == "ENTRYPOINT")
    assert position < entry
    created = " ".join(_values(runtime, "RUN"))
    assert f"--uid {IMAGE_UID}" in created
    assert f"-o {IMAGE_UID}" in created, "the data directory belongs to the user"


def test_data_directory_is_a_volume(runtime: list[dict[str, Any]]) -> None:
    """The data dir is declared a VOLUME and is the working directory."""
    assert json.loads(_values(runtime, "VOLUME")[0]) == ["/var/lib/subsync"]
    assert _values(runtime, "WORKDIR")[-1] == "/var/lib/subsync"


def test_no_remote_add_and_no_secret_in_the_image(instructions: list[dict[str, Any]]) -> None:
    """No ADD at all (so no URL downloads), and no ENV/ARG/LABEL carries a secret."""
    assert not _values(instructions, "ADD")
    baked = " ".join(_values(instructions, "ENV") + _values(instructions, "ARG"))
    for word in ("SECRET", "PASSWORD", "TOKEN", "API_KEY", "STORE_URL", "_FILE"):
        assert word not in baked.upper(), word


def test_exposes_the_webhook_port_and_stops_with_sigterm(runtime: list[dict[str, Any]]) -> None:
    """EXPOSE 8080, STOPSIGNAL SIGTERM, and the receiver listens beyond loopback."""
    assert _values(runtime, "EXPOSE") == [str(WEBHOOK_PORT)]
    assert _values(runtime, "STOPSIGNAL") == ["SIGTERM"]
    env = shlex.split(" ".join(_values(runtime, "ENV")))
    assert "CONNECTOR_WEBHOOK__HOST=0.0.0.0" in env


def test_entrypoint_is_connector_run(runtime: list[dict[str, Any]]) -> None:
    """ENTRYPOINT ["connector"] and CMD ["run"], both in exec form."""
    assert json.loads(_values(runtime, "ENTRYPOINT")[-1]) == ["connector"]
    assert json.loads(_values(runtime, "CMD")[-1]) == ["run"]


def test_healthcheck_probes_healthz_with_the_stdlib(runtime: list[dict[str, Any]]) -> None:
    """HEALTHCHECK runs Python (no curl in slim images) against /healthz on 8080."""
    argv = _healthcheck_argv(runtime)
    assert argv[:2] == ["python", "-c"]
    assert "/healthz" in argv[2]
    assert str(WEBHOOK_PORT) in argv[2]
    assert "curl" not in argv[2]
    assert "wget" not in argv[2]


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[RunningServer]:
    store = SqliteStore(tmp_path / "store.db")
    app = create_webhook_app(store, ["whsec_deploy_test"])
    with serve_in_thread(app) as server:
        yield server
    store.close()


def _run_healthcheck(runtime: list[dict[str, Any]], port: int) -> int:
    argv = _healthcheck_argv(runtime)
    env = {**os.environ, "CONNECTOR_WEBHOOK__PORT": str(port)}
    done = subprocess.run(
        [sys.executable, *argv[1:]], env=env, capture_output=True, timeout=30, check=False
    )
    return done.returncode


def test_healthcheck_passes_against_a_live_receiver(
    runtime: list[dict[str, Any]], receiver: RunningServer
) -> None:
    """The HEALTHCHECK command exits 0 when the receiver answers /healthz."""
    assert _run_healthcheck(runtime, receiver.port) == 0


def test_healthcheck_fails_when_nothing_listens(runtime: list[dict[str, Any]]) -> None:
    """The HEALTHCHECK command exits non-zero when the port is closed."""
    assert _run_healthcheck(runtime, free_port()) != 0


def test_build_stage_copies_exist_and_reach_the_context(
    instructions: list[dict[str, Any]],
) -> None:
    """Every COPY source exists in the repository and is not dockerignored."""
    sources = []
    for value in _values(instructions, "COPY"):
        parts = [p for p in shlex.split(value) if not p.startswith("--")]
        sources.extend(parts[:-1])
    assert {"pyproject.toml", "README.md", "connector", "adapters", "mappings"} <= set(sources)
    for source in sources:
        assert (REPO / source).exists(), source
        assert not dockerignored(source), f"{source} is excluded from the build context"
    assert not dockerignored("connector/cli/app.py")
    assert not dockerignored("mappings/salesforce.yaml")


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        "tests/conftest.py",
        "deploy/compose/sandbox-secrets/store_url",
        "state/connector.db",
        "connector/__pycache__/config.cpython-311.pyc",
        ".demo/billing.json",
    ],
)
def test_dockerignore_keeps_local_files_out(path: str) -> None:
    """The build context leaves out the venv, git, tests, secrets, state and caches."""
    assert dockerignored(path)


@pytest.mark.slow
def test_build_stage_context_is_enough_for_the_wheel(
    instructions: list[dict[str, Any]], tmp_path: Path
) -> None:
    """Only the COPY'd files build a wheel holding the package and its default mappings."""
    build = stages(instructions)[0]
    context = tmp_path / "src"
    context.mkdir()
    for value in _values(build, "COPY"):
        parts = [p for p in shlex.split(value) if not p.startswith("--")]
        for source in parts[:-1]:
            origin = REPO / source
            if origin.is_dir():
                shutil.copytree(
                    origin, context / source, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy2(origin, context / source)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), "."],
        cwd=context,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("subsync_connector-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "connector/cli/app.py" in names
    assert "connector/_default_mappings/salesforce.yaml" in names


def _build_runs(instructions: list[dict[str, Any]]) -> list[str]:
    """The build stage's RUN commands, split at ``&&``."""
    return [
        step.strip() for run in _values(stages(instructions)[0], "RUN") for step in run.split("&&")
    ]


def test_production_wheel_is_built_without_the_emulators(
    instructions: list[dict[str, Any]],
) -> None:
    """The runtime wheel is built after connector/sandbox is removed; the sandbox wheel,
    with the `sandbox` extra, before; and the runtime stage checks that none is installed."""
    steps = _build_runs(instructions)
    sandbox_wheel = next(i for i, s in enumerate(steps) if "/wheels/sandbox" in s)
    removal = steps.index("rm -r connector/sandbox")
    runtime_wheel = next(i for i, s in enumerate(steps) if "/wheels/runtime" in s)
    assert sandbox_wheel < removal < runtime_wheel
    assert '".[sandbox]"' in steps[sandbox_wheel]
    (install,) = [r for r in _values(stages(instructions)[-1], "RUN") if "pip install" in r]
    assert '! python -c "import connector.sandbox"' in install


def test_sandbox_stage_installs_the_sandbox_extra(instructions: list[dict[str, Any]]) -> None:
    sandbox = stages(instructions)[1]
    (install,) = [r for r in _values(sandbox, "RUN") if "pip install" in r]
    assert "source=/wheels/sandbox" in install
    assert '"subsync-connector[sandbox]"' in install
    assert _values(sandbox, "USER") == ["10001:10001"]
    assert json.loads(_values(sandbox, "CMD")[0])[:2] == ["sandbox", "up"]
