"""Every object every overlay renders is valid for the API server that would receive it:
Kubernetes kinds against Kubernetes' own OpenAPI schemas (kubernetes-validate, strict: an
unknown field is an error), KEDA's against deploy/schemas/keda.json. No API server runs
here, so this is the check `kubectl apply --dry-run=server` would make. A failure names
the object (Kind/namespace/name) and the field."""

from __future__ import annotations

import copy
import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from deploy.kustomize import KustomizeError, object_id, render
from tests.unit.deploy.k8s_objects import OVERLAYS, ROOT, named, of_kind, rendered

# The oldest Kubernetes the manifests must suit, and the newest the package knows.
KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())
KEDA_SCHEMA = ROOT / "deploy" / "schemas" / "keda.json"
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}

Obj = dict[str, Any]

# kubernetes-validate reads its two schema files from disk again for every object: read
# each once (the schemas are only read, never changed), which makes the checks 5x faster.
kubernetes_validate.utils.schema_contents = functools.cache(
    kubernetes_validate.utils.schema_contents
)


def _dotted(path: Any) -> str:
    return ".".join(str(p) for p in path) or "(the object)"


@functools.cache
def _keda_validator(kind: str) -> jsonschema.Draft202012Validator:
    defs = json.loads(KEDA_SCHEMA.read_text())["$defs"]
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": defs})


def problems(obj: Obj, version: str = KUBERNETES_VERSIONS[0]) -> list[str]:
    """`Kind/namespace/name: field: what is wrong`, one line per problem; none: valid."""
    kind = obj.get("kind")
    if kind in KEDA_KINDS:
        found = [
            f"{object_id(obj)}: {_dotted(e.absolute_path)}: {e.message}"
            for e in _keda_validator(kind).iter_errors(obj)
        ]
        behavior = obj.get("spec", {}).get("advanced", {}).get("horizontalPodAutoscalerConfig")
        if behavior and "behavior" in behavior:  # KEDA hands it to the HPA it makes
            found += _hpa_behavior_problems(obj, behavior["behavior"], version)
        return found
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{object_id(obj)}: {_dotted(e.path)}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{object_id(obj)}: no schema for {obj.get('apiVersion')} {kind}"]
    return []


def _hpa_behavior_problems(obj: Obj, behavior: Obj, version: str) -> list[str]:
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "keda"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "x"},
            "maxReplicas": 1,
            "behavior": behavior,
        },
    }
    where = "spec.advanced.horizontalPodAutoscalerConfig.behavior"
    try:
        kubernetes_validate.validate(hpa, version, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{object_id(obj)}: {where}.{_dotted(list(e.path)[2:])}: {e.message}"]
    return []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates(overlay: str, version: str) -> None:
    objects = rendered(overlay)
    assert objects
    assert [p for obj in objects for p in problems(obj, version)] == []


def test_an_invalid_kubernetes_field_is_named_with_its_object() -> None:
    gateway = copy.deepcopy(named(rendered("base"), "Deployment", "gateway"))
    gateway["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] = "yes"
    gateway["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    (problem,) = problems(gateway)
    assert problem.startswith("Deployment/byosc/gateway: spec.template.spec.containers.0")
    assert "readinesProbe" in problem or "runAsNonRoot" in problem


def test_an_invalid_keda_field_is_named_with_its_object() -> None:
    vllm = copy.deepcopy(named(rendered("base"), "ScaledObject", "vllm"))
    vllm["spec"]["triggers"][0]["metadata"]["threshold"] = 5  # KEDA's metadata is strings
    vllm["spec"]["minReplicaCount"] = -1
    del vllm["spec"]["triggers"][1]["metadata"]["query"]
    vllm["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"][
        "stabilizationWindowSeconds"
    ] = "10m"
    found = problems(vllm)
    assert (
        "ScaledObject/byosc/vllm: spec.triggers.0.metadata.threshold: 5 is not of type 'string'"
        in found
    )
    assert any(p.startswith("ScaledObject/byosc/vllm: spec.minReplicaCount:") for p in found)
    assert any("spec.triggers.1.metadata: 'query' is a required property" in p for p in found)
    assert any(
        "horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds" in p
        for p in found
    )


def test_a_redis_trigger_needs_its_list_and_an_address() -> None:
    worker = copy.deepcopy(named(rendered("base"), "ScaledObject", "worker-cpu"))
    metadata = worker["spec"]["triggers"][0]["metadata"]
    del metadata["address"], metadata["listName"]
    found = problems(worker)
    assert any("'listName' is a required property" in p for p in found), found
    assert any(
        p.startswith("ScaledObject/byosc/worker-cpu: spec.triggers.0.metadata") for p in found
    )
    assert len(found) == 2  # the list, and one of address / addressFromEnv / host and port


def test_a_kind_without_a_schema_is_refused() -> None:
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert problems(unknown) == ["Widget/w: no schema for example.com/v1 Widget"]


def test_the_scaled_objects_and_their_authentication_are_checked_in_every_overlay() -> None:
    for overlay in OVERLAYS:
        kinds = {o["kind"] for o in rendered(overlay)}
        assert kinds >= KEDA_KINDS, overlay


# The renderer: faithful to kustomize for what k8s/ uses, loud about the rest.


def _kustomization(tmp_path: Path, spec: Obj, resources: dict[str, Any]) -> Path:
    for name, docs in resources.items():
        (tmp_path / name).write_text(yaml.safe_dump_all(docs))
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(spec))
    return tmp_path


CONFIG = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}


def test_a_kustomization_field_the_renderer_does_not_know_is_refused(tmp_path: Path) -> None:
    spec = {"resources": ["c.yaml"], "commonLabels": {"a": "b"}}
    with pytest.raises(KustomizeError, match=r"unsupported field.*commonLabels"):
        render(_kustomization(tmp_path, spec, {"c.yaml": [CONFIG]}))


def test_a_patch_that_matches_nothing_or_fails_is_refused(tmp_path: Path) -> None:
    missing = {"target": {"kind": "ConfigMap", "name": "other"}, "patch": "[]"}
    spec = {"resources": ["c.yaml"], "patches": [missing]}
    with pytest.raises(KustomizeError, match="matches nothing"):
        render(_kustomization(tmp_path, spec, {"c.yaml": [CONFIG]}))
    wrong = {"target": {"kind": "ConfigMap"}, "patch": "[{op: replace, path: /data/b, value: 2}]"}
    spec = {"resources": ["c.yaml"], "patches": [wrong]}
    with pytest.raises(KustomizeError, match="ConfigMap/c"):
        render(_kustomization(tmp_path, spec, {"c.yaml": [CONFIG]}))


def test_patches_namespace_and_images_apply_as_in_kustomize(tmp_path: Path) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "byosc/gateway"}]},
    }
    spec = {
        "namespace": "n",
        "resources": ["r.yaml"],
        "images": [{"name": "byosc/gateway", "newTag": "1.2"}],
        "patches": [
            {"target": {"kind": "ConfigMap"}, "patch": "[{op: add, path: /data/b, value: x}]"}
        ],
    }
    objects = render(_kustomization(tmp_path, spec, {"r.yaml": [CONFIG, pod]}))
    config, rendered_pod = objects
    assert config["metadata"]["namespace"] == "n" and config["data"] == {"a": "1", "b": "x"}
    assert rendered_pod["spec"]["containers"][0]["image"] == "byosc/gateway:1.2"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_renderer_agrees_with_kubectl_kustomize(overlay: str) -> None:
    """Where kubectl exists, its kustomize renders every overlay to the very same objects."""
    done = subprocess.run(
        ["kubectl", "kustomize", str(OVERLAYS[overlay])],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    theirs = {object_id(o): o for o in yaml.safe_load_all(done.stdout) if o}
    ours = {object_id(o): o for o in rendered(overlay)}
    assert sorted(ours) == sorted(theirs)
    assert [k for k in ours if ours[k] != theirs[k]] == []


def test_the_local_address_settings_never_reach_the_cluster() -> None:
    for overlay in OVERLAYS:
        names = {o["metadata"]["name"] for o in of_kind(rendered(overlay), "ConfigMap")}
        assert names == {"byosc-config"}, overlay
