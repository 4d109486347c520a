"""The autoscaling rules of k8s/: each ScaledObject watches what saturates its workload, its
metrics are ones that really exist (exported by the services, written by Celery to Redis),
and its bounds agree with the settings the pods run with."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import sqlalchemy as sa
from celery import Celery
from prometheus_client import CollectorRegistry

from byosc.catalog.sql import metadata
from byosc.domain.jobs import JobKind
from byosc.jobs.settings import QUEUES
from byosc.settings import Settings
from services.common.jobqueue import LIMIT_OF, QUEUE_OF, CeleryJobQueue, configure_celery
from services.ingest.metrics import JobsCollector
from tests.support.jobs import REDIS_URL
from tests.unit.deploy.k8s_objects import (
    OVERLAYS,
    containers,
    named,
    of_kind,
    pod_spec,
    rendered,
)

Obj = dict[str, Any]
SCALED = {"gateway", "inference", "vllm", *(f"worker-{q}" for q in QUEUES)}
GPU_WORKERS = {"worker-transcribe", "worker-train"}
# A Redis database no other test uses: the broker the list-name test sends to.
LIST_TEST_DB = 15


def _scaled(overlay: str, name: str) -> Obj:
    return named(rendered(overlay), "ScaledObject", name)


def _triggers(overlay: str, name: str, kind: str) -> list[Obj]:
    return [t for t in _scaled(overlay, name)["spec"]["triggers"] if t["type"] == kind]


def _settings(overlay: str, monkeypatch: pytest.MonkeyPatch, deployment: str) -> Settings:
    """The settings a container of `deployment` starts with: byosc-config, its own env,
    and a database URL standing in for the Secret."""
    objects = rendered(overlay)
    (container,) = pod_spec(named(objects, "Deployment", deployment))["containers"]
    env = {
        **named(objects, "ConfigMap", "byosc-config")["data"],
        **{e["name"]: e["value"] for e in container.get("env", []) if "value" in e},
        "BYOSC_DATABASE__URL": "postgresql+psycopg://u:p@db/byosc",
    }
    for key, value in env.items():
        if key.startswith("BYOSC_"):
            monkeypatch.setenv(key, value)
    return Settings()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_scaled_workload_has_one_scaled_object_with_sane_bounds(overlay: str) -> None:
    objects = rendered(overlay)
    targets = [so["spec"]["scaleTargetRef"]["name"] for so in of_kind(objects, "ScaledObject")]
    assert sorted(targets) == sorted(SCALED)
    for so in of_kind(objects, "ScaledObject"):
        spec, name = so["spec"], so["metadata"]["name"]
        assert 0 <= spec["minReplicaCount"] <= spec["maxReplicaCount"], name
        # Only the GPU workers go to zero: chat and documents must always find a pod.
        assert (spec["minReplicaCount"] == 0) == (name in GPU_WORKERS), name
        # KEDA owns the count: a fixed replicas would be reapplied over it.
        assert "replicas" not in named(objects, "Deployment", name)["spec"], name


def test_production_bounds_are_at_least_the_base_ones() -> None:
    for name in SCALED:
        base, prod = _scaled("base", name)["spec"], _scaled("production", name)["spec"]
        assert prod["minReplicaCount"] >= base["minReplicaCount"], name
        assert prod["maxReplicaCount"] >= base["maxReplicaCount"], name
    assert _scaled("production", "vllm")["spec"]["minReplicaCount"] >= 2


# Prometheus triggers: their selectors match series that the services really export.

SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\{([^}]*)\}")
MATCHER = re.compile(r'\s*([a-zA-Z_]+)\s*(=~|=)\s*"([^"]*)"\s*,?')


def _selectors(query: str) -> list[tuple[str | None, list[tuple[str, str, str]]]]:
    return [(m[1], MATCHER.findall(m[2])) for m in SELECTOR.finditer(query)]


def _selects(selector: tuple[str | None, list[tuple[str, str, str]]], series: Obj) -> bool:
    name, matchers = selector
    labels = {"__name__": series["__name__"], **series}
    if name is not None and name != series["__name__"]:
        return False
    return all(
        re.fullmatch(value, labels.get(key, "")) if op == "=~" else labels.get(key) == value
        for key, op, value in matchers
    )


def _series(registry: CollectorRegistry, namespace: str) -> list[Obj]:
    """The samples a Prometheus scraping the pod stores (it adds the pod's namespace)."""
    return [
        {"__name__": s.name, **s.labels, "namespace": namespace}
        for family in registry.collect()
        for s in family.samples
    ]


@pytest.fixture(scope="module")
def exported() -> dict[str, list[Obj]]:
    """What /metrics of gateway and inference hold, from the apps themselves."""
    from services.gateway.app import create_app as gateway
    from services.inference.app import create_app as inference

    return {
        name: _series(make(Settings()).state.metrics_registry, "byosc")
        for name, make in (("gateway", gateway), ("inference", inference))
    }


@pytest.mark.parametrize("name", ["gateway", "inference"])
def test_inference_and_gateway_scale_on_requests_in_flight_they_export(
    name: str, exported: dict[str, list[Obj]]
) -> None:
    for trigger in _triggers("base", name, "prometheus"):
        query = trigger["metadata"]["query"]
        (selector,) = _selectors(query)
        matched = {s["__name__"] for s in exported[name] if _selects(selector, s)}
        assert matched and all(re.search("inflight|queued", m) for m in matched), query
        assert len(matched) == 2, matched  # the running and the waiting ones, summed


def test_in_flight_thresholds_sit_below_the_bounds_the_pods_enforce(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for overlay in OVERLAYS:
        inference = _settings(overlay, monkeypatch, "inference")
        chats, searches = (
            float(t["metadata"]["threshold"]) for t in _triggers(overlay, "inference", "prometheus")
        )
        assert 0 < chats <= inference.inflight.running
        assert 0 < searches <= inference.retrieval_inflight.running
        gateway = _settings(overlay, monkeypatch, "gateway")
        (trigger,) = _triggers(overlay, "gateway", "prometheus")
        assert 0 < float(trigger["metadata"]["threshold"]) <= gateway.gateway.inflight.running


def test_every_prometheus_query_stays_in_the_namespace() -> None:
    for overlay in OVERLAYS:
        (namespace,) = {
            o["metadata"]["namespace"] for o in of_kind(rendered(overlay), "ScaledObject")
        }
        for so in of_kind(rendered(overlay), "ScaledObject"):
            for trigger in so["spec"]["triggers"]:
                if trigger["type"] == "prometheus":
                    for _, matchers in _selectors(trigger["metadata"]["query"]):
                        assert ("namespace", "=", namespace) in matchers, trigger


def test_vllm_scales_on_running_and_waiting_requests_and_its_kv_cache() -> None:
    for overlay in OVERLAYS:
        running, waiting, kv_cache = _triggers(overlay, "vllm", "prometheus")
        # Counts summed over the replicas, compared per replica (AverageValue): running
        # holds the pool while the load lasts, waiting alone empties once it has caught up.
        for trigger, metric in ((running, "running"), (waiting, "waiting")):
            (selector,) = _selectors(trigger["metadata"]["query"])
            assert selector[0] == f"vllm:num_requests_{metric}", trigger
            assert trigger["metadata"]["query"].startswith("sum("), trigger
            assert trigger.get("metricType", "AverageValue") == "AverageValue"
            assert float(trigger["metadata"]["threshold"]) >= 1
        # A utilisation, not a count: compared with the mean over the replicas.
        names = {name for name, _ in _selectors(kv_cache["metadata"]["query"])}
        assert names == {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"}
        assert kv_cache["metricType"] == "Value"
        assert 0 < float(kv_cache["metadata"]["threshold"]) < 1


def test_the_train_worker_keeps_its_replica_while_a_training_runs(tmp_path: Path) -> None:
    """A running training has left the Redis list: the running-jobs trigger holds the pod."""
    (trigger,) = _triggers("base", "worker-train", "prometheus")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    metadata.create_all(engine)
    registry = CollectorRegistry()
    registry.register(JobsCollector(engine))
    (selector,) = _selectors(trigger["metadata"]["query"].removeprefix("max(").removesuffix(")"))
    matched = [s for s in _series(registry, "byosc") if _selects(selector, s)]
    assert [(s["kind"], s["state"]) for s in matched] == [("train", "running")]
    assert "train" in JobKind.__args__  # type: ignore[attr-defined]


# Redis triggers: one per worker, on the very list Celery fills for its queue.


def _broker(monkeypatch: pytest.MonkeyPatch, overlay: str) -> tuple[str, int, str]:
    url = urlsplit(str(_settings(overlay, monkeypatch, "worker-cpu").queue.broker_url))
    return url.hostname or "", url.port or 6379, url.path.lstrip("/") or "0"


def test_each_worker_scales_on_its_own_queue_in_the_broker_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for overlay in OVERLAYS:
        host, port, db = _broker(monkeypatch, overlay)
        for queue in QUEUES:
            (trigger,) = _triggers(overlay, f"worker-{queue}", "redis")
            meta = trigger["metadata"]
            assert meta["listName"] == queue and meta["databaseIndex"] == db
            # KEDA's operator resolves the name from its own namespace: the full name.
            address, _, listen = meta["address"].rpartition(":")
            assert address.startswith(f"{host}.byosc.svc") and int(listen) == port, meta
            assert trigger["authenticationRef"]["name"] == "byosc-redis"


def test_celery_puts_each_queues_jobs_in_the_list_its_trigger_counts() -> None:
    url = f"{REDIS_URL}/{LIST_TEST_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    settings = Settings(queue={"broker_url": url, "result_backend": url})  # type: ignore[arg-type]
    app = configure_celery(Celery("list-names"), settings)
    queue = CeleryJobQueue(app)
    try:
        for enqueue in (queue.enqueue_refresh, queue.enqueue_dataset, queue.enqueue_train):
            enqueue("job-1")
        for task, name in QUEUE_OF.items():
            if name not in {"cpu", "llm", "train"}:  # recordings are sent by a refresh
                app.send_task(task, args=["item-1"], queue=name)
        for name in QUEUES:
            (trigger,) = _triggers("base", f"worker-{name}", "redis")
            assert client.llen(trigger["metadata"]["listName"]) >= 1, name
    finally:
        client.flushdb()
        app.close()


def test_a_scale_down_lets_the_task_in_hand_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM starts Celery's warm shutdown; the pod must be given the hard time limit of
    every kind of task its queue runs before it is killed."""
    limits = _settings("base", monkeypatch, "worker-cpu").queue.time_limits
    for queue in QUEUES:
        worker = named(rendered("base"), "Deployment", f"worker-{queue}")
        hardest = max(
            getattr(limits, LIMIT_OF[task]).hard_s for task, q in QUEUE_OF.items() if q == queue
        )
        assert pod_spec(worker)["terminationGracePeriodSeconds"] >= hardest, queue


# vLLM: the LoRA settings agree with what the trainer makes and where it puts it.


def _args(overlay: str) -> dict[str, str]:
    (container,) = pod_spec(named(rendered(overlay), "Deployment", "vllm"))["containers"]
    return dict(a.removeprefix("--").partition("=")[::2] for a in container["args"])


def test_vllm_serves_every_adapter_the_trainer_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    for overlay in OVERLAYS:
        args = _args(overlay)
        train = _settings(overlay, monkeypatch, "worker-train")
        assert "enable-lora" in args
        assert int(args["max-cpu-loras"]) >= int(args["max-loras"]) >= 1
        assert int(args["max-lora-rank"]) >= train.training.hyperparameters.rank
        assert args["served-model-name"] == train.llm.model
        assert args["model"] == str(train.training.base_model_dir)
        (container,) = pod_spec(named(rendered(overlay), "Deployment", "vllm"))["containers"]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
        assert env["VLLM_PLUGINS"] == "lora_filesystem_resolver"
        assert train.training.artifacts_dir is None  # the default: data_dir/adapters
        assert env["VLLM_LORA_RESOLVER_CACHE_DIR"] == str(train.data_path / "adapters")


def test_vllm_gets_a_gpu_shared_memory_and_time_to_load() -> None:
    vllm = named(rendered("base"), "Deployment", "vllm")
    spec = pod_spec(vllm)
    ((_, container),) = containers(vllm)
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert spec["nodeSelector"] == {"byosc.io/pool": "gpu"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec[
        "tolerations"
    ]
    shm = {m["name"] for m in container["volumeMounts"] if m["mountPath"] == "/dev/shm"}
    (volume,) = [v for v in spec["volumes"] if v["name"] in shm]
    assert volume["emptyDir"]["medium"] == "Memory"
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600  # 10 minutes at least
