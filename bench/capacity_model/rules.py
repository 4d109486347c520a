"""The scaling rules as the rendered k8s/ manifests state them, read generically.

For each KEDA ScaledObject and HorizontalPodAutoscaler: the target Deployment, min and max
replicas, polling interval, cooldown and scale-down window, and each trigger's metric
(Prometheus query, Redis list, CPU) with its threshold. Deployments nothing scales keep
`spec.replicas`. What a Deployment is (gateway, inference, vLLM, a worker and its queues)
comes from its container's command, image and arguments. Defaults are KEDA's and the HPA's
documented ones. Anything that makes no sense (min above max, no replicas allowed, a
target that does not exist, a non-positive threshold) raises ValueError naming the object
and field.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .workload import Workload, read_workload

# KEDA ScaledObject defaults (keda.sh/docs/latest/reference/scaledobject-spec).
KEDA_POLLING_S = 30.0
KEDA_COOLDOWN_S = 300.0
KEDA_MIN, KEDA_MAX = 0, 100
REDIS_LIST_LENGTH = 5.0  # KEDA redis scaler's listLength default
# HPA defaults (kubernetes.io, horizontal-pod-autoscale): sync period, scale-down window.
HPA_SYNC_S = 15.0
HPA_SCALE_DOWN_WINDOW_S = 300.0

SIGNALS = {  # fragments of a metric name or query -> what the model computes for it
    "num_requests_waiting": "vllm_waiting",
    "num_requests_running": "vllm_running",
    "cache_usage": "vllm_kv_cache",
    "byosc_retrieval_": "retrieval_inflight",
    "inflight": "inflight",
    "byosc_jobs": "jobs",
}
# byosc_jobs' kind label (byosc.domain.jobs.JobKind) -> the queue whose tasks it counts.
JOB_KIND_QUEUES = {"train": "train", "dataset": "llm", "refresh": "cpu"}


@dataclass(frozen=True)
class Trigger:
    signal: str  # a SIGNALS value, "queue", "cpu" or "unmodelled"
    target: float
    metric_type: str  # AverageValue (KEDA's default), Value or Utilization
    aggregation: str = "sum"  # how the query combines the pods' values: sum, avg or max
    scale: float = 1.0  # a constant factor in the query ("* 100")
    activation: float = 0.0
    queue: str | None = None
    source: str = ""


@dataclass(frozen=True)
class ScalingRule:
    deployment: str
    source: str
    min_replicas: int
    max_replicas: int
    polling_s: float
    cooldown_s: float
    scale_down_window_s: float
    triggers: tuple[Trigger, ...]
    keda: bool


@dataclass(frozen=True)
class Cluster:
    workloads: dict[str, Workload]
    rules: dict[str, ScalingRule]

    def role(self, role: str) -> list[Workload]:
        return [w for w in self.workloads.values() if w.role == role]

    def one(self, role: str) -> Workload:
        found = self.role(role)
        if len(found) != 1:
            raise ValueError(f"the manifests must hold one {role} Deployment, found {len(found)}")
        return found[0]

    def bounds(self, name: str) -> tuple[int, int]:
        """(min, max) replicas: the rule's, or spec.replicas twice for an unscaled one."""
        rule = self.rules.get(name)
        if rule is not None:
            return rule.min_replicas, rule.max_replicas
        replicas = self.workloads[name].replicas
        return replicas, replicas

    def with_limits(self, limits: dict[str, tuple[int | None, int | None]]) -> Cluster:
        """Other min/max replicas for some Deployments (what-if runs); refused like the
        manifests' own values."""
        rules = dict(self.rules)
        workloads = dict(self.workloads)
        for name, (low, high) in limits.items():
            if name not in self.workloads:
                known = ", ".join(sorted(self.workloads))
                raise ValueError(f"unknown deployment {name!r} (the manifests define: {known})")
            rule = rules.get(name)
            if rule is None:
                replicas = high if high is not None else low
                workloads[name] = dataclasses.replace(workloads[name], replicas=replicas or 0)
                _check_bounds(f"Deployment {name}", replicas or 0, replicas or 0, "replicas")
                continue
            low = rule.min_replicas if low is None else low
            high = rule.max_replicas if high is None else high
            _check_bounds(rule.source, low, high, "replicas")
            rules[name] = dataclasses.replace(rule, min_replicas=low, max_replicas=high)
        return Cluster(workloads, rules)

    def split(self, name: str, parts: int) -> tuple[Cluster, list[str]]:
        """The Deployment copied `parts` times (one pool per faculty), each copy with the
        same scaling rule and thresholds; the copies' names."""
        names = [f"{name}-{n}" for n in range(parts)]
        workloads = {k: v for k, v in self.workloads.items() if k != name}
        rules = {k: v for k, v in self.rules.items() if k != name}
        for copy in names:
            workloads[copy] = dataclasses.replace(self.workloads[name], name=copy)
            if name in self.rules:
                rules[copy] = dataclasses.replace(self.rules[name], deployment=copy)
        return Cluster(workloads, rules), names


def load_objects(overlay: Path) -> list[dict[str, Any]]:
    from deploy.kustomize import render

    return render(overlay)


def read_cluster(objects: list[dict[str, Any]]) -> Cluster:
    config = {
        o["metadata"]["name"]: o.get("data") or {} for o in objects if o.get("kind") == "ConfigMap"
    }
    workloads = {
        o["metadata"]["name"]: read_workload(o, config)
        for o in objects
        if o.get("kind") == "Deployment"
    }
    rules: dict[str, ScalingRule] = {}
    for o in objects:
        if o.get("kind") == "ScaledObject":
            rule = _scaled_object(o)
        elif o.get("kind") == "HorizontalPodAutoscaler":
            rule = _hpa(o)
        else:
            continue
        if rule.deployment not in workloads:
            raise ValueError(
                f"{rule.source}: scaleTargetRef names Deployment {rule.deployment}, "
                "which the manifests do not define"
            )
        if rule.deployment in rules:
            raise ValueError(
                f"{rule.source}: Deployment {rule.deployment} is scaled by "
                f"{rules[rule.deployment].source} already"
            )
        rules[rule.deployment] = rule
    for w in workloads.values():
        if w.name not in rules:
            _check_bounds(f"Deployment {w.name}", w.replicas, w.replicas, "spec.replicas")
    return Cluster(workloads, rules)


def _scaled_object(obj: dict[str, Any]) -> ScalingRule:
    spec = obj.get("spec") or {}
    source = f"ScaledObject {obj['metadata']['name']}"
    target = spec.get("scaleTargetRef") or {}
    _check_kind(source, target)
    low = int(spec.get("minReplicaCount", KEDA_MIN))
    high = int(spec.get("maxReplicaCount", KEDA_MAX))
    _check_bounds(source, low, high, "minReplicaCount/maxReplicaCount")
    polling = _positive(source, "pollingInterval", spec.get("pollingInterval", KEDA_POLLING_S))
    cooldown = float(spec.get("cooldownPeriod", KEDA_COOLDOWN_S))
    behavior = ((spec.get("advanced") or {}).get("horizontalPodAutoscalerConfig") or {}).get(
        "behavior"
    )
    triggers = tuple(
        _keda_trigger(f"{source} trigger {n} ({t.get('type')})", t)
        for n, t in enumerate(spec.get("triggers") or [])
    )
    return _rule(source, target, (low, high), (polling, cooldown), behavior, triggers, True)


def _keda_trigger(source: str, trigger: dict[str, Any]) -> Trigger:
    kind = trigger.get("type")
    meta = trigger.get("metadata") or {}
    metric_type = str(trigger.get("metricType", "AverageValue"))
    if kind == "prometheus":
        query = str(meta.get("query", ""))
        signal, queue = _signal(query), None
        if signal == "jobs":
            # Jobs of a kind in a state: the model counts the tasks of that kind's queue.
            job_kind = re.search(r'kind\s*=\s*"([^"]+)"', query)
            state = re.search(r'state\s*=\s*"([^"]+)"', query)
            queue = JOB_KIND_QUEUES.get(job_kind.group(1)) if job_kind else None
            running = state is None or state.group(1) == "running"
            signal = "queue" if not running else "jobs_running"
            if queue is None:
                signal = "unmodelled"
        return Trigger(
            signal=signal,
            queue=queue,
            target=_positive(source, "metadata.threshold", meta.get("threshold")),
            metric_type=metric_type,
            aggregation=_aggregation(query),
            scale=_query_scale(query),
            activation=float(meta.get("activationThreshold", 0)),
            source=f"{source}: {' '.join(query.split())}",
        )
    if kind == "redis":
        return Trigger(
            signal="queue",
            target=_positive(source, "metadata.listLength", meta.get("listLength", 5)),
            metric_type=metric_type,
            activation=float(meta.get("activationListLength", 0)),
            queue=str(meta.get("listName", "")),
            source=f"{source}: list {meta.get('listName')}",
        )
    if kind == "cpu":
        return Trigger(
            signal="cpu",
            target=_positive(source, "metadata.value", meta.get("value")),
            metric_type=str(trigger.get("metricType", "Utilization")),
            source=source,
        )
    return Trigger(signal="unmodelled", target=1.0, metric_type=metric_type, source=source)


def _hpa(obj: dict[str, Any]) -> ScalingRule:
    spec = obj.get("spec") or {}
    source = f"HorizontalPodAutoscaler {obj['metadata']['name']}"
    target = spec.get("scaleTargetRef") or {}
    _check_kind(source, target)
    low, high = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 0))
    _check_bounds(source, low, high, "minReplicas/maxReplicas")
    triggers = []
    for n, metric in enumerate(spec.get("metrics") or []):
        where = f"{source} metric {n} ({metric.get('type')})"
        body = (
            metric.get(str(metric.get("type", "")).lower().replace("containerresource", "")) or {}
        )
        goal = body.get("target") or {}
        name = str(body.get("name") or (body.get("metric") or {}).get("name", ""))
        if goal.get("type") == "Utilization" and name == "cpu":
            signal, value = "cpu", goal.get("averageUtilization")
        else:
            signal = "cpu" if name == "cpu" else _signal(name)
            value = goal.get("averageValue", goal.get("value"))
        triggers.append(
            Trigger(
                signal=signal,
                target=_positive(where, "target", _quantity(value)),
                metric_type=str(goal.get("type", "AverageValue")),
                source=f"{where}: {name}",
            )
        )
    timing = (HPA_SYNC_S, 0.0)
    return _rule(source, target, (low, high), timing, spec.get("behavior"), tuple(triggers), False)


def _rule(
    source: str,
    target: dict[str, Any],
    bounds: tuple[int, int],
    timing: tuple[float, float],
    behavior: dict[str, Any] | None,
    triggers: tuple[Trigger, ...],
    keda: bool,
) -> ScalingRule:
    if not triggers:
        field = "triggers" if keda else "metrics"
        raise ValueError(f"{source}: {field}: at least one is required")
    return ScalingRule(
        deployment=str(target.get("name")),
        source=source,
        min_replicas=bounds[0],
        max_replicas=bounds[1],
        polling_s=timing[0],
        cooldown_s=timing[1],
        scale_down_window_s=_scale_down_window(behavior),
        triggers=triggers,
        keda=keda,
    )


def _check_kind(source: str, target: dict[str, Any]) -> None:
    if target.get("kind", "Deployment") != "Deployment" or not target.get("name"):
        raise ValueError(f"{source}: scaleTargetRef must name a Deployment, got {target}")


def _check_bounds(source: str, low: int, high: int, field: str) -> None:
    if low < 0:
        raise ValueError(f"{source}: {field}: minimum must not be negative, got {low}")
    if high < 1:
        raise ValueError(f"{source}: {field}: at least 1 replica must be allowed, got {high}")
    if low > high:
        raise ValueError(f"{source}: {field}: minimum {low} is above maximum {high}")


def _positive(source: str, field: str, value: Any) -> float:
    try:
        number = float(_quantity(value))
    except (TypeError, ValueError):
        raise ValueError(f"{source}: {field}: a number is required, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{source}: {field}: must be positive, got {value!r}")
    return number


def _quantity(value: Any) -> Any:
    """Kubernetes quantities the triggers use: plain numbers and milli-units ("500m")."""
    if isinstance(value, str) and value.endswith("m"):
        return float(value[:-1]) / 1000
    return value


def _signal(query: str) -> str:
    lowered = query.lower()
    return next((signal for key, signal in SIGNALS.items() if key in lowered), "unmodelled")


def _aggregation(query: str) -> str:
    found = re.match(r"\s*(sum|avg|max|min)\b", query.lower())
    return found.group(1) if found and found.group(1) != "min" else "sum"


def _query_scale(query: str) -> float:
    found = re.search(r"\*\s*([0-9]+(?:\.[0-9]+)?)", query)
    return float(found.group(1)) if found else 1.0


def _scale_down_window(behavior: dict[str, Any] | None) -> float:
    down = (behavior or {}).get("scaleDown") or {}
    return float(down.get("stabilizationWindowSeconds", HPA_SCALE_DOWN_WINDOW_S))
