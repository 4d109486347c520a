"""One vLLM replica, request by request and step by step: where chats' waits come from.

Each engine step decodes one token for every running sequence and prefills newly admitted
prompts; it lasts `t0 + t1 * running + prefill_tokens / prefill_rate` (+ the time to read
an adapter that is in neither GPU nor CPU cache). Admission follows vLLM's scheduler:
first come first served, up to max_num_seqs sequences, max_num_batched_tokens tokens per
step and the KV cache, and at most max_loras distinct adapters among the running
sequences: a request whose adapter would be one too many is skipped until a slot frees.
That last rule is why many courses' adapters on one replica wait longer than one course's.

`calibrate` runs the replica at rising request rates for one pool's adapter popularity
and returns its saturated throughput and, per rate, the time-to-first-token distribution
and the mean waiting, running and KV-cache figures the autoscaler's metrics read.
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np

from .inputs import Inputs
from .workload import Workload

LEVELS = np.linspace(0.0, 1.0, 201)  # quantile levels kept per calibrated rate
# Rates tried, as shares of the bound prefill and decoding alone set (no adapter limits).
LOADS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.36, 0.42, 0.5, 0.58, 0.66, 0.74, 0.82, 0.9, 1.0)
REQUESTS = 1200  # requests simulated per calibrated rate (p99: the 12th longest)
ACTIVATIONS_GB = 2.0  # memory vLLM keeps for activations besides weights and KV cache


@dataclass(frozen=True)
class Engine:
    t0: float
    t1: float
    prefill_s_per_token: float
    max_num_seqs: int
    max_batched_tokens: int
    kv_tokens: int
    max_loras: int
    max_cpu_loras: int
    adapter_load_s: float


def engine_for(workload: Workload, inputs: Inputs) -> Engine:
    """The step-time model of `workload`'s vLLM arguments on one H200. t0 reads the
    weights; t1 is calibrated so that a full batch decodes at the published throughput."""
    utilization = workload.arg("--gpu-memory-utilization", inputs.gpu_memory_utilization)
    free_gb = inputs.gpu_memory_gb * utilization - inputs.weights_gb - ACTIVATIONS_GB
    kv_tokens = int(free_gb * 1e9 / inputs.kv_bytes_per_token)
    max_num_seqs = int(workload.arg("--max-num-seqs", inputs.default_max_num_seqs))
    t0 = inputs.weights_gb / (inputs.h200_bandwidth_tbs * 1e3 * inputs.bandwidth_efficiency)
    per_sequence = inputs.prompt_tokens + inputs.output_tokens / 2
    full_batch = max(1.0, min(max_num_seqs, kv_tokens / per_sequence))
    t1 = max(0.0, (full_batch / inputs.decode_tokens_per_s - t0) / full_batch)
    max_loras = int(workload.arg("--max-loras", 1))  # vLLM's default is one adapter
    return Engine(
        t0=t0,
        t1=t1,
        prefill_s_per_token=1.0 / inputs.prefill_tokens_per_s,
        max_num_seqs=max_num_seqs,
        max_batched_tokens=int(
            workload.arg("--max-num-batched-tokens", inputs.default_max_batched_tokens)
        ),
        kv_tokens=kv_tokens,
        max_loras=max_loras,
        max_cpu_loras=int(workload.arg("--max-cpu-loras", max_loras)),
        adapter_load_s=inputs.adapter_load_s,
    )


@dataclass(frozen=True)
class Run:
    ttft: np.ndarray  # seconds, requests that arrived after the warm-up
    throughput: float  # requests finished per second after the warm-up
    waiting: float  # time-averaged requests waiting
    running: float
    kv_share: float  # time-averaged share of the KV cache in use
    duration: float  # mean seconds from arrival to last token


def simulate(
    engine: Engine,
    rate: float,
    popularity: np.ndarray,
    inputs: Inputs,
    seconds: float,
    rng: np.random.Generator,
    warmup: float = 30.0,
) -> Run:
    count = int(rng.poisson(rate * seconds))
    arrivals = np.sort(rng.uniform(0.0, seconds, count))
    adapters = rng.choice(len(popularity), size=count, p=popularity)
    adapters[rng.random(count) >= inputs.adapter_share] = -1  # the base model: no slot
    outputs = np.maximum(1, rng.exponential(inputs.output_tokens, count).astype(int))
    prompt = inputs.prompt_tokens
    start = np.full(count, np.nan)
    finish = np.full(count, np.nan)
    waiting_by_adapter: dict[int, deque[int]] = {}
    order: deque[int] = deque()
    admitted = np.zeros(count, dtype=bool)
    running_by_adapter: dict[int, int] = {}
    cpu_cache: OrderedDict[int, None] = OrderedDict()
    finishing: dict[int, list[int]] = {}
    finish_steps: list[int] = []  # heap of the steps in `finishing`
    t, step, running, kv_used, nxt, taken = 0.0, 0, 0, 0, 0, 0
    area_waiting = area_running = area_kv = 0.0
    while nxt < count or running:
        while nxt < count and arrivals[nxt] <= t:
            waiting_by_adapter.setdefault(int(adapters[nxt]), deque()).append(nxt)
            order.append(nxt)
            nxt += 1
        if not running and nxt == taken:
            t = float(arrivals[nxt])
            continue
        if nxt == taken:
            # Nothing to admit: the steps up to the next finish or arrival are all alike,
            # so they are taken at once.
            dt = engine.t0 + engine.t1 * running
            steps = finish_steps[0] - step
            if nxt < count:
                steps = min(steps, math.ceil((arrivals[nxt] - t) / dt))
            if steps > 1:
                skip = steps - 1
                area_running += running * dt * skip
                area_kv += kv_used * dt * skip
                t += dt * skip
                step += skip
        budget = engine.max_batched_tokens - running
        new: list[int] = []
        loads = 0
        while nxt > taken and running + len(new) < engine.max_num_seqs and budget >= prompt:
            pick = _next_request(engine, waiting_by_adapter, order, admitted, running_by_adapter)
            if pick is None or kv_used + prompt + outputs[pick] > engine.kv_tokens:
                break
            adapter = int(adapters[pick])
            waiting_by_adapter[adapter].popleft()
            admitted[pick] = True
            if adapter >= 0:
                if adapter not in running_by_adapter and adapter not in cpu_cache:
                    loads += 1
                cpu_cache[adapter] = None
                cpu_cache.move_to_end(adapter)
                if len(cpu_cache) > engine.max_cpu_loras:
                    cpu_cache.popitem(last=False)
                running_by_adapter[adapter] = running_by_adapter.get(adapter, 0) + 1
            taken += 1
            kv_used += prompt + int(outputs[pick])
            budget -= prompt
            new.append(pick)
        running += len(new)
        dt = (
            engine.t0
            + engine.t1 * running
            + len(new) * prompt * engine.prefill_s_per_token
            + loads * engine.adapter_load_s
        )
        area_waiting += (nxt - taken) * dt
        area_running += running * dt
        area_kv += kv_used * dt
        t += dt
        step += 1
        for r in new:
            start[r] = t
            done_at = step + int(outputs[r]) - 1
            if done_at not in finishing:
                heapq.heappush(finish_steps, done_at)
            finishing.setdefault(done_at, []).append(r)
        while finish_steps and finish_steps[0] <= step:
            heapq.heappop(finish_steps)
        for r in finishing.pop(step, ()):
            finish[r] = t
            running -= 1
            kv_used -= prompt + int(outputs[r])
            adapter = int(adapters[r])
            if adapter >= 0:
                running_by_adapter[adapter] -= 1
                if not running_by_adapter[adapter]:
                    del running_by_adapter[adapter]
        while order and admitted[order[0]]:
            order.popleft()
    measured = arrivals >= warmup
    done = measured & ~np.isnan(finish)
    in_window = (finish >= warmup) & (finish <= seconds)
    return Run(
        ttft=start[measured] - arrivals[measured],
        throughput=float(in_window.sum()) / max(seconds - warmup, 1e-9),
        waiting=area_waiting / max(t, 1e-9),
        running=area_running / max(t, 1e-9),
        kv_share=area_kv / max(t, 1e-9) / engine.kv_tokens,
        duration=float(np.nanmean(finish[done] - arrivals[done])) if done.any() else 0.0,
    )


def _next_request(
    engine: Engine,
    waiting_by_adapter: dict[int, deque[int]],
    order: deque[int],
    admitted: np.ndarray,
    running_by_adapter: dict[int, int],
) -> int | None:
    """The oldest waiting request the scheduler may admit now: any request while fewer
    than max_loras adapters run, else the oldest one of a running adapter or the base."""
    best: int | None = None
    for adapter in (-1, *running_by_adapter):
        queue = waiting_by_adapter.get(adapter)
        if queue and (best is None or queue[0] < best):
            best = queue[0]
    if len(running_by_adapter) < engine.max_loras:
        for r in order:
            if not admitted[r]:
                if best is None or r < best:
                    best = r
                break
    return best


@dataclass(frozen=True)
class Curve:
    """A replica's behaviour against the request rate it receives."""

    capacity: float  # requests per second when saturated
    rates: np.ndarray  # calibrated rates, rising
    ttft: np.ndarray  # (rates, LEVELS) quantiles of time to first token
    waiting: np.ndarray
    running: np.ndarray
    kv_share: np.ndarray
    duration: np.ndarray

    def at(self, rate: float) -> int:
        """Index of the calibrated rate at or just above `rate` (the last if beyond)."""
        return min(int(np.searchsorted(self.rates, rate)), len(self.rates) - 1)


def calibrate(engine: Engine, popularity: np.ndarray, inputs: Inputs, seed: int) -> Curve:
    """Runs at rising rates up to the bound prefill and decoding alone would set; the
    capacity is the highest rate the replica keeps up with (finishes 95% of what comes in),
    and the curve holds the rates it keeps up with."""
    rng = np.random.default_rng(seed)
    per_request = inputs.prompt_tokens * engine.prefill_s_per_token
    bound = 1.0 / (per_request + inputs.output_tokens * (engine.t1 + engine.t0 / 64))
    runs: list[tuple[float, Run]] = []
    for share in LOADS:
        rate = share * bound
        run = simulate(engine, rate, popularity, inputs, max(90.0, REQUESTS / rate), rng)
        if runs and run.throughput < 0.95 * rate:
            break
        runs.append((rate, run))
    return Curve(
        capacity=runs[-1][0],
        rates=np.array([rate for rate, _ in runs]),
        ttft=np.array([np.quantile(run.ttft, LEVELS) for _, run in runs]),
        waiting=np.array([run.waiting for _, run in runs]),
        running=np.array([run.running for _, run in runs]),
        kv_share=np.array([run.kv_share for _, run in runs]),
        duration=np.array([run.duration for _, run in runs]),
    )
