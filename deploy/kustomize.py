"""Render a kustomize directory the way `kubectl kustomize` does, for the features k8s/ uses.

A fresh machine (and CI) has neither kubectl nor an API server, yet the tests must see the
objects an overlay really produces. Only the fields below are understood; any other field
of a kustomization raises `KustomizeError` naming it, so a manifest never silently means
something else here than in the cluster. `tests/unit/deploy/test_k8s_validate.py` compares
the result with `kubectl kustomize` where that binary exists.

Supported: `resources` (files and directories), `components`, `namespace`, `patches`
(JSON 6902 operations, inline or from a file, with a target), `images`, `labels`
(without selectors), `replacements` (a source field copied into target fields), and the
`config.kubernetes.io/local-config` annotation (such an object feeds replacements and is
left out of the output). Order as in kustomize: resources, then components, then this
directory's namespace, patches, labels, images and replacements.

Usage: `python deploy/kustomize.py k8s/overlays/production` prints the rendered YAML.
From a script: put deploy/ on sys.path and `from kustomize import render` (as bench/ and
deploy/ scripts import their neighbours; mypy checks deploy/ as top-level modules).
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import jsonpatch
import yaml

Obj = dict[str, Any]

KUSTOMIZATION = "kustomization.yaml"
SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "components",
    "namespace",
    "patches",
    "images",
    "labels",
    "replacements",
}
LOCAL_CONFIG = "config.kubernetes.io/local-config"
# Kinds without a namespace: the namespace transformer leaves them alone.
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "ClusterTriggerAuthentication",
}


class KustomizeError(ValueError):
    """A kustomization this renderer cannot render faithfully, or one that is wrong."""


def render(overlay: Path) -> list[Obj]:
    """The objects `kubectl kustomize overlay` prints, local-config objects left out."""
    objects = _build(Path(overlay), expect_kind="Kustomization")
    return [o for o in objects if _annotations(o).get(LOCAL_CONFIG) != "true"]


def object_id(obj: Obj) -> str:
    """`Kind/name` (with `namespace/` when set): how errors and tests name an object."""
    meta = obj.get("metadata", {})
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')}/{where}{meta.get('name')}"


def _build(directory: Path, expect_kind: str) -> list[Obj]:
    spec = _kustomization(directory, expect_kind)
    objects: list[Obj] = []
    for entry in spec.get("resources", []):
        objects += _resource(directory / entry)
    for entry in spec.get("components", []):
        objects = _apply_component(directory / entry, objects)
    return _transform(directory, spec, objects)


def _kustomization(directory: Path, expect_kind: str) -> Obj:
    path = directory / KUSTOMIZATION
    if not path.is_file():
        raise KustomizeError(f"{directory}: no {KUSTOMIZATION}")
    spec = yaml.safe_load(path.read_text()) or {}
    unknown = sorted(set(spec) - SUPPORTED)
    if unknown:
        raise KustomizeError(f"{path}: unsupported field(s) {', '.join(unknown)}")
    kind = spec.get("kind", "Kustomization")
    if kind != expect_kind:
        raise KustomizeError(f"{path}: kind {kind}, expected {expect_kind}")
    return spec


def _resource(path: Path) -> list[Obj]:
    if path.is_dir():
        return _build(path, expect_kind="Kustomization")
    if not path.is_file():
        raise KustomizeError(f"resource {path} does not exist")
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc or "metadata" not in doc:
            raise KustomizeError(f"{path}: a document without kind or metadata")
    return docs


def _apply_component(directory: Path, objects: list[Obj]) -> list[Obj]:
    """A component adds its resources to what includes it, then transforms the whole."""
    spec = _kustomization(directory, expect_kind="Component")
    for entry in spec.get("resources", []):
        objects = objects + _resource(directory / entry)
    for entry in spec.get("components", []):
        objects = _apply_component(directory / entry, objects)
    return _transform(directory, spec, objects)


def _transform(directory: Path, spec: Obj, objects: list[Obj]) -> list[Obj]:
    objects = copy.deepcopy(objects)
    if "namespace" in spec:
        _set_namespace(objects, spec["namespace"])
    for patch in spec.get("patches", []):
        _patch(directory, patch, objects)
    for label in spec.get("labels", []):
        _label(label, objects)
    for image in spec.get("images", []):
        _set_image(image, objects)
    for replacement in spec.get("replacements", []):
        _replace(replacement, objects)
    _check_unique(objects, directory)
    return objects


def _check_unique(objects: list[Obj], directory: Path) -> None:
    seen: set[str] = set()
    for obj in objects:
        key = object_id(obj)
        if key in seen:
            raise KustomizeError(f"{directory}: {key} is defined twice")
        seen.add(key)


def _annotations(obj: Obj) -> dict[str, str]:
    return obj.get("metadata", {}).get("annotations") or {}


def _set_namespace(objects: list[Obj], namespace: str) -> None:
    for obj in objects:
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = namespace
        elif obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace


def _matches(obj: Obj, target: Obj) -> bool:
    unknown = set(target) - {"kind", "name", "namespace", "group", "version"}
    if unknown:
        raise KustomizeError(f"patch target: unsupported field(s) {', '.join(sorted(unknown))}")
    group, _, version = obj.get("apiVersion", "").rpartition("/")
    wanted = {
        "kind": obj["kind"],
        "name": obj["metadata"].get("name"),
        "namespace": obj["metadata"].get("namespace"),
        "group": group,
        "version": version,
    }
    return all(re.fullmatch(str(value), str(wanted[key] or "")) for key, value in target.items())


def _patch(directory: Path, patch: Obj, objects: list[Obj]) -> None:
    unknown = set(patch) - {"patch", "path", "target"}
    if unknown or "target" not in patch:
        raise KustomizeError(f"{directory}: a patch needs a target; unsupported {unknown or ''}")
    text = patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text()
    operations = yaml.safe_load(text)
    if not isinstance(operations, list):
        raise KustomizeError(
            f"{directory}: only JSON 6902 patches (a list of operations) are supported"
        )
    hits = [i for i, obj in enumerate(objects) if _matches(obj, patch["target"])]
    if not hits:
        raise KustomizeError(f"{directory}: patch target {patch['target']} matches nothing")
    for i in hits:
        try:
            objects[i] = jsonpatch.apply_patch(objects[i], operations)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            raise KustomizeError(f"{directory}: patch on {object_id(objects[i])}: {exc}") from exc


def _label(label: Obj, objects: list[Obj]) -> None:
    unknown = set(label) - {"pairs", "includeSelectors", "includeTemplates"}
    if unknown or label.get("includeSelectors"):
        raise KustomizeError(f"labels: only pairs and includeTemplates are supported: {label}")
    for obj in objects:
        obj["metadata"].setdefault("labels", {}).update(label["pairs"])
        template = obj.get("spec", {}).get("template") if label.get("includeTemplates") else None
        if isinstance(template, dict) and "metadata" in template:
            template["metadata"].setdefault("labels", {}).update(label["pairs"])


def _containers(node: Any) -> list[Obj]:
    """Every container and init container anywhere in an object (pod templates nest)."""
    found: list[Obj] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                found += [c for c in value if isinstance(c, dict)]
            else:
                found += _containers(value)
    elif isinstance(node, list):
        for item in node:
            found += _containers(item)
    return found


def _image_name(image: str) -> str:
    name = image.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":")[0]


def _set_image(image: Obj, objects: list[Obj]) -> None:
    unknown = set(image) - {"name", "newName", "newTag", "digest"}
    if unknown:
        raise KustomizeError(f"images: unsupported field(s) {', '.join(sorted(unknown))}")
    for obj in objects:
        for container in _containers(obj.get("spec")):
            current = container.get("image", "")
            if _image_name(current) != image["name"]:
                continue
            name = image.get("newName", image["name"])
            tag = current[len(_image_name(current)) :]
            if "digest" in image:
                tag = f"@{image['digest']}"
            elif "newTag" in image:
                tag = f":{image['newTag']}"
            container["image"] = name + tag


_STEP = re.compile(r"\[(?P<key>[^=\]]+)=(?P<value>[^\]]*)\]|(?P<field>[^.\[\]]+)")


def _steps(field_path: str) -> list[str | tuple[str, str]]:
    steps: list[str | tuple[str, str]] = []
    for match in _STEP.finditer(field_path):
        steps.append(match["field"] or (match["key"], match["value"]))
    return steps


def _walk(node: Any, steps: list[str | tuple[str, str]], path: str) -> list[Any]:
    """The parents of the last step, one per list item that matched a `[key=value]` step."""
    nodes = [node]
    for step in steps[:-1]:
        following: list[Any] = []
        for current in nodes:
            if isinstance(step, tuple):
                if not isinstance(current, list):
                    raise KustomizeError(f"replacement: {path}: not a list at {step}")
                following += [i for i in current if str(i.get(step[0])) == step[1]]
            elif isinstance(current, dict) and step in current:
                following.append(current[step])
            elif isinstance(current, list) and step.isdigit() and int(step) < len(current):
                following.append(current[int(step)])
        nodes = following
    return nodes


def _replace(replacement: Obj, objects: list[Obj]) -> None:
    source = replacement["source"]
    origins = [o for o in objects if _matches(o, _selector(source))]
    if len(origins) != 1:
        raise KustomizeError(f"replacement source {source} matches {len(origins)} objects")
    origin = origins[0]
    steps = _steps(source["fieldPath"])
    (parent,) = _walk(origin, steps, source["fieldPath"]) or [None]
    value = parent.get(steps[-1]) if isinstance(parent, dict) else None
    if value is None:
        raise KustomizeError(f"replacement: {object_id(origin)} has no {source['fieldPath']}")
    for target in replacement["targets"]:
        hits = [o for o in objects if _matches(o, _selector(target["select"]))]
        for obj in hits:
            for field_path in target["fieldPaths"]:
                steps = _steps(field_path)
                parents = _walk(obj, steps, field_path)
                if not parents:
                    raise KustomizeError(f"replacement: {object_id(obj)} has no {field_path}")
                for parent in parents:
                    parent[steps[-1]] = copy.deepcopy(value)


def _selector(selector: Obj) -> Obj:
    return {k: v for k, v in selector.items() if k != "fieldPath"}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python deploy/kustomize.py DIRECTORY", file=sys.stderr)
        return 2
    print(yaml.safe_dump_all(render(Path(argv[0])), sort_keys=False), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
