"""The ways of laying out vLLM that the model compares, and the load sweep.

- one pool: the manifests as rendered, one vLLM Deployment serving every course's adapter;
- per faculty: that Deployment and its ScaledObject copied once per faculty (same
  thresholds, same min/max per copy), each pool serving its faculty's courses;
- one pool, every adapter cached: the first with --max-cpu-loras raised to the number of
  courses, so no request waits for its adapter to be read from the volume (a what-if the
  manifests can adopt);
- one pool, waiting only: the first with the vLLM rule's trigger on running requests
  removed, as the rule stood before it was added (what that trigger buys under load).
A replica's curve is calibrated on the popularity of the courses it serves (for faculty
pools, the busiest faculty's, a conservative stand-in for all).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .arrivals import Semester
from .inputs import Inputs
from .rules import Cluster
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
        elif name == "one pool, waiting only":
            curve = _curve(cluster, vllm.name, courses.popularity, inputs)
            waiting = _without_signal(cluster, vllm.name, "vllm_running")
            made.append(Policy(name, waiting, [vllm.name], [everyone], [curve]))
        else:
            raise ValueError(f"unknown policy {name!r}")
    return made


def running_per_replica(curve: Curve, slo_s: float) -> float:
    """What one replica runs (vllm:num_requests_running) at the highest calibrated rate
    whose p99 first token is within half the SLO (headroom for the minute-to-minute
    swing): the threshold a trigger on running requests should not exceed."""
    within = [i for i in range(len(curve.rates)) if curve.ttft[i][-3] <= slo_s / 2] or [0]
    return max(1.0, float(np.floor(curve.running[within[-1]])))


def _without_signal(cluster: Cluster, name: str, signal: str) -> Cluster:
    """The cluster with the Deployment's triggers on `signal` dropped (none if it has none)."""
    rule = cluster.rules.get(name)
    if rule is None:
        raise ValueError(f"Deployment {name} has no scaling rule")
    kept = tuple(t for t in rule.triggers if t.signal != signal)
    if not kept:
        raise ValueError(f"Deployment {name} scales only on {signal}; nothing would be left")
    rules = dict(cluster.rules)
    rules[name] = dataclasses.replace(rule, triggers=kept)
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
