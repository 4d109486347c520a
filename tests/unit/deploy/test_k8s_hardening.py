"""What a cluster operator expects of every workload, one test per item, over every overlay.
Each test lists the objects (Kind/namespace/name, and the container) that lack the item,
so a failure names what to fix."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from deploy.kustomize import object_id
from services.gateway.routes import ROUTES
from tests.unit.deploy.k8s_objects import (
    OVERLAYS,
    ROOT,
    containers,
    long_running,
    named,
    of_kind,
    pod_labels,
    pod_spec,
    rendered,
    selects,
    workloads,
)
from tests.unit.deploy.network_policies import Endpoint, connects

Obj = dict[str, Any]
overlays = pytest.mark.parametrize("overlay", OVERLAYS)


def _effective(workload: Obj, container: Obj, key: str) -> Any:
    """A security setting as the kubelet applies it: the container's, else the pod's."""
    own = container.get("securityContext", {})
    return own[key] if key in own else pod_spec(workload).get("securityContext", {}).get(key)


@overlays
def test_every_pod_runs_as_a_non_root_user_under_the_runtime_seccomp_profile(overlay: str) -> None:
    lacking = [
        where
        for w in workloads(rendered(overlay))
        for where, c in containers(w)
        if _effective(w, c, "runAsNonRoot") is not True
        or not _effective(w, c, "runAsUser")
        or (_effective(w, c, "seccompProfile") or {}).get("type") != "RuntimeDefault"
    ]
    assert lacking == []


@overlays
def test_every_container_drops_privileges(overlay: str) -> None:
    lacking = [
        where
        for w in workloads(rendered(overlay))
        for where, c in containers(w)
        if (s := c.get("securityContext", {})).get("allowPrivilegeEscalation") is not False
        or s.get("privileged")
        or s.get("capabilities", {}).get("drop") != ["ALL"]
        or s.get("capabilities", {}).get("add")
    ]
    assert lacking == []


@overlays
def test_root_filesystems_are_read_only_with_explicit_writable_volumes(overlay: str) -> None:
    lacking = []
    for w in workloads(rendered(overlay)):
        spec = pod_spec(w)
        if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
            lacking.append(f"{object_id(w)}: host namespaces")
        kinds = {v["name"]: v for v in spec.get("volumes", [])}
        claims = {t["metadata"]["name"] for t in w["spec"].get("volumeClaimTemplates", [])}
        for where, c in containers(w):
            if c.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
                lacking.append(f"{where}: writable root filesystem")
            mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
            if "/tmp" not in mounts:
                lacking.append(f"{where}: no writable /tmp")
            for path, mount in mounts.items():
                volume = kinds.get(mount["name"], {})
                writable = not mount.get("readOnly")
                if writable and not (
                    "emptyDir" in volume
                    or "persistentVolumeClaim" in volume
                    or mount["name"] in claims
                ):
                    lacking.append(f"{where}: {path} is writable but neither emptyDir nor a claim")
                if "hostPath" in volume:
                    lacking.append(f"{where}: hostPath {path}")
    assert lacking == []


@overlays
def test_every_object_lands_in_the_namespace(overlay: str) -> None:
    """An object without one would go wherever `kubectl apply` points, outside the policies."""
    stray = [
        object_id(o)
        for o in rendered(overlay)
        if o["kind"] != "Namespace" and o["metadata"].get("namespace") != "byosc"
    ]
    assert stray == []


@overlays
def test_no_pod_gets_an_api_token(overlay: str) -> None:
    lacking = [
        object_id(w)
        for w in workloads(rendered(overlay))
        if pod_spec(w).get("automountServiceAccountToken") is not False
    ]
    assert lacking == []


# NetworkPolicies.

NAMESPACE = {"kubernetes.io/metadata.name": "byosc"}
INGRESS_CONTROLLER = Endpoint(
    {"app.kubernetes.io/name": "ingress-nginx"}, {"kubernetes.io/metadata.name": "ingress-nginx"}
)
PROMETHEUS = Endpoint({"app": "prometheus"}, {"kubernetes.io/metadata.name": "monitoring"})
ELSEWHERE = Endpoint({"app": "gateway"}, {"kubernetes.io/metadata.name": "default"})
DNS = Endpoint({"k8s-app": "kube-dns"}, {"kubernetes.io/metadata.name": "kube-system"})
INTERNET = Endpoint()  # any address outside the cluster: the managed stores, or the rest
STORE_PORTS = {"PostgreSQL": 5432, "Redis": 6379, "Qdrant": 6333}
MODEL_CLIENTS = {"inference", "trainer", "worker-llm", "worker-train"}
# The beat sends ticks through Redis and checks the schema at start; it never reads the index.
BEAT_STORES = {"PostgreSQL", "Redis"}


def _pods(overlay: str) -> dict[str, tuple[Endpoint, set[int]]]:
    """Each workload as a pod of the namespace, with the ports its containers listen on."""
    return {
        w["metadata"]["name"]: (
            Endpoint(pod_labels(w), NAMESPACE),
            {p["containerPort"] for _, c in containers(w) for p in c.get("ports", [])},
        )
        for w in workloads(rendered(overlay))
    }


@overlays
def test_the_namespace_denies_by_default_and_every_pod_can_resolve_names(overlay: str) -> None:
    objects, pods = rendered(overlay), _pods(overlay)
    stranger = Endpoint({"app": "unknown"}, NAMESPACE)
    for name, (pod, ports) in pods.items():
        assert not any(connects(objects, stranger, pod, port) for port in ports), name
        assert not connects(objects, pod, stranger, 8000), name
        assert not connects(objects, pod, INTERNET, 443), f"{name} reaches the internet"
        assert connects(objects, pod, DNS, 53), f"{name} cannot resolve names"


@overlays
def test_only_the_gateway_is_reachable_from_outside_the_namespace(overlay: str) -> None:
    objects = rendered(overlay)
    for name, (pod, ports) in _pods(overlay).items():
        for port in ports:
            from_ingress = connects(objects, INGRESS_CONTROLLER, pod, port)
            assert from_ingress == (name == "gateway"), (name, port)
            assert not connects(objects, ELSEWHERE, pod, port), (name, port)
            assert not connects(objects, INTERNET, pod, port), (name, port)


@overlays
def test_prometheus_may_scrape_the_metrics_ports_and_nothing_else_comes_in(overlay: str) -> None:
    objects = rendered(overlay)
    for w in long_running(objects):
        annotations = w["spec"]["template"]["metadata"].get("annotations", {})
        pod, ports = _pods(overlay)[w["metadata"]["name"]]
        scraped = (
            {int(annotations["prometheus.io/port"])}
            if "prometheus.io/port" in annotations
            else set()
        )
        for port in ports:
            assert connects(objects, PROMETHEUS, pod, port) == (port in scraped), (
                object_id(w),
                port,
            )


@overlays
def test_the_services_accept_only_the_gateway_and_vllm_only_the_model_clients(overlay: str) -> None:
    objects, pods = rendered(overlay), _pods(overlay)
    for target in ("ingest", "inference", "trainer", "vllm"):
        pod, ports = pods[target]
        callers = {
            name
            for name, (source, _) in pods.items()
            if name != target and any(connects(objects, source, pod, p) for p in ports)
        }
        assert callers == ({"gateway"} if target != "vllm" else MODEL_CLIENTS), target


@overlays
def test_the_services_and_workers_reach_the_stores(overlay: str) -> None:
    objects, pods = rendered(overlay), _pods(overlay)
    qdrant = pods.get("qdrant")
    for w in workloads(objects):
        name, pod = w["metadata"]["name"], pods[w["metadata"]["name"]][0]
        if name in ("vllm", "qdrant"):
            assert not any(connects(objects, pod, INTERNET, p) for p in STORE_PORTS.values())
            continue
        needs = BEAT_STORES if name == "beat" else set(STORE_PORTS)
        for store, port in STORE_PORTS.items():
            reaches = connects(objects, pod, INTERNET, port)
            assert reaches == (store in needs), f"{name} reaches {store}: {reaches}"
        if qdrant is not None:  # the component's Qdrant, inside the namespace
            reaches = connects(objects, pod, qdrant[0], 6333)
            assert reaches == ("Qdrant" in needs), f"{name} reaches Qdrant: {reaches}"


def test_no_internal_route_is_forwarded_by_the_gateway() -> None:
    """NetworkPolicy cannot tell /internal/* from other paths of the inference port that the
    gateway may reach, so the gateway's route table must not name any."""
    assert ROUTES and not [r.path for r in ROUTES if r.path.startswith("/internal")]


# Availability, resources, probes.


def _replica_floor(objects: tuple[Obj, ...], workload: Obj) -> int:
    name = workload["metadata"]["name"]
    scaled = [
        so
        for so in of_kind(objects, "ScaledObject")
        if so["spec"]["scaleTargetRef"]["name"] == name
    ]
    if scaled:
        return int(scaled[0]["spec"].get("minReplicaCount", 0))
    return int(workload["spec"].get("replicas", 1))


@overlays
def test_every_workload_running_several_replicas_has_a_disruption_budget(overlay: str) -> None:
    objects = rendered(overlay)
    budgets = of_kind(objects, "PodDisruptionBudget")
    lacking = []
    for w in long_running(objects):
        floor = _replica_floor(objects, w)
        covering = [b for b in budgets if selects(b["spec"]["selector"], pod_labels(w))]
        if floor > 1 and not covering:
            lacking.append(object_id(w))
        for budget in covering:  # a budget that never lets a pod go blocks every node drain
            if budget["spec"].get("maxUnavailable", 1) == 0 or budget["spec"].get(
                "minAvailable", 0
            ) >= max(floor, 1):
                lacking.append(f"{object_id(budget)} blocks drains")
    assert lacking == []
    if overlay == "production":  # the overlay that runs several of the scaled pods
        assert {b["metadata"]["name"] for b in budgets} >= {
            "gateway",
            "inference",
            "vllm",
            "worker-cpu",
        }


@overlays
def test_every_container_has_requests_and_limits(overlay: str) -> None:
    def quantity(value: str | int) -> float:
        units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
        match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
        assert match, value
        return float(match[1]) * units.get(match[2], 1)

    lacking = []
    for w in workloads(rendered(overlay)):
        for where, c in containers(w):
            requests = c.get("resources", {}).get("requests", {})
            limits = c.get("resources", {}).get("limits", {})
            for kind in ("cpu", "memory"):
                if kind not in requests or kind not in limits:
                    lacking.append(f"{where}: {kind}")
                elif quantity(requests[kind]) > quantity(limits[kind]):
                    lacking.append(f"{where}: {kind} request above its limit")
            if requests.get("nvidia.com/gpu") != limits.get("nvidia.com/gpu"):
                lacking.append(f"{where}: GPU request and limit differ")
    assert lacking == []


@overlays
def test_every_long_running_container_has_startup_readiness_and_liveness_probes(
    overlay: str,
) -> None:
    lacking = []
    for w in long_running(rendered(overlay)):
        for where, c in containers(w):
            ports = {p.get("name") for p in c.get("ports", [])} | {
                p["containerPort"] for p in c.get("ports", [])
            }
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if probe not in c:
                    lacking.append(f"{where}: {probe}")
                elif "httpGet" in c[probe] and c[probe]["httpGet"]["port"] not in ports:
                    lacking.append(f"{where}: {probe} on an undeclared port")
            # The project's services: liveness on /healthz, readiness on /readyz.
            if c["image"].startswith("byosc/") and "httpGet" in c.get("readinessProbe", {}):
                paths = (
                    c["readinessProbe"]["httpGet"]["path"],
                    c["livenessProbe"]["httpGet"]["path"],
                )
                if paths != ("/readyz", "/healthz"):
                    lacking.append(f"{where}: probes on {paths}")
    assert lacking == []


# Images and credentials.


@overlays
def test_every_image_is_pinned(overlay: str) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    lacking = []
    for w in workloads(rendered(overlay)):
        for where, c in containers(w):
            name, _, tag = c["image"].rpartition(":")
            if "@sha256:" in c["image"]:
                continue
            if not name or "/" in tag or tag in ("", "latest"):
                lacking.append(f"{where}: {c['image']}")
            elif name.startswith("byosc/") and tag != version:
                lacking.append(f"{where}: {c['image']} is not the project's version {version}")
    assert lacking == []


CREDENTIAL_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS", re.I)
CREDENTIAL_IN_URL = re.compile(r"://[^/@\s]*:[^/@\s]+@")  # user:password@host


@overlays
def test_credentials_only_come_from_secrets(overlay: str) -> None:
    objects = rendered(overlay)
    found = []
    for config in of_kind(objects, "ConfigMap"):
        for key, value in config.get("data", {}).items():
            if CREDENTIAL_NAME.search(key) or CREDENTIAL_IN_URL.search(value):
                found.append(f"{object_id(config)}: {key}")
    for w in workloads(objects):
        for where, c in containers(w):
            for env in c.get("env", []):
                if "value" in env and (
                    CREDENTIAL_NAME.search(env["name"]) or CREDENTIAL_IN_URL.search(env["value"])
                ):
                    found.append(f"{where}: {env['name']}")
    # Secrets are made in the cluster, never committed with the manifests.
    found += [object_id(s) for s in of_kind(objects, "Secret")]
    assert found == []
    (auth,) = of_kind(objects, "TriggerAuthentication")
    assert {r["name"] for r in auth["spec"]["secretTargetRef"]} == {"byosc-secrets"}


def test_the_credential_checks_catch_a_password() -> None:
    assert CREDENTIAL_IN_URL.search("postgresql+psycopg://byosc:hunter2@db/byosc")
    assert not CREDENTIAL_IN_URL.search("redis://redis:6379/0")
    assert CREDENTIAL_NAME.search("BYOSC_S3__SECRET_ACCESS_KEY")


def test_production_reaches_the_gateway_over_tls_only() -> None:
    assert of_kind(rendered("base"), "Ingress") == []
    for overlay in ("production", "production-qdrant"):
        (ingress,) = of_kind(rendered(overlay), "Ingress")
        hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
        covered = {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]}
        assert (
            hosts and hosts <= covered and all(t.get("secretName") for t in ingress["spec"]["tls"])
        )
        backends = {
            p["backend"]["service"]["name"]
            for r in ingress["spec"]["rules"]
            for p in r["http"]["paths"]
        }
        assert backends == {"gateway"}
        assert (
            ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/ssl-redirect"] == "true"
        )


def test_qdrant_is_a_stateful_set_on_its_own_volume_only_with_its_component() -> None:
    assert "StatefulSet" not in {o["kind"] for o in rendered("production")}
    qdrant = named(rendered("production-qdrant"), "StatefulSet", "qdrant")
    (claim,) = qdrant["spec"]["volumeClaimTemplates"]
    (container,) = pod_spec(qdrant)["containers"]
    storage = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}[
        claim["metadata"]["name"]
    ]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["QDRANT__STORAGE__STORAGE_PATH"] == storage
    assert env["QDRANT__STORAGE__SNAPSHOTS_PATH"].startswith(storage + "/")
