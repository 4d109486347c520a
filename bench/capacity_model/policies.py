"""The ways of laying out vLLM that the model compares, and the load sweep.

- one pool: the manifests as rendered, one vLLM Deployment serving every course's adapter;
- per faculty: that Deployment and its ScaledObject copied once per faculty (same
  thresholds, same min/max per copy), each pool serving its faculty's courses;
- one pool, every adapter cached: the first with --max-cpu-loras raised to the number of
  courses, so no request waits for its adapter to be read from the volume (a what-if the
  manifests can adopt);
- one pool, running trigger: the first with a trigger on running requests added to the
  vLLM rule (a what-if: what keeps replicas while the load lasts).
A replica's curve is calibrated on the popularity of the courses it serves (for faculty
pools, the busiest faculty's, a conservative stand-in for all).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .arrivals import Semester
from .inputs import Inputs
from .rules import Cluster, Trigger
from .simulation import Policy, Result, run
from .vllm_replica import Curve, calibrate, engine_for


def policies(cluster: Cluster, semester: Semester, names: list[str]) -> list[Policy]:
    inputs, courses = semester.inputs, semester.courses
    vllm = cluster.one("vllm")
    everyone = np.ones(inputs.courses, dtype=bool)
    made = []
    for name in names:
        if name == "one pool":
            curve = _curve(cluster, vllm.name, courses.popularity, inputs)
            made.append(Policy(name, cluster, [vllm.name], [everyone], [curve]))
        elif name == "per faculty":
            split, pools = cluster.split(vllm.name, inputs.faculties)
            masks = [courses.faculty == f for f in range(inputs.faculties)]
            busiest = max(masks, key=lambda m: float(courses.popularity[m].sum()))
            curve = _curve(split, pools[0], courses.popularity[busiest], inputs)
            made.append(Policy(name, split, pools, masks, [curve] * len(pools)))
        elif name == "one pool, adapters cached":
            args = dict(vllm.args, **{"--max-cpu-loras": str(max(inputs.courses, 1))})
            workloads = dict(cluster.workloads)
            workloads[vllm.name] = dataclasses.replace(vllm, args=args)
            cached = Cluster(workloads, cluster.rules)
            curve = _curve(cached, vllm.name, courses.popularity, inputs)
            made.append(Policy(name, cached, [vllm.name], [everyone], [curve]))
        elif name == "one pool, running trigger":
            curve = _curve(cluster, vllm.name, courses.popularity, inputs)
            held = _with_running_trigger(cluster, vllm.name, curve, inputs.ttft_slo_s)
            made.append(Policy(name, held, [vllm.name], [everyone], [curve]))
        else:
            raise ValueError(f"unknown policy {name!r}")
    return made


def _with_running_trigger(cluster: Cluster, name: str, curve: Curve, slo_s: float) -> Cluster:
    """The vLLM rule plus a trigger on running requests (sum of vllm:num_requests_running,
    AverageValue): the running count per replica at the highest calibrated rate whose p99
    is within half the SLO (headroom for the minute-to-minute swing). Waiting requests
    vanish once enough replicas serve; running ones stay while the load does."""
    rule = cluster.rules.get(name)
    if rule is None:
        raise ValueError(f"Deployment {name} has no scaling rule to add a trigger to")
    within = [i for i in range(len(curve.rates)) if curve.ttft[i][-3] <= slo_s / 2] or [0]
    target = max(1.0, float(np.floor(curve.running[within[-1]])))
    running = Trigger(
        signal="vllm_running",
        target=target,
        metric_type="AverageValue",
        source=f"what-if: sum(vllm:num_requests_running) per replica {target:g}",
    )
    rules = dict(cluster.rules)
    rules[name] = dataclasses.replace(rule, triggers=(*rule.triggers, running))
    return Cluster(cluster.workloads, rules)


def _curve(cluster: Cluster, name: str, popularity: np.ndarray, inputs: Inputs) -> Curve:
    engine = engine_for(cluster.workloads[name], inputs)
    return calibrate(engine, popularity / popularity.sum(), inputs, inputs.seed)


def peak_days(semester: Semester, length: int) -> slice:
    """The `length` consecutive days with the most chats."""
    totals = semester.daily.sum(axis=1)
    sums = np.convolve(totals, np.ones(length), mode="valid")
    first = int(np.argmax(sums))
    return slice(first, first + length)


def sweep(
    policy: Policy, semester: Semester, scales: list[float], days: slice
) -> list[tuple[float, Result]]:
    """The policy over `days` with the chats multiplied by each scale (more students; the
    nightly work, which follows the courses, stays)."""
    return [
        (scale, run(policy, semester, semester.chats(policy.masks, scale, days), days.start))
        for scale in scales
    ]
