"""docker-compose and Kubernetes files can't run here (no container engine, no API server), so
these tests check what would break them: settings they set, modules they start, references
between them. Kubernetes objects are those the overlays render to (k8s_objects.py)."""

from __future__ import annotations

import importlib.util
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from byosc.jobs.settings import QUEUES, QueueName, QueueSettings
from byosc.settings import Settings
from byosc.training.artifacts import LocalArtifactStore, artifact_store
from tests.unit.deploy.k8s_objects import (
    OVERLAYS,
    containers,
    named,
    rendered,
    workloads,
)

ROOT = Path(__file__).resolve().parents[3]
K8S_BASE = ROOT / "k8s" / "base"


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _k8s_docs() -> list[dict[str, Any]]:
    return list(rendered("base"))


def _kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in _k8s_docs() if d["kind"] == kind]


def _settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value.replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "pw"))
    return Settings()


def _assert_known_settings(env: dict[str, str]) -> None:
    """pydantic-settings ignores unknown variables, so a typo would silently do nothing."""
    for key in env:
        assert key.startswith("BYOSC_"), key
        node: Any = Settings
        for part in key.removeprefix("BYOSC_").lower().split("__"):
            fields = node.model_fields
            assert part in fields, f"{key}: no setting {part!r}"
            node = fields[part].annotation


def _containers(kind: str) -> list[dict[str, Any]]:
    return [c for d in _kind(kind) for c in d["spec"]["template"]["spec"]["containers"]]


def _commands() -> list[list[str]]:
    compose = [s["command"] for s in _compose()["services"].values() if "command" in s]
    k8s = [
        c["command"]
        for overlay in OVERLAYS
        for w in workloads(rendered(overlay))
        for _, c in containers(w)
        if "command" in c
    ]
    return [c for c in compose + k8s if c[0] in ("python", "byosc")]


def _config_map() -> dict[str, Any]:
    return named(rendered("base"), "ConfigMap", "byosc-config")


def _k8s_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    config = _config_map()
    secret = {"BYOSC_DATABASE__URL": "postgresql+psycopg://u:p@db/byosc"}
    return _settings_from({**config["data"], **secret, **env}, monkeypatch)


def _deployment(name: str) -> dict[str, Any]:
    (found,) = [d for d in _kind("Deployment") if d["metadata"]["name"] == name]
    return found


def test_compose_sets_only_settings_that_exist_and_they_validate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = _compose()["x-byosc-env"]
    _assert_known_settings(env)
    settings = _settings_from(env, monkeypatch)
    assert settings.profile == "compose" and settings.index.kind == "qdrant"


def test_the_k8s_config_map_sets_only_settings_that_exist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _config_map()
    _assert_known_settings(config["data"])
    secret = {"BYOSC_DATABASE__URL": "postgresql+psycopg://u:p@db/byosc"}
    assert _settings_from({**config["data"], **secret}, monkeypatch).profile == "k8s"


def test_every_container_command_starts_something_that_exists() -> None:
    commands = _commands()
    assert commands
    for command in commands:
        if command[0] == "python":
            module = command[command.index("-m") + 1]
            assert importlib.util.find_spec(module) is not None, command
        else:
            from cli.main import app

            names = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
            groups = {g.name: g.typer_instance for g in app.registered_groups}
            assert command[1] in names | set(groups), command
            if command[1] in groups:  # `byosc db upgrade`: the group's command exists too
                group = groups[command[1]]
                assert group is not None
                sub = {
                    c.name or c.callback.__name__ for c in group.registered_commands if c.callback
                }
                assert command[2] in sub, command


def test_compose_builds_only_install_extras_that_exist() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for name, service in _compose()["services"].items():
        if "build" in service:
            assert service["build"]["args"]["EXTRA"] in extras, name


def test_kustomization_lists_every_base_manifest() -> None:
    listed = set(yaml.safe_load((K8S_BASE / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S_BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_gpu_workloads_request_a_gpu_and_land_on_the_gpu_pool() -> None:
    for d in _kind("Deployment"):
        spec = d["spec"]["template"]["spec"]
        wants_gpu = any(
            "nvidia.com/gpu" in c.get("resources", {}).get("limits", {}) for c in spec["containers"]
        )
        on_gpu_pool = spec.get("nodeSelector", {}).get("byosc.io/pool") == "gpu"
        assert wants_gpu == on_gpu_pool, d["metadata"]["name"]
    names = {
        d["metadata"]["name"]
        for d in _kind("Deployment")
        if "nodeSelector" in d["spec"]["template"]["spec"]
    }
    assert names == {"vllm", "worker-transcribe", "worker-train"}


def _worker_queues(container: dict[str, Any]) -> list[QueueName] | None:
    command = container.get("command", [])
    if command[:2] != ["byosc", "worker"]:
        return None
    given = command[command.index("--queues") + 1] if "--queues" in command else None
    return QueueSettings.model_validate({} if given is None else {"queues": given}).queues


def test_every_queue_is_consumed_by_exactly_one_worker_deployment_of_its_own() -> None:
    consumers: Counter[str] = Counter()
    for d in _kind("Deployment"):
        for container in d["spec"]["template"]["spec"]["containers"]:
            queues = _worker_queues(container)
            if queues is not None:
                assert queues == [d["metadata"]["name"].removeprefix("worker-")], queues
                consumers.update({q: 1 for q in queues})
    assert dict(consumers) == {q: 1 for q in QUEUES}


def test_the_train_and_transcribe_workers_run_one_task_at_a_time_on_the_gpu_pool() -> None:
    for name, queue, image in (
        ("worker-transcribe", "transcribe", "byosc/ingest"),
        ("worker-train", "train", "byosc/gpu-worker"),
    ):
        (container,) = _deployment(name)["spec"]["template"]["spec"]["containers"]
        assert _worker_queues(container) == [queue]
        command = container["command"]
        assert command[command.index("--concurrency") + 1] == "1", name
        assert container["image"].split(":")[0] == image, name


def test_a_migration_job_upgrades_the_schema_from_the_gateway_image() -> None:
    (job,) = [j for j in _kind("Job") if j["metadata"]["name"] == "byosc-migrate"]
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["command"] == ["byosc", "db", "upgrade"]
    assert container["image"].split(":")[0] == "byosc/gateway"
    assert {"byosc-config", "byosc-secrets"} == {
        next(iter(ref.values()))["name"] for ref in container["envFrom"]
    }
    assert spec["restartPolicy"] in {"Never", "OnFailure"}
    # Only the Job changes the schema: every Deployment starts against it as it is.
    commands = [c.get("command", []) for c in _containers("Deployment")]
    assert commands and not any(c[1:3] == ["db", "upgrade"] for c in commands)


def test_inference_reads_the_artifact_store_the_train_worker_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def data_mount(name: str) -> tuple[str, dict[str, Any]]:
        spec = _deployment(name)["spec"]["template"]["spec"]
        volumes = {
            v["name"]: v["persistentVolumeClaim"]
            for v in spec["volumes"]
            if "persistentVolumeClaim" in v
        }
        (container,) = spec["containers"]
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/data"]
        return mount["mountPath"], {**volumes[mount["name"]], **mount}

    settings = _k8s_settings(monkeypatch)
    store = artifact_store(settings.training, settings.data_path)
    assert isinstance(store, LocalArtifactStore)
    read_path, read = data_mount("inference")
    write_path, write = data_mount("worker-train")
    assert read["claimName"] == write["claimName"] == "byosc-data"
    assert read_path == write_path and store.root.is_relative_to(read_path)
    assert read.get("readOnly") is True and not write.get("readOnly")


def _redis_db(url: str | None) -> tuple[str, str]:
    assert url is not None and url.startswith("redis://"), url
    server, _, db = url.removeprefix("redis://").partition("/")
    return server, db or "0"


def test_gateway_replicas_share_rate_limits_in_a_redis_db_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compose_env = _compose()["services"]["gateway"]["environment"]
    config = _config_map()
    secret = {"BYOSC_DATABASE__URL": "postgresql+psycopg://u:p@db/byosc"}
    for env in (compose_env, {**config["data"], **secret}):
        _assert_known_settings(env)
        settings = _settings_from(env, monkeypatch)
        server, db = _redis_db(settings.gateway.rate_limits.redis_url)
        celery = {_redis_db(settings.queue.broker_url), _redis_db(settings.queue.result_backend)}
        assert server in {s for s, _ in celery}  # the Redis the stack already runs
        assert (server, db) not in celery


def test_the_gateway_image_carries_the_redis_client_and_no_torch() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert _compose()["services"]["gateway"]["build"]["args"]["EXTRA"] == "gateway"
    assert "ARG EXTRA=gateway" in (ROOT / "Dockerfile").read_text()  # k8s builds the default
    assert any(d.startswith("redis") for d in extras["gateway"])
    assert not any(d.startswith(("torch", "byosc[")) for d in extras["gateway"])
