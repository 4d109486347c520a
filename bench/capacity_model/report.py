"""Per-hour figures and summaries of a run.

Time to first token per hour: the hour's chats are sampled (DRAWS per hour, each step and
pool in proportion to its chats); a draw is the replica curve's quantile at a uniform
level for that step's load, plus the step's added waits (backlog, inference queue, CPU,
the gateway and retrieval). Percentiles of the draws are the hour's p50 and p99; over
the semester the draws are weighted by their hour's chats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .inputs import Inputs
from .simulation import Policy, Result
from .vllm_replica import LEVELS

DRAWS = 2000
SEMESTER_DRAWS = 250  # per hour, for percentiles over many hours
HOUR_S = 3600.0


@dataclass(frozen=True)
class Hourly:
    start_h: float  # hours since the semester's first midnight
    chats: np.ndarray
    pods: np.ndarray  # (hours, Deployments) mean pods
    max_pods: np.ndarray
    gpu_hours: np.ndarray  # (hours, Deployments)
    cpu_hours: np.ndarray
    ttft_p50: np.ndarray
    ttft_p99: np.ndarray
    vllm_waiting: np.ndarray  # mean over the hour, all pools together
    rejected: np.ndarray
    queue_wait_max: dict[str, np.ndarray]
    samples: np.ndarray  # (hours, DRAWS) time to first token


def hourly(result: Result, policy: Policy, seed: int) -> Hourly:
    per_hour = round(HOUR_S / result.tick_s)
    ticks = result.pods.shape[0] // per_hour * per_hour
    hours = ticks // per_hour

    def fold(values: np.ndarray) -> np.ndarray:
        return values[:ticks].reshape(hours, per_hour, *values.shape[1:])

    pods = fold(result.pods.astype(float))
    chats = fold(result.chats).sum(axis=(1, 2))
    samples = _ttft_samples(result, policy, hours, per_hour, seed)
    waits: dict[str, np.ndarray] = {}
    for started, queue, seconds in result.queues.waits:
        hour = int((started - result.start_s) // HOUR_S)
        if 0 <= hour < hours:
            series = waits.setdefault(queue, np.zeros(hours))
            series[hour] = max(series[hour], seconds)
    with np.errstate(all="ignore"):
        p50, p99 = np.nanpercentile(samples, [50, 99], axis=1)
    return Hourly(
        start_h=result.start_s / HOUR_S,
        chats=chats,
        pods=pods.mean(axis=1),
        max_pods=pods.max(axis=1),
        gpu_hours=pods.mean(axis=1) * result.gpus,
        cpu_hours=pods.mean(axis=1) * result.cpus,
        ttft_p50=p50,
        ttft_p99=p99,
        vllm_waiting=fold(result.vllm_waiting).sum(axis=2).mean(axis=1),
        rejected=fold(result.rejected).sum(axis=1),
        queue_wait_max=waits,
        samples=samples,
    )


def _ttft_samples(
    result: Result, policy: Policy, hours: int, per_hour: int, seed: int
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pools = result.chats.shape[1]
    offsets = np.cumsum([0] + [len(c.rates) for c in policy.curves[:-1]])
    table = np.concatenate([c.ttft for c in policy.curves])
    cells = hours * per_hour * pools
    weights = result.chats[: hours * per_hour].reshape(hours, -1).astype(float)
    totals = weights.sum(axis=1)
    cumulative = np.cumsum(weights.ravel())
    before = np.concatenate([[0.0], cumulative[:-1]]).reshape(hours, -1)[:, 0]
    picks = before[:, None] + rng.random((hours, DRAWS)) * totals[:, None]
    cell = np.minimum(np.searchsorted(cumulative, picks, side="right"), cells - 1)
    pool = cell % pools
    position = result.index.ravel()[cell].astype(float)
    below = np.floor(position).astype(int)
    rows = np.array([len(c.rates) for c in policy.curves])
    above = np.minimum(below + 1, rows[pool] - 1)
    weight = position - below
    level = rng.random((hours, DRAWS)) * (len(LEVELS) - 1)
    low = np.floor(level).astype(int)
    high = np.minimum(low + 1, len(LEVELS) - 1)
    frac = level - low

    def quantile(row: np.ndarray) -> np.ndarray:
        at = offsets[pool] + row
        return table[at, low] * (1 - frac) + table[at, high] * frac

    ttft = quantile(below) * (1 - weight) + quantile(above) * weight
    ttft += result.shift.ravel()[cell]
    ttft[totals == 0] = np.nan
    return ttft


def weighted_percentiles(samples: np.ndarray, chats: np.ndarray, qs: list[float]) -> list[float]:
    """Percentiles over all hours, each hour's draws weighted by its chats; a subsample of
    the draws (they are independent) keeps the sort short."""
    keep = ~np.isnan(samples[:, 0])
    values = samples[keep, :SEMESTER_DRAWS]
    weights = np.repeat(chats[keep], values.shape[1])
    order = np.argsort(values.ravel())
    cumulative = np.cumsum(weights[order])
    picks = np.searchsorted(cumulative, np.array(qs) / 100 * cumulative[-1])
    return [float(values.ravel()[order][i]) for i in picks]


def summary(result: Result, hours: Hourly, inputs: Inputs) -> dict[str, Any]:
    names = result.names
    gpu_hours = hours.gpu_hours.sum(axis=0)
    cpu_hours = hours.cpu_hours.sum(axis=0)
    peak = int(np.nanargmax(hours.chats))
    waits: dict[str, list[float]] = {}
    for _, queue, seconds in result.queues.waits:
        waits.setdefault(queue, []).append(seconds)
    refreshed = np.array([done - began for began, done in result.queues.refreshed])
    p50, p99 = weighted_percentiles(hours.samples, hours.chats, [50, 99])
    return {
        "chats": int(hours.chats.sum()),
        "peak_hour": {
            "hour": peak,
            "chats_per_s": round(float(hours.chats[peak]) / HOUR_S, 2),
            "ttft_p50_s": _round(hours.ttft_p50[peak]),
            "ttft_p99_s": _round(hours.ttft_p99[peak]),
        },
        "ttft_p50_s": _round(p50),
        "ttft_p99_s": _round(p99),
        "worst_hour_ttft_p99_s": _round(float(np.nanmax(hours.ttft_p99))),
        "hours_over_slo": int(np.sum(hours.ttft_p99 > inputs.ttft_slo_s)),
        "rejected_chats": int(hours.rejected.sum()),
        "gpu_hours": {n: round(float(g), 1) for n, g in zip(names, gpu_hours, strict=True) if g},
        "gpu_hours_total": round(float(gpu_hours.sum()), 1),
        "gpu_cost_usd": round(float(gpu_hours.sum()) * inputs.gpu_hour_usd),
        "cpu_core_hours": round(float(cpu_hours.sum())),
        "cpu_cost_usd": round(float(cpu_hours.sum()) * inputs.cpu_core_hour_usd),
        "max_replicas": {n: int(m) for n, m in zip(names, hours.max_pods.max(axis=0), strict=True)},
        "queue_wait_s": {
            q: {
                "p50": _round(float(np.percentile(w, 50))),
                "p99": _round(float(np.percentile(w, 99))),
                "max": _round(float(np.max(w))),
            }
            for q, w in sorted(waits.items())
        },
        "tasks_killed_by_scale_down": dict(result.queues.killed),
        "refresh_to_new_adapter_s": {
            "p50": _round(float(np.percentile(refreshed, 50))) if refreshed.size else None,
            "max": _round(float(refreshed.max())) if refreshed.size else None,
        },
    }


def hourly_json(hours: Hourly, names: list[str], inputs: Inputs) -> dict[str, Any]:
    gpu_hours = hours.gpu_hours.sum(axis=1)
    return {
        "start_hour": hours.start_h,
        "chats": hours.chats.astype(int).tolist(),
        "replicas": {n: np.round(hours.pods[:, c], 2).tolist() for c, n in enumerate(names)},
        "gpu_hours": np.round(gpu_hours, 2).tolist(),
        "gpu_cost_usd": np.round(gpu_hours * inputs.gpu_hour_usd, 2).tolist(),
        "ttft_p50_s": [_round(x) for x in hours.ttft_p50],
        "ttft_p99_s": [_round(x) for x in hours.ttft_p99],
        "vllm_waiting": np.round(hours.vllm_waiting, 2).tolist(),
        "rejected_chats": np.round(hours.rejected).astype(int).tolist(),
        "queue_wait_max_s": {q: np.round(w).tolist() for q, w in hours.queue_wait_max.items()},
    }


def _round(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 3 if value < 10 else 1)


LONG_WAIT_S = 3600.0  # a worker queue wait past this, at max replicas, counts as saturated


def saturated(result: Result, policy: Policy) -> dict[str, float]:
    """Minutes each Deployment spent with its max replicas serving and work piling up: chats in a
    vLLM backlog, queued or refused at inference or the gateway, CPU past 100%, or a
    worker queue's task waiting over an hour."""
    minutes = result.tick_s / 60
    found: dict[str, float] = {}
    start_waits: dict[str, list[float]] = {}
    for started, queue, seconds in result.queues.waits:
        if seconds > LONG_WAIT_S:
            start_waits.setdefault(queue, []).append(started)
    for c, name in enumerate(result.names):
        workload = policy.cluster.workloads[name]
        at_max = result.ready[:, c] >= policy.cluster.bounds(name)[1]
        if workload.role == "vllm":
            piling = result.backlog[:, policy.pools.index(name)] > 0
        elif workload.role == "inference":
            piling = (result.pressure[:, 0] > 0) | (result.pressure[:, 2] > 100)
        elif workload.role == "gateway":
            piling = (result.pressure[:, 1] > 0) | (result.pressure[:, 3] > 100)
        elif workload.role == "worker":
            piling = np.zeros(len(at_max), dtype=bool)
            for queue in workload.queues:
                for started in start_waits.get(queue, []):
                    tick = int((started - result.start_s) // result.tick_s)
                    piling[min(max(tick, 0), len(piling) - 1)] = True
        else:
            continue
        share = float(np.sum(at_max & piling)) * minutes
        if share:
            found[name] = round(share, 1)
    return found


def at_max(result: Result, policy: Policy, hour: int, share: float = 0.5) -> list[str]:
    """Deployments whose serving pods sat at their max replicas for at least `share` of
    the given hour."""
    per_hour = round(HOUR_S / result.tick_s)
    span = slice(hour * per_hour, (hour + 1) * per_hour)
    found = []
    for c, name in enumerate(result.names):
        rule = policy.cluster.rules.get(name)
        if rule is None or rule.max_replicas <= rule.min_replicas:
            continue
        if np.mean(result.ready[span, c] >= rule.max_replicas) >= share:
            found.append(name)
    return found
