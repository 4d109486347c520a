"""Every reference in the rendered manifests resolves: what a pod names (claims, ConfigMaps,
Secrets, volumes, service accounts), what other objects point at (Services, ScaledObjects
and their authentication, disruption budgets, NetworkPolicies, the Ingress), the addresses
in byosc-config, and the variables containers set, which must be real settings."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

import pytest

from deploy.kustomize import object_id
from tests.unit.deploy.k8s_objects import (
    EXTERNAL_SECRETS,
    OVERLAYS,
    containers,
    named,
    of_kind,
    pod_labels,
    pod_spec,
    rendered,
    selects,
    workloads,
)
from tests.unit.deploy.test_manifests import _assert_known_settings

# Variables set on containers that are not BYOSC settings: the libraries' own.
FOREIGN_ENV = {
    "HOME",
    "XDG_CACHE_HOME",
    "HF_HUB_OFFLINE",
    "VLLM_ALLOW_RUNTIME_LORA_UPDATING",
    "VLLM_PLUGINS",
    "VLLM_LORA_RESOLVER_CACHE_DIR",
    "VLLM_NO_USAGE_STATS",
    "VLLM_CACHE_ROOT",
    "QDRANT__STORAGE__STORAGE_PATH",
    "QDRANT__STORAGE__SNAPSHOTS_PATH",
    "QDRANT_INIT_FILE_PATH",
    "QDRANT__TELEMETRY_DISABLED",
}


def _names(objects: tuple[dict[str, Any], ...], kind: str) -> set[str]:
    return {o["metadata"]["name"] for o in of_kind(objects, kind)}


def _dangling_in_pods(objects: tuple[dict[str, Any], ...]) -> list[str]:
    """Claims, ConfigMaps, Secrets, volumes and service accounts a pod names that do not
    exist, each as `<object or container>: <kind> <name>`."""
    claims = _names(objects, "PersistentVolumeClaim")
    maps, secrets = _names(objects, "ConfigMap"), _names(objects, "Secret") | EXTERNAL_SECRETS
    accounts = _names(objects, "ServiceAccount") | {"default"}
    found = []
    for w in workloads(objects):
        spec = pod_spec(w)
        templates = {t["metadata"]["name"] for t in w["spec"].get("volumeClaimTemplates", [])}
        volumes = {v["name"] for v in spec.get("volumes", [])} | templates
        refs = [("serviceAccount", spec.get("serviceAccountName", "default"), accounts)]
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                refs.append(("claim", volume["persistentVolumeClaim"]["claimName"], claims))
            if "configMap" in volume:
                refs.append(("configMap", volume["configMap"]["name"], maps))
            if "secret" in volume:
                refs.append(("secret", volume["secret"]["secretName"], secrets))
        found += [f"{object_id(w)}: {kind} {n}" for kind, n, known in refs if n not in known]
        for where, c in containers(w):
            refs = [("volume", m["name"], volumes) for m in c.get("volumeMounts", [])]
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    refs.append(("configMap", source["configMapRef"]["name"], maps))
                if "secretRef" in source:
                    refs.append(("secret", source["secretRef"]["name"], secrets))
            found += [f"{where}: {kind} {n}" for kind, n, known in refs if n not in known]
    return found


def _dangling_between_objects(objects: tuple[dict[str, Any], ...]) -> list[str]:
    """Services, autoscalers, budgets, policies and the Ingress that point at nothing."""
    pods = {w["metadata"]["name"]: w for w in workloads(objects)}
    labels = [pod_labels(w) for w in pods.values()]
    ports = {
        (w["metadata"]["name"], p.get("name", p["containerPort"]))
        for w in pods.values()
        for _, c in containers(w)
        for p in c.get("ports", [])
    }
    found = []
    for service in of_kind(objects, "Service"):
        name, selector = service["metadata"]["name"], {"matchLabels": service["spec"]["selector"]}
        targets = [w for w, ls in zip(pods, labels, strict=True) if selects(selector, ls)]
        if not targets:
            found.append(f"Service {name} selects no pod")
            continue
        for port in service["spec"]["ports"]:
            if not any((t, port["targetPort"]) in ports for t in targets):
                found.append(f"Service {name}: no pod port {port['targetPort']}")
    auths = _names(objects, "TriggerAuthentication")
    for so in of_kind(objects, "ScaledObject"):
        if so["spec"]["scaleTargetRef"]["name"] not in pods:
            found.append(f"ScaledObject {so['metadata']['name']}: no target")
        for trigger in so["spec"]["triggers"]:
            ref = trigger.get("authenticationRef", {}).get("name")
            if ref is not None and ref not in auths:
                found.append(f"ScaledObject {so['metadata']['name']}: no {ref}")
    for auth in of_kind(objects, "TriggerAuthentication"):
        for ref in auth["spec"].get("secretTargetRef", []):
            if ref["name"] not in _names(objects, "Secret") | EXTERNAL_SECRETS:
                found.append(f"TriggerAuthentication {auth['metadata']['name']}: {ref['name']}")
    for kind, selector_of in (
        ("PodDisruptionBudget", lambda o: o["spec"]["selector"]),
        ("NetworkPolicy", lambda o: o["spec"]["podSelector"]),
    ):
        for o in of_kind(objects, kind):
            selector = selector_of(o)
            if selector and not any(selects(selector, ls) for ls in labels):
                found.append(f"{kind} {o['metadata']['name']} selects no pod")
    services = {s["metadata"]["name"]: s for s in of_kind(objects, "Service")}
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                names = {
                    p.get("name")
                    for p in services.get(backend["name"], {"spec": {"ports": []}})["spec"]["ports"]
                }
                if backend["port"].get("name") not in names:
                    found.append(f"Ingress {ingress['metadata']['name']}: {backend}")
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_reference_between_objects_resolves(overlay: str) -> None:
    objects = rendered(overlay)
    assert _dangling_in_pods(objects) + _dangling_between_objects(objects) == []
    # KEDA makes the autoscaler of each ScaledObject: one of our own would fight it.
    assert of_kind(objects, "HorizontalPodAutoscaler") == []


def test_a_reference_to_nothing_is_named() -> None:
    objects = tuple(copy.deepcopy(o) for o in rendered("base"))
    spec = pod_spec(named(objects, "Deployment", "ingest"))
    spec["volumes"][0]["persistentVolumeClaim"]["claimName"] = "byosc-dta"
    named(objects, "Service", "trainer")["spec"]["selector"] = {"app": "trainr"}
    assert _dangling_in_pods(objects) == ["Deployment/byosc/ingest: claim byosc-dta"]
    assert _dangling_between_objects(objects) == ["Service trainer selects no pod"]


def test_the_config_map_addresses_services_that_exist_on_their_ports() -> None:
    for overlay in OVERLAYS:
        objects = rendered(overlay)
        services = {
            s["metadata"]["name"]: {p["port"] for p in s["spec"]["ports"]}
            for s in of_kind(objects, "Service")
        }
        data = named(objects, "ConfigMap", "byosc-config")["data"]
        for key in ("BYOSC_SERVICES__INGEST", "BYOSC_SERVICES__INFERENCE", "BYOSC_LLM__BASE_URL"):
            url = urlsplit(data[key])
            assert url.port in services.get(url.hostname or "", set()), (overlay, key)
        # Qdrant is a Service only with the component; otherwise an external name.
        index = urlsplit(data["BYOSC_INDEX__URL"])
        assert (index.hostname in services) == (overlay == "production-qdrant"), overlay


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_containers_set_only_settings_that_exist(overlay: str) -> None:
    for w in workloads(rendered(overlay)):
        for where, c in containers(w):
            env = {e["name"]: e.get("value", "") for e in c.get("env", [])}
            foreign = {k for k in env if not k.startswith("BYOSC_")}
            assert foreign <= FOREIGN_ENV, (where, foreign - FOREIGN_ENV)
            _assert_known_settings({k: v for k, v in env.items() if k not in foreign})
