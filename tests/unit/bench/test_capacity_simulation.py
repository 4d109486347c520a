"""The capacity model's simulation on a small university: more load gets more replicas up
to the manifests' max, a capped pool waits longer, vLLM's running-requests trigger keeps
the SLO where waiting requests alone do not, a threshold changed in a rendered copy
changes the replicas, and the CLI refuses bad input with the field named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.capacity import main
from bench.capacity_model.arrivals import Semester, semester
from bench.capacity_model.inputs import Inputs
from bench.capacity_model.policies import peak_days, policies, running_per_replica
from bench.capacity_model.report import hourly, summary
from bench.capacity_model.rules import read_cluster
from bench.capacity_model.simulation import Policy, Result, run
from bench.capacity_model.vllm_replica import engine_for, simulate
from deploy.kustomize import render

ROOT = Path(__file__).resolve().parents[3]
SMALL = Inputs(students=4000, courses=60, faculties=3, teaching_weeks=1, exam_weeks=1, seed=3)


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return render(ROOT / "k8s" / "overlays" / "production")


@pytest.fixture(scope="module")
def small() -> Semester:
    return semester(SMALL.validate())


@pytest.fixture(scope="module")
def one_pool(rendered, small) -> Policy:
    return policies(read_cluster(rendered), small, ["one pool"])[0]


def _peak_day(policy: Policy, small: Semester, scale: float) -> Result:
    day = peak_days(small, 1)
    return run(policy, small, small.chats(policy.masks, scale, day), day.start)


def _vllm_pods(result: Result, policy: Policy) -> int:
    return int(result.pods[:, result.names.index(policy.pools[0])].max())


def test_more_load_gets_more_replicas_up_to_the_max(one_pool, small):
    low, high = one_pool.cluster.bounds(one_pool.pools[0])
    pods = [_vllm_pods(_peak_day(one_pool, small, scale), one_pool) for scale in (1, 40, 400)]
    assert pods[0] == low
    assert pods[0] < pods[1] <= pods[2] == high


def test_a_capped_pool_waits_longer(one_pool, small, rendered):
    name = one_pool.pools[0]
    low, _ = one_pool.cluster.bounds(name)
    capped = Policy(
        "capped",
        one_pool.cluster.with_limits({name: (low, low)}),
        one_pool.pools,
        one_pool.masks,
        one_pool.curves,
    )
    p99 = {}
    for policy in (one_pool, capped):
        result = _peak_day(policy, small, 80)
        p99[policy.name] = summary(result, hourly(result, policy, 1), SMALL)["ttft_p99_s"]
    assert p99["capped"] > 10 * p99["one pool"]


def test_a_threshold_changed_in_a_rendered_copy_changes_the_replicas(one_pool, small, rendered):
    objects = copy.deepcopy(rendered)
    name = one_pool.pools[0]
    scaled = next(
        o
        for o in objects
        if o["kind"] == "ScaledObject" and o["spec"]["scaleTargetRef"]["name"] == name
    )
    for trigger in scaled["spec"]["triggers"]:
        if "threshold" in trigger.get("metadata", {}):
            trigger["metadata"]["threshold"] = str(float(trigger["metadata"]["threshold"]) * 50)
    lax = Policy("lax", read_cluster(objects), one_pool.pools, one_pool.masks, one_pool.curves)
    pod_minutes = [
        int(_peak_day(policy, small, 40).pods[:, list(policy.cluster.workloads).index(name)].sum())
        for policy in (one_pool, lax)
    ]
    assert pod_minutes[1] < pod_minutes[0]


def test_the_running_trigger_holds_vllm_where_waiting_alone_lets_it_go(one_pool, small, rendered):
    (waiting_only,) = policies(read_cluster(rendered), small, ["one pool, waiting only"])
    signals = [
        {t.signal for t in p.cluster.rules[p.pools[0]].triggers} for p in (one_pool, waiting_only)
    ]
    assert signals[0] - signals[1] == {"vllm_running"}
    (running,) = (
        t for t in one_pool.cluster.rules[one_pool.pools[0]].triggers if t.signal == "vllm_running"
    )
    # Not above what a replica runs while its p99 stays within half the SLO.
    assert running.target <= running_per_replica(one_pool.curves[0], SMALL.ttft_slo_s)
    # At a load that needs several replicas, waiting alone lets the pool shrink back
    # into a new queue after each scale-up; running requests hold it.
    p99 = {}
    for policy in (one_pool, waiting_only):
        result = _peak_day(policy, small, 80)
        p99[policy.name] = summary(result, hourly(result, policy, 1), SMALL)["ttft_p99_s"]
    assert p99["one pool"] < SMALL.ttft_slo_s < p99["one pool, waiting only"]


def test_a_replica_with_more_adapters_than_slots_waits_longer(rendered):
    inputs = SMALL.validate()
    engine = engine_for(read_cluster(rendered).one("vllm"), inputs)
    rng = np.random.default_rng(0)
    many = np.full(600, 1 / 600)
    few = np.full(engine.max_loras, 1 / engine.max_loras)
    slow = simulate(engine, 3.0, many, inputs, 90.0, rng)
    fast = simulate(engine, 3.0, few, inputs, 90.0, rng)
    assert np.quantile(slow.ttft, 0.99) > 2 * np.quantile(fast.ttft, 0.99)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "students=-5"], "students: must not be negative"),
        (["--set", "gpu_hour_usd=abc"], "gpu_hour_usd takes a float"),
        (["--limit", "no-such=1:2"], "unknown deployment 'no-such'"),
        (["--limit", "vllm=0:0"], "at least 1 replica"),
        (["--limit", "vllm=5:2"], "minimum 5 is above maximum 2"),
    ],
)
def test_the_cli_refuses_bad_input_and_exits_non_zero(argv, message, capsys):
    assert main([*argv, "--no-plots", "--out", "/dev/null"]) == 2
    assert message in capsys.readouterr().err
