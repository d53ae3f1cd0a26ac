"""Readers for the files in deploy/: YAML manifests, the Dockerfile, systemd units, and the
``connector`` command lines they contain."""

from __future__ import annotations

import importlib
import io
import re
import shlex
import tomllib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import BaseModel

from tests.conftest import unavailable

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
SYSTEMD = DEPLOY / "systemd"
COMPOSE_FILE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
README = DEPLOY / "README.md"

#: The image's user, fixed so that Kubernetes can check runAsNonRoot against a number.
IMAGE_UID = 10001
WEBHOOK_PORT = 8080


def require(module: str) -> Any:
    """Import a validator from the dev extras; skip when absent locally, fail in CI."""
    try:
        return importlib.import_module(module)
    except ImportError:
        unavailable(f"{module} is not installed (a dev extra)")


# --- YAML ------------------------------------------------------------------------------


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compose() -> dict[str, Any]:
    data = load_yaml(COMPOSE_FILE)
    assert isinstance(data, dict)
    return data


def k8s_manifest_files() -> list[Path]:
    """Every Kubernetes object file (not the kustomization)."""
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def k8s_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in k8s_manifest_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                objects.append(doc)
    return objects


def k8s_object(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [
        o
        for o in k8s_objects()
        if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def _pod_template(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return cast(dict[str, Any], spec["template"])


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a Deployment or a CronJob."""
    return cast(dict[str, Any], _pod_template(workload)["spec"])


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return cast(dict[str, str], _pod_template(workload)["metadata"]["labels"])


def workloads() -> list[dict[str, Any]]:
    return [o for o in k8s_objects() if o["kind"] in ("Deployment", "CronJob")]


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def configmap_toml(name: str = "subsync-connector-config") -> dict[str, Any]:
    text = k8s_object("ConfigMap", name)["data"]["connector.toml"]
    return tomllib.loads(text)


# --- Dockerfile and its ignore file ------------------------------------------------------


def dockerfile_instructions() -> list[dict[str, Any]]:
    """The Dockerfile as dockerfile-parse reads it: instruction, value, startline, ..."""
    parser = require("dockerfile_parse").DockerfileParser(
        fileobj=io.BytesIO(DOCKERFILE.read_bytes()), env_replace=False
    )
    structure: list[dict[str, Any]] = parser.structure
    return structure


def stages(instructions: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The instructions of each build stage, each list starting with its FROM."""
    starts = [i for i, ins in enumerate(instructions) if ins["instruction"] == "FROM"]
    return [
        instructions[a:b] for a, b in zip(starts, [*starts[1:], len(instructions)], strict=True)
    ]


def final_stage(instructions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return stages(instructions)[-1]


def _ignore_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def dockerignored(path: str, ignore_file: Path = DOCKERIGNORE) -> bool:
    """Whether Docker leaves ``path`` (relative to the context) out: the last matching
    pattern wins, ``!`` lets back in, and a pattern matching a folder covers its contents."""
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for raw in ignore_file.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.removeprefix("!").strip().strip("/")
        rules.append((negate, _ignore_regex(pattern)))
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for negate, regex in rules:
        if any(regex.match(c) for c in candidates):
            ignored = not negate
    return ignored


# --- systemd units -----------------------------------------------------------------------


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as section -> key -> every value (keys such as Environment= repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    pending = ""
    for raw in (SYSTEMD / name).read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{name}: {line!r} before any section"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_environment(service: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for assignment in service["Service"].get("Environment", []):
        for item in shlex.split(assignment):
            key, _, value = item.partition("=")
            env[key] = value
    return env


def systemd_seconds(value: str) -> float:
    """A systemd time span such as ``60``, ``90s``, ``2min``, ``1min 30s``, ``4h``."""
    units = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hr": 3600}
    total = 0.0
    for number, suffix in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value):
        total += float(number) * units[suffix]
    return total


# --- connector command lines -------------------------------------------------------------


@dataclass(frozen=True)
class CommandLine:
    """The arguments given to ``connector`` somewhere in deploy/."""

    where: str
    args: tuple[str, ...]

    @property
    def id(self) -> str:
        return " ".join(self.args)


def _connector_args(argv: list[str]) -> tuple[str, ...] | None:
    for i, token in enumerate(argv):
        if Path(token).name == "connector":
            return tuple(argv[i + 1 :])
    return None


def _image_is_ours(image: str | None) -> bool:
    return image is not None and "subsync-connector" in image


def command_lines() -> Iterator[CommandLine]:
    """Every ``connector ...`` invocation in the Dockerfile, compose, Kubernetes, systemd
    and the operator guide's shell examples."""
    instructions = dockerfile_instructions()
    entry = [i for i in instructions if i["instruction"] == "ENTRYPOINT"][-1]
    cmd = [i for i in instructions if i["instruction"] == "CMD"][-1]
    argv = [*yaml.safe_load(entry["value"]), *yaml.safe_load(cmd["value"])]
    found = _connector_args(argv)
    if found is not None:
        yield CommandLine("Dockerfile CMD", found)

    for name, service in compose()["services"].items():
        if _image_is_ours(service.get("image")) and "command" in service:
            yield CommandLine(f"compose {name}", tuple(service["command"]))

    for workload in workloads():
        for container in pod_spec(workload)["containers"]:
            if _image_is_ours(container.get("image")):
                yield CommandLine(
                    f"{workload['kind']} {workload['metadata']['name']}",
                    tuple(container.get("command", [])[1:] + container.get("args", [])),
                )

    for path in sorted(SYSTEMD.glob("*.service")):
        for key in ("ExecStartPre", "ExecStart"):
            for line in unit(path.name)["Service"].get(key, []):
                found = _connector_args(shlex.split(line.lstrip("-+!@:")))
                if found is not None:
                    yield CommandLine(f"{path.name} {key}", found)

    in_shell = False
    pending = ""
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            in_shell = line.strip() in ("```sh", "```bash", "```console")
            continue
        if not in_shell:
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        tokens = shlex.split(pending + line, comments=True)
        pending = ""
        found = _readme_connector_args(tokens)
        if found is not None:
            yield CommandLine("deploy/README.md", found)
    for span in re.findall(r"`(connector [^`]+)`", README.read_text(encoding="utf-8")):
        yield CommandLine("deploy/README.md (inline)", tuple(shlex.split(span)[1:]))


def _readme_connector_args(tokens: list[str]) -> tuple[str, ...] | None:
    """``connector ARGS`` or ``docker compose ... exec [-T] SERVICE connector ARGS``."""
    if tokens[:1] == ["connector"]:
        return tuple(tokens[1:])
    if "exec" in tokens:
        rest = tokens[tokens.index("exec") + 1 :]
        while rest and rest[0].startswith("-"):
            rest.pop(0)
        if rest[1:2] == ["connector"]:
            return tuple(rest[2:])
    return None


# --- settings --------------------------------------------------------------------------


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold (through Optional, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models(arg)]
    return []


def settings_path_exists(root: type[BaseModel], segments: list[str]) -> bool:
    """Whether ``CONNECTOR_A__B__C`` names a setting: ``a.b.c`` through the models, with a
    dict (``targets``) taking any key."""
    if not segments:
        return True
    head, rest = segments[0], segments[1:]
    field = root.model_fields.get(head)
    if field is None:
        return False
    annotation = field.annotation
    if typing.get_origin(annotation) is dict:
        if len(rest) <= 1:
            return True
        value_type = typing.get_args(annotation)[1]
        return any(settings_path_exists(m, rest[1:]) for m in _models(value_type))
    if not rest:
        return True
    return any(settings_path_exists(m, rest) for m in _models(annotation))
