"""The capacity model reads the scaling rules from the rendered manifests, applies KEDA's
and the HPA's defaults and arithmetic, and refuses rules and inputs that make no sense."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest

from bench.capacity_model.autoscaler import Scaler
from bench.capacity_model.inputs import Inputs
from bench.capacity_model.rules import Cluster, read_cluster
from deploy.kustomize import render

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return render(ROOT / "k8s" / "overlays" / "production")


def _scaled_object(objects: list[dict[str, Any]], role: str) -> dict[str, Any]:
    cluster = read_cluster(objects)
    target = cluster.one(role).name
    return next(
        o
        for o in objects
        if o["kind"] == "ScaledObject" and o["spec"]["scaleTargetRef"]["name"] == target
    )


def test_every_scaled_object_is_read_with_its_bounds_and_thresholds(rendered):
    cluster = read_cluster(rendered)
    scaled = [o for o in rendered if o["kind"] == "ScaledObject"]
    assert scaled, "the production overlay scales with KEDA"
    for obj in scaled:
        spec = obj["spec"]
        rule = cluster.rules[spec["scaleTargetRef"]["name"]]
        assert rule.min_replicas == spec.get("minReplicaCount", 0)
        assert rule.max_replicas == spec.get("maxReplicaCount", 100)
        assert rule.polling_s == spec.get("pollingInterval", 30)
        assert rule.cooldown_s == spec.get("cooldownPeriod", 300)
        for trigger, source in zip(rule.triggers, spec["triggers"], strict=True):
            meta = source.get("metadata", {})
            expected = meta.get("threshold") or meta.get("listLength") or meta.get("value")
            if expected is not None:
                assert trigger.target == float(expected), obj["metadata"]["name"]


def test_roles_and_queues_come_from_the_containers(rendered):
    cluster = read_cluster(rendered)
    assert cluster.one("vllm").gpus >= 1
    queues = {q for w in cluster.role("worker") for q in w.queues}
    assert {"cpu", "transcribe", "llm", "train"} <= queues


def test_keda_defaults_apply_when_fields_are_absent(rendered):
    objects = copy.deepcopy(rendered)
    spec = _scaled_object(objects, "vllm")["spec"]
    for field in ("minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod"):
        spec.pop(field, None)
    rule = read_cluster(objects).rules[spec["scaleTargetRef"]["name"]]
    assert (rule.min_replicas, rule.max_replicas) == (0, 100)
    assert (rule.polling_s, rule.cooldown_s) == (30.0, 300.0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minReplicaCount", 9, "minimum 9 is above maximum"),
        ("maxReplicaCount", 0, "at least 1 replica"),
        ("pollingInterval", -5, "pollingInterval: must be positive"),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused_naming_object_and_field(
    rendered, field, value, message
):
    objects = copy.deepcopy(rendered)
    obj = _scaled_object(objects, "vllm")
    obj["spec"]["maxReplicaCount"] = 8
    obj["spec"][field] = value
    with pytest.raises(ValueError, match=message) as caught:
        read_cluster(objects)
    assert obj["metadata"]["name"] in str(caught.value)


def test_a_non_positive_threshold_is_refused(rendered):
    objects = copy.deepcopy(rendered)
    obj = _scaled_object(objects, "vllm")
    obj["spec"]["triggers"][0]["metadata"]["threshold"] = "0"
    with pytest.raises(ValueError, match=r"trigger 0 .*threshold: must be positive"):
        read_cluster(objects)


def test_a_rule_for_an_unknown_deployment_is_refused(rendered):
    objects = copy.deepcopy(rendered)
    _scaled_object(objects, "vllm")["spec"]["scaleTargetRef"]["name"] = "no-such"
    with pytest.raises(ValueError, match="Deployment no-such, which the manifests do not"):
        read_cluster(objects)


def test_what_if_limits_are_checked_like_the_manifests(rendered):
    cluster = read_cluster(rendered)
    with pytest.raises(ValueError, match="unknown deployment 'no-such'"):
        cluster.with_limits({"no-such": (1, 2)})
    vllm = cluster.one("vllm").name
    with pytest.raises(ValueError, match="at least 1 replica"):
        cluster.with_limits({vllm: (0, 0)})
    assert cluster.with_limits({vllm: (3, 5)}).bounds(vllm) == (3, 5)


def test_an_hpa_on_cpu_is_read_with_hpa_defaults():
    objects = [
        {
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "x"}]}}},
        },
        {
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {
                "scaleTargetRef": {"kind": "Deployment", "name": "web"},
                "maxReplicas": 6,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ],
            },
        },
    ]
    rule = read_cluster(objects).rules["web"]
    assert (rule.min_replicas, rule.max_replicas, rule.keda) == (1, 6, False)
    assert rule.triggers[0].signal == "cpu" and rule.triggers[0].target == 70


def _scaler(rendered: list[dict[str, Any]], **changes: Any) -> Scaler:
    cluster: Cluster = read_cluster(rendered)
    vllm = cluster.one("vllm").name
    rule = cluster.rules[vllm]
    return Scaler(cluster.workloads[vllm], dataclasses.replace(rule, **changes), startup_s=60)


def test_average_value_triggers_ask_for_ceil_of_value_over_target(rendered):
    scaler = _scaler(rendered, min_replicas=1, max_replicas=10)
    target = scaler.rule.triggers[0].target
    values = [None] * len(scaler.rule.triggers)
    values[0] = 3.2 * target
    assert scaler.desired(0.0, values) == math.ceil(3.2)  # from 1 pod: doubling allows 2..5
    values[0] = 40 * target
    assert scaler.desired(15.0, values) == 5  # max(2 x 1, 1 + 4) pods per period
    scaler.scale_to(15.0, 5)
    values[0] = 0.0
    assert scaler.desired(30.0, values) == 5  # the scale-down window holds the recent peak
    assert scaler.desired(30.0 + scaler.rule.scale_down_window_s + 1, values) == 1


def test_keda_wakes_from_zero_and_returns_to_it_after_the_cooldown(rendered):
    scaler = _scaler(rendered, min_replicas=0, max_replicas=4, cooldown_s=300.0)
    scaler.scale_to(0.0, 0)
    idle = [0.0] * len(scaler.rule.triggers)
    busy = [50.0, *idle[1:]]
    assert scaler.desired(0.0, idle) == 0
    assert scaler.desired(15.0, busy) == 1
    scaler.scale_to(15.0, 1)
    scaler.advance(100.0)
    assert scaler.desired(200.0, idle) == 1
    assert scaler.desired(15.0 + 300.0, idle) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"students": -1}, "students: must not be negative"),
        ({"chats_per_active_week": 0.0}, "chats_per_active_week: must be positive"),
        ({"active_share": 1.5}, "active_share: a share"),
        ({"hourly_weights": (1.0,) * 23}, "hourly_weights: 24"),
        ({"no_such": 1}, "unknown input"),
    ],
)
def test_inputs_that_make_no_sense_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        Inputs().replace(**changes)
