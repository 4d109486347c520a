"""The objects each k8s/ overlay renders to (deploy/kustomize.py, the same output as
`kubectl kustomize`), and ways to look into them, for the manifest tests."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from deploy.kustomize import object_id, render

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "k8s"
# Every overlay a cluster may be given, and the base they share.
OVERLAYS = {
    "base": K8S / "base",
    "production": K8S / "overlays" / "production",
    "production-qdrant": K8S / "overlays" / "production-qdrant",
}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
# Secrets the manifests use but do not hold: created in the cluster (config.yaml, and the
# production overlay's ingress.yaml), never committed.
EXTERNAL_SECRETS = {"byosc-secrets", "byosc-tls"}

Obj = dict[str, Any]


@functools.cache
def rendered(overlay: str) -> tuple[Obj, ...]:
    return tuple(render(OVERLAYS[overlay]))


def of_kind(objects: tuple[Obj, ...], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: tuple[Obj, ...], kind: str, name: str) -> Obj:
    (found,) = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    return found


def workloads(objects: tuple[Obj, ...]) -> list[Obj]:
    return [o for o in objects if o["kind"] in WORKLOAD_KINDS]


def long_running(objects: tuple[Obj, ...]) -> list[Obj]:
    """Workloads whose pods are meant to stay up (not run-to-completion Jobs)."""
    return [o for o in workloads(objects) if o["kind"] != "Job"]


def pod_spec(workload: Obj) -> Obj:
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def pod_labels(workload: Obj) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def containers(workload: Obj) -> Iterator[tuple[str, Obj]]:
    """(`Kind/namespace/name container`, container) for every container of the pod."""
    spec = pod_spec(workload)
    for container in spec.get("initContainers", []) + spec["containers"]:
        yield f"{object_id(workload)} container {container['name']}", container


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and In/NotIn/Exists expressions) picks labels."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        ok = {
            "In": labels.get(key) in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not ok:
            return False
    return True
