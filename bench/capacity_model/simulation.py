"""The semester, one time step (KEDA's polling interval) at a time.

Chats go gateway -> inference -> the course's vLLM pool. Each pool's replicas share its
chats evenly; a replica's time to first token, waiting, running and KV-cache figures come
from its calibrated `Curve` (a per-request simulation) at the rate each replica receives.
Past a replica's capacity the surplus waits in a backlog that drains when replicas are
added. Inference and the gateway hold a chat for its whole life (Little's law gives how
many are in flight); past inference's running slots chats queue, past its queue they are
refused (503). Their CPU time comes from bench/ measurements. Workers run their queues
task by task (`workers`). The autoscaler reads every metric the manifests' triggers name
from this state and acts at each polling interval (`autoscaler`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .arrivals import Semester
from .autoscaler import Scaler
from .inputs import Inputs
from .rules import Cluster, Trigger
from .vllm_replica import Curve
from .workers import Queues
from .workload import Workload


@dataclass(frozen=True)
class Policy:
    name: str
    cluster: Cluster
    pools: list[str]  # the vLLM Deployments
    masks: list[np.ndarray]  # each pool's courses
    curves: list[Curve]


@dataclass
class Result:
    policy: str
    names: list[str]
    gpus: np.ndarray  # per pod, per Deployment
    cpus: np.ndarray
    pods: np.ndarray  # (ticks, Deployments), starting and draining pods included
    ready: np.ndarray  # (ticks, Deployments) pods serving
    chats: np.ndarray  # (ticks, pools)
    shift: np.ndarray  # (ticks, pools) seconds added to the replica's time to first token
    index: np.ndarray  # (ticks, pools) the replica curve's (fractional) row in use
    vllm_waiting: np.ndarray  # (ticks, pools)
    backlog: np.ndarray  # (ticks, pools) chats beyond the replicas' capacity, waiting
    rejected: np.ndarray  # (ticks,) chats refused (503)
    pressure: np.ndarray  # (ticks, 4) inference queued, gateway queued, their CPU use (%)
    queues: Queues
    tick_s: float
    start_s: float
    notes: list[str] = field(default_factory=list)


def startup_s(workload: Workload, inputs: Inputs) -> float:
    if workload.role == "vllm":
        return inputs.vllm_startup_s
    return inputs.gpu_worker_startup_s if workload.gpus else inputs.cpu_pod_startup_s


def run(policy: Policy, semester: Semester, chats: np.ndarray, first_day: int = 0) -> Result:
    inputs, cluster, dt = semester.inputs, policy.cluster, semester.inputs.tick_s
    names = list(cluster.workloads)
    scalers = {
        n: Scaler(w, cluster.rules.get(n), startup_s(w, inputs))
        for n, w in cluster.workloads.items()
    }
    gateway, inference = cluster.one("gateway"), cluster.one("inference")
    pool_of_course = np.zeros(inputs.courses, dtype=int)
    for p, mask in enumerate(policy.masks):
        pool_of_course[mask] = p
    queues = Queues(inputs, cluster.role("worker"), pool_of_course)
    start_s = first_day * 86_400.0
    ticks, pools = chats.shape
    end_s = start_s + ticks * dt
    refreshes = [r for r in semester.refreshes() if start_s <= r.at_s < end_s]
    pool_index = {name: p for p, name in enumerate(policy.pools)}
    inf_slots = int(inference.env.get("BYOSC_INFLIGHT__RUNNING", inputs.inference_running))
    inf_room = int(inference.env.get("BYOSC_INFLIGHT__WAITING", inputs.inference_waiting))
    gw_slots = int(gateway.env.get("BYOSC_GATEWAY__INFLIGHT__RUNNING", inputs.gateway_running))
    relay_s = inputs.output_tokens * inputs.relay_cpu_ms_per_token / 1000
    gw_cpu_s = inputs.gateway_cpu_ms / 1000 + relay_s
    inf_cpu_s = inputs.inference_cpu_ms / 1000 + relay_s
    fixed_s = (inputs.gateway_cpu_ms + inputs.retrieval_ms) / 1000
    search_s = inputs.retrieval_ms / 1000
    search_cpu_s = inputs.inference_cpu_ms / 1000

    out = Result(
        policy=policy.name,
        names=names,
        gpus=np.array([cluster.workloads[n].gpus for n in names]),
        cpus=np.array([cluster.workloads[n].cpu_request for n in names]),
        pods=np.zeros((ticks, len(names)), dtype=np.int16),
        ready=np.zeros((ticks, len(names)), dtype=np.int16),
        chats=chats,
        shift=np.zeros((ticks, pools), dtype=np.float32),
        index=np.zeros((ticks, pools), dtype=np.float32),
        vllm_waiting=np.zeros((ticks, pools), dtype=np.float32),
        backlog=np.zeros((ticks, pools), dtype=np.float32),
        rejected=np.zeros(ticks, dtype=np.float32),
        pressure=np.zeros((ticks, 4), dtype=np.float32),
        queues=queues,
        tick_s=dt,
        start_s=start_s,
    )
    backlog, waiting, running, kv, life = ([0.0] * pools for _ in range(5))
    cpu_backlog = {"gateway": 0.0, "inference": 0.0}
    state = {"gateway_cpu": 0.0, "inference_cpu": 0.0, "searches_inflight": 0.0}
    state |= {f"{r}_{q}": 0.0 for r in ("gateway", "inference") for q in ("inflight", "queued")}
    pool_scalers = [scalers[name] for name in policy.pools]
    scaler_list = [scalers[n] for n in names]
    tables = [_Table(curve) for curve in policy.curves]
    worker_names = [w.name for w in cluster.role("worker")]
    getters = [
        (
            n,
            s,
            [
                _getter(
                    n, trig, cluster, scalers, pool_index, queues, state, (waiting, running, kv)
                )
                for trig in s.rule.triggers
            ],
        )
        for n, s in scalers.items()
        if s.rule is not None
    ]
    rows: list[list[float]] = []
    shifts: list[list[float]] = []
    waits_vllm: list[list[float]] = []
    backlogs: list[list[float]] = []
    pods: list[tuple[int, ...]] = []
    serving: list[tuple[int, ...]] = []
    rejected: list[float] = []
    pressure: list[list[float]] = []
    per_tick = chats.tolist()
    totals = chats.sum(axis=1).tolist()
    next_refresh = 0
    for k in range(ticks):
        t = start_s + k * dt
        for s in scalers.values():
            if s.pending and s.pending[0] <= t:
                s.advance(t)
        while next_refresh < len(refreshes) and refreshes[next_refresh].at_s <= t + dt:
            r = refreshes[next_refresh]
            call_s = tables[pool_of_course[r.course]].duration[0]
            queues.refresh(r.at_s, r.course, r.pages, r.recording_minutes, call_s)
            next_refresh += 1
        queues.step(t, t + dt, {n: scalers[n].ready for n in worker_names})
        extra = queues.chat_load(pools) if queues.any_llm() else [0.0] * pools
        counts = per_tick[k]
        row_k, shift_k = [0.0] * pools, [0.0] * pools
        for p in range(pools):
            scaler, table = pool_scalers[p], tables[p]
            n, rate = scaler.ready, counts[p] / dt + extra[p]
            before = backlog[p]
            if n:
                capacity = table.capacity * n
                backlog[p] = after = max(0.0, before + (rate - capacity) * dt)
                row = table.at(table.capacity if after else rate / n)
                wait = 0.5 * (before + after) / capacity
            else:
                backlog[p] = after = before + rate * dt
                row = 0.0
                ready_at = scaler.pending[0] if scaler.pending else t + scaler.startup_s
                wait = ready_at - t + after / table.capacity
            low = int(row)
            high, share = min(low + 1, table.last), row - low
            waiting[p] = n * (table.waiting[low] * (1 - share) + table.waiting[high] * share)
            waiting[p] += after
            running[p] = n * (table.running[low] * (1 - share) + table.running[high] * share)
            kv[p] = (table.kv_share[low] * (1 - share) + table.kv_share[high] * share) if n else 0.0
            life[p] = table.duration[low] * (1 - share) + table.duration[high] * share + wait
            row_k[p], shift_k[p] = row, wait
        total = totals[k]
        chat_rate = total / dt
        searches = chat_rate * inputs.searches_per_chat
        if pools == 1:
            mean_life = fixed_s + life[0]
        else:
            mean_life = fixed_s + (
                sum(c * x for c, x in zip(counts, life, strict=True)) / total if total else 0.0
            )
        inf_ready, gw_ready = scalers[inference.name].ready, scalers[gateway.name].ready
        offered = chat_rate * mean_life
        slots, room = inf_ready * inf_slots, inf_ready * inf_room
        queued = min(max(0.0, offered - slots), room)
        refused = max(0.0, offered - slots - room)
        inf_wait = queued * mean_life / slots if slots else 0.0
        rejected.append(total * refused / offered if offered else 0.0)
        inf_cores = chat_rate * inf_cpu_s + searches * search_cpu_s
        gw_cores = (chat_rate + searches) * gw_cpu_s
        inf_capacity = inf_ready * inference.cpu_request
        gw_capacity = gw_ready * gateway.cpu_request
        cpu_waits = _cpu_wait(cpu_backlog, "inference", inf_cores, inf_capacity, inf_cpu_s, dt)
        cpu_waits += _cpu_wait(cpu_backlog, "gateway", gw_cores, gw_capacity, gw_cpu_s, dt)
        gw_offered = chat_rate * (mean_life + inf_wait) + searches * search_s
        state["inference_inflight"] = min(offered, slots) + searches * search_s
        state["inference_queued"] = queued
        state["gateway_inflight"] = min(gw_offered, gw_ready * gw_slots)
        state["gateway_queued"] = max(0.0, gw_offered - gw_ready * gw_slots)
        state["searches_inflight"] = searches * search_s
        state["inference_cpu"] = 100.0 * inf_cores / inf_capacity if inf_capacity else 0.0
        state["gateway_cpu"] = 100.0 * gw_cores / gw_capacity if gw_capacity else 0.0
        pressure.append(
            [queued, state["gateway_queued"], state["inference_cpu"], state["gateway_cpu"]]
        )
        common = fixed_s + inf_wait + cpu_waits
        shifts.append([x + common for x in shift_k])
        rows.append(row_k)
        waits_vllm.append(waiting[:])
        backlogs.append(backlog[:])
        for name, s, reads in getters:
            due = t >= s.next_poll
            if due and s.poll(t, [read() for read in reads]) and name in queues.pools:
                queues.lose_pods(t, name, s.ready)
        now = tuple(x.pods for x in scaler_list)
        if queues.draining():
            now = tuple(x + queues.busy_pods(n) for x, n in zip(now, names, strict=True))
        pods.append(now)
        serving.append(tuple(x.ready for x in scaler_list))
    out.index = np.array(rows, dtype=np.float32).reshape(ticks, pools)
    out.shift = np.array(shifts, dtype=np.float32).reshape(ticks, pools)
    out.vllm_waiting = np.array(waits_vllm, dtype=np.float32).reshape(ticks, pools)
    out.backlog = np.array(backlogs, dtype=np.float32).reshape(ticks, pools)
    out.pods = np.array(pods, dtype=np.int16).reshape(ticks, len(names))
    out.ready = np.array(serving, dtype=np.int16).reshape(ticks, len(names))
    out.rejected = np.array(rejected, dtype=np.float32)
    out.pressure = np.array(pressure, dtype=np.float32).reshape(ticks, 4)
    return out


class _Table:
    """A curve as plain lists: read once per step, where numpy's per-item cost shows."""

    def __init__(self, curve: Curve) -> None:
        self.capacity = float(curve.capacity)
        self.rates = curve.rates.tolist()
        self.waiting = curve.waiting.tolist()
        self.running = curve.running.tolist()
        self.kv_share = curve.kv_share.tolist()
        self.duration = curve.duration.tolist()
        self.last = len(self.rates) - 1

    def at(self, rate: float) -> float:
        """Where `rate` falls among the calibrated rates, as a fractional row."""
        rates = self.rates
        above = bisect.bisect_left(rates, rate)
        if above == 0:
            return 0.0
        if above >= len(rates):
            return float(len(rates) - 1)
        low = rates[above - 1]
        return above - 1 + (rate - low) / (rates[above] - low)


def _getter(
    name: str,
    trigger: Trigger,
    cluster: Cluster,
    scalers: dict[str, Scaler],
    pool_index: dict[str, int],
    queues: Queues,
    state: dict[str, float],
    vllm: tuple[list[float], list[float], list[float]],
) -> Callable[[], float | None]:
    """How to read `trigger`'s metric from the simulation's state, as its query would."""
    signal, role = trigger.signal, cluster.workloads[name].role
    if signal.startswith("vllm") and name in pool_index:
        p, scaler = pool_index[name], scalers[name]
        series = dict(zip(("vllm_waiting", "vllm_running", "vllm_kv_cache"), vllm, strict=True))
        values, per_pod = series[signal], signal == "vllm_kv_cache"

        def read_vllm() -> float:
            ready = max(scaler.ready, 1)
            total = values[p] * (ready if per_pod else 1)
            return (total if trigger.aggregation == "sum" else total / ready) * trigger.scale

        return read_vllm
    if signal == "inflight" and role in ("gateway", "inference"):
        queued = "queued" in trigger.source
        return lambda: state[f"{role}_inflight"] + (state[f"{role}_queued"] if queued else 0.0)
    if signal == "retrieval_inflight" and role == "inference":
        return lambda: state["searches_inflight"]
    if signal in ("queue", "jobs_running") and trigger.queue in queues.waiting:
        queue = str(trigger.queue)
        if signal == "queue":
            return lambda: float(queues.listed(queue))
        return lambda: float(queues.running(queue))
    if signal == "cpu" and role in ("gateway", "inference"):
        return lambda: state[f"{role}_cpu"]
    return lambda: None


def _cpu_wait(
    backlog: dict[str, float], name: str, cores: float, capacity: float, service: float, dt: float
) -> float:
    """Queueing for CPU: M/M/1-like below 95% busy, a backlog of CPU seconds above."""
    if capacity <= 0:
        return 0.0
    busy = cores / capacity
    backlog[name] = max(0.0, backlog[name] + (cores - capacity) * dt)
    bounded = min(busy, 0.95)
    return service * bounded / (1 - bounded) + backlog[name] / capacity
