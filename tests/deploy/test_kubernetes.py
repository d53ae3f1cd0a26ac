"""deploy/k8s: the Kubernetes JSON schemas (kubernetes-validate, offline), then semantics."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.manifests import (
    IMAGE_UID,
    K8S,
    WEBHOOK_PORT,
    configmap_toml,
    env_of,
    k8s_manifest_files,
    k8s_object,
    k8s_objects,
    load_yaml,
    pod_labels,
    pod_spec,
    require,
    workloads,
)

#: The oldest Kubernetes release these manifests are written for (CronJob timeZone, Job
#: podFailurePolicy), and the newest whose schemas kubernetes-validate ships.
OLDEST = "1.30"
NAMESPACE = "subsync"
SECRET_NAME = "subsync-connector-secrets"
PLACEHOLDER = "REPLACE_ME"


def _latest() -> str:
    return str(require("kubernetes_validate").utils.latest_version())


def _ids(objects: list[dict[str, Any]]) -> list[str]:
    return [f"{o['kind']}/{o['metadata']['name']}" for o in objects]


@pytest.mark.parametrize("version", [OLDEST, "latest"])
@pytest.mark.parametrize("obj", k8s_objects(), ids=_ids(k8s_objects()))
def test_manifest_matches_the_kubernetes_schema(obj: dict[str, Any], version: str) -> None:
    """Each object validates (strict: no unknown fields) against the Kubernetes schema."""
    validator = require("kubernetes_validate")
    validator.validate(obj, _latest() if version == "latest" else version, strict=True)


def test_schema_check_rejects_a_misplaced_field() -> None:
    """The schema check is not vacuous: a field in the wrong place fails it."""
    validator = require("kubernetes_validate")
    broken = k8s_object("Deployment")
    broken = {**broken, "spec": {**broken["spec"], "terminationGracePeriodSeconds": 60}}
    with pytest.raises(validator.utils.ValidationError):
        validator.validate(broken, OLDEST, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    """kubectl apply -k applies every object file, and never the placeholder Secret."""
    kustomization = load_yaml(K8S / "kustomization.yaml")
    listed = set(kustomization["resources"])
    files = {p.name for p in k8s_manifest_files()}
    assert listed == files - {"secret.example.yaml"}
    assert all((K8S / name).is_file() for name in listed)


def test_everything_lives_in_one_namespace() -> None:
    """All namespaced objects are in the subsync namespace, which is defined."""
    assert k8s_object("Namespace")["metadata"]["name"] == NAMESPACE
    for obj in k8s_objects():
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == NAMESPACE, obj["metadata"]["name"]


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    (container,) = pod_spec(workload)["containers"]
    assert isinstance(container, dict)
    return container


def _port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    (found,) = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    assert isinstance(found, int)
    return found


def test_deployment_runs_two_daemons() -> None:
    """Two replicas of `connector run`, rolled one at a time with none unavailable."""
    deployment = k8s_object("Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert _container(deployment)["args"] == ["run"]
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0


def test_probes_hit_healthz_and_readyz_on_the_webhook_port() -> None:
    """Liveness and startup on /healthz, readiness on /readyz, all on the container's 8080."""
    container = _container(k8s_object("Deployment"))
    expected = {
        "livenessProbe": "/healthz",
        "startupProbe": "/healthz",
        "readinessProbe": "/readyz",
    }
    for probe, path in expected.items():
        get = container[probe]["httpGet"]
        assert get["path"] == path, probe
        assert _port(container, get["port"]) == WEBHOOK_PORT, probe
    assert int(env_of(container)["CONNECTOR_WEBHOOK__PORT"]) == WEBHOOK_PORT
    assert configmap_toml()["webhook"]["port"] == WEBHOOK_PORT
    assert env_of(container)["CONNECTOR_WEBHOOK__HOST"] == "0.0.0.0"  # noqa: S104


def _prestop_seconds(container: dict[str, Any]) -> float:
    pre_stop = container.get("lifecycle", {}).get("preStop", {})
    if "sleep" in pre_stop:
        return float(pre_stop["sleep"]["seconds"])
    command = pre_stop.get("exec", {}).get("command", [])
    assert command[:1] == ["sleep"], "preStop should pause to drain the Service"
    return float(command[1])


def test_termination_grace_covers_prestop_and_shutdown_grace() -> None:
    """terminationGracePeriodSeconds > preStop sleep + daemon.shutdown_grace_seconds."""
    deployment = k8s_object("Deployment")
    container = _container(deployment)
    grace = float(env_of(container)["CONNECTOR_DAEMON__SHUTDOWN_GRACE_SECONDS"])
    assert grace == configmap_toml()["daemon"]["shutdown_grace_seconds"]
    pause = _prestop_seconds(container)
    assert pause > 0
    assert pod_spec(deployment)["terminationGracePeriodSeconds"] > pause + grace


@pytest.mark.parametrize("workload", workloads(), ids=_ids(workloads()))
def test_pods_run_non_root_with_a_read_only_root(workload: dict[str, Any]) -> None:
    """runAsNonRoot as the image's UID, no privilege escalation, no capabilities, RO root."""
    spec = pod_spec(workload)
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] == IMAGE_UID
    assert pod["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    for container in spec["containers"]:
        ctx = container["securityContext"]
        assert ctx["readOnlyRootFilesystem"] is True
        assert ctx["allowPrivilegeEscalation"] is False
        assert ctx["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize("workload", workloads(), ids=_ids(workloads()))
def test_tmp_is_a_writable_empty_dir(workload: dict[str, Any]) -> None:
    """With a read-only root, /tmp is an emptyDir."""
    spec = pod_spec(workload)
    volumes = {v["name"]: v for v in spec["volumes"]}
    (mount,) = [m for m in _container(workload)["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert "emptyDir" in volumes[mount["name"]]


@pytest.mark.parametrize("workload", workloads(), ids=_ids(workloads()))
def test_containers_declare_resources(workload: dict[str, Any]) -> None:
    """CPU and memory requests, and a memory limit, on every container."""
    for container in pod_spec(workload)["containers"]:
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"])
        assert "memory" in resources["limits"]


def test_prometheus_scrapes_metrics_on_the_container_port() -> None:
    """Scrape annotations name /metrics on the port the container listens on."""
    deployment = k8s_object("Deployment")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == WEBHOOK_PORT


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_service_selects_the_daemons_only() -> None:
    """The Service picks the Deployment's pods, not the CronJob's, on the named port."""
    service = k8s_object("Service")
    selector = service["spec"]["selector"]
    deployment = k8s_object("Deployment")
    assert _selects(selector, pod_labels(deployment))
    assert not _selects(selector, pod_labels(k8s_object("CronJob")))
    (port,) = service["spec"]["ports"]
    assert _port(_container(deployment), port["targetPort"]) == WEBHOOK_PORT


def test_pdb_keeps_one_daemon_and_matches_the_deployment() -> None:
    """minAvailable 1 (below the 2 replicas), selecting exactly the Deployment's pods."""
    pdb = k8s_object("PodDisruptionBudget")
    deployment = k8s_object("Deployment")
    assert pdb["spec"]["minAvailable"] == 1
    assert deployment["spec"]["replicas"] > pdb["spec"]["minAvailable"]
    selector = pdb["spec"]["selector"]["matchLabels"]
    assert selector == deployment["spec"]["selector"]["matchLabels"]
    assert _selects(selector, pod_labels(deployment))
    assert not _selects(selector, pod_labels(k8s_object("CronJob")))


def test_deployment_selector_matches_its_template() -> None:
    """The Deployment's selector matches its own pod template."""
    deployment = k8s_object("Deployment")
    assert _selects(deployment["spec"]["selector"]["matchLabels"], pod_labels(deployment))


def test_cronjob_runs_reconcile_nightly_one_at_a_time() -> None:
    """A daily `connector reconcile`, concurrencyPolicy Forbid, a bounded number of retries."""
    cronjob = k8s_object("CronJob")
    spec = cronjob["spec"]
    minute, hour, day, month, weekday = spec["schedule"].split()
    assert re.fullmatch(r"\d+", minute)
    assert re.fullmatch(r"\d+", hour)
    assert (day, month, weekday) == ("*", "*", "*")
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert 0 < job["backoffLimit"] <= 3
    assert job["activeDeadlineSeconds"] > 0
    assert _container(cronjob)["args"][0] == "reconcile"
    assert "--dry-run" not in _container(cronjob)["args"]
    assert pod_spec(cronjob)["restartPolicy"] == "Never"


def test_cronjob_fails_at_once_on_exit_codes_retrying_cannot_fix() -> None:
    """Exit 2 (config), 3 (dead letters) and 4 (safety valve) fail the Job without retry."""
    cronjob = k8s_object("CronJob")
    rules = cronjob["spec"]["jobTemplate"]["spec"]["podFailurePolicy"]["rules"]
    (fail,) = [r for r in rules if "onExitCodes" in r]
    assert fail["action"] == "FailJob"
    codes = fail["onExitCodes"]
    assert codes["operator"] == "In"
    assert sorted(codes["values"]) == [2, 3, 4]
    assert codes["containerName"] == _container(cronjob)["name"]


def test_secret_template_holds_only_placeholders() -> None:
    """secret.example.yaml: stringData placeholders, no base64 data."""
    secret = k8s_object("Secret")
    assert secret["metadata"]["name"] == SECRET_NAME
    assert "data" not in secret
    for key, value in secret["stringData"].items():
        assert PLACEHOLDER in value, key


@pytest.mark.parametrize("workload", workloads(), ids=_ids(workloads()))
def test_secrets_reach_pods_only_as_files(workload: dict[str, Any]) -> None:
    """No secret-like variable carries a value: each *_FILE names a key of the Secret."""
    spec = pod_spec(workload)
    container = _container(workload)
    volumes = {v["name"]: v for v in spec["volumes"]}
    secret_keys = set(k8s_object("Secret")["stringData"])
    mounts = {
        m["mountPath"]: volumes[m["name"]]["secret"]
        for m in container["volumeMounts"]
        if "secret" in volumes[m["name"]]
    }
    assert [s["secretName"] for s in mounts.values()] == [SECRET_NAME]
    ((directory, secret),) = mounts.items()
    present = {item["path"] for item in secret.get("items", [])} or secret_keys
    for env in container["env"]:
        name = env["name"]
        assert "valueFrom" not in env, name
        if re.search(r"SECRET|PASSWORD|TOKEN|API_KEY|STORE_URL", name):
            assert name.endswith("_FILE"), f"{name} should be a file"
        if name.endswith("_FILE"):
            folder, _, key = env["value"].rpartition("/")
            assert folder == directory, name
            assert key in secret_keys, name
            assert key in present, f"{name}: {key} is not mounted"
    assert secret["defaultMode"] & 0o007 == 0, "secret files are not world-readable"


def test_config_is_mounted_where_connector_config_points() -> None:
    """CONNECTOR_CONFIG names the ConfigMap's connector.toml as mounted."""
    for workload in workloads():
        spec = pod_spec(workload)
        container = _container(workload)
        volumes = {v["name"]: v for v in spec["volumes"]}
        path = env_of(container)["CONNECTOR_CONFIG"]
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == path]
        config_map = volumes[mount["name"]]["configMap"]["name"]
        assert mount["subPath"] in k8s_object("ConfigMap", config_map)["data"]


def test_daemons_share_a_postgresql_store() -> None:
    """Several replicas need PostgreSQL: the template's store URL is postgresql://."""
    assert "store_url" not in configmap_toml()
    url = k8s_object("Secret")["stringData"]["store-url"]
    assert url.startswith("postgresql://")
