"""What a Deployment of the rendered manifests is, for the model: its role (gateway,
inference, vLLM, a Celery worker and its queues, or another service) from its container's
command, image and arguments, its replicas, CPU request, GPUs and environment."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

GRACE_S = 30.0  # terminationGracePeriodSeconds default


@dataclass(frozen=True)
class Workload:
    name: str
    role: str  # gateway, inference, vllm, worker or service
    replicas: int
    cpu_request: float
    gpus: int
    queues: tuple[str, ...] = ()
    concurrency: int = 1
    grace_s: float = GRACE_S
    args: dict[str, str] = dataclasses.field(default_factory=dict)
    env: dict[str, str] = dataclasses.field(default_factory=dict)

    def arg(self, name: str, default: float) -> float:
        return float(self.args.get(name, default))


def read_workload(obj: dict[str, Any], config: dict[str, dict[str, str]]) -> Workload:
    """A Deployment's role, replicas, resources, queues and arguments; ConfigMaps by name
    give the environment its envFrom refers to."""
    name = obj["metadata"]["name"]
    pod = obj["spec"]["template"]["spec"]
    container = pod["containers"][0]
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    args = _flags(words)
    resources = container.get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    cpu = _cpu(requests.get("cpu", limits.get("cpu", "1")))
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        env.update(config.get((source.get("configMapRef") or {}).get("name", ""), {}))
    env.update({e["name"]: str(e.get("value", "")) for e in container.get("env") or []})
    image = str(container.get("image", ""))
    if "services.gateway" in words:
        role = "gateway"
    elif "services.inference" in words:
        role = "inference"
    elif "vllm" in image or "--enable-lora" in args:
        role = "vllm"
    elif "worker" in words and "--queues" in args:
        role = "worker"
    else:
        role = "service"
    queues = tuple(q for q in args.get("--queues", "").split(",") if q)
    # Celery's default concurrency is the CPU count; the pod's CPU request stands for it.
    concurrency = int(args.get("--concurrency", max(1, math.ceil(cpu))))
    return Workload(
        name=name,
        role=role,
        replicas=int(obj["spec"].get("replicas", 1)),
        cpu_request=cpu,
        gpus=int(limits.get("nvidia.com/gpu", 0)),
        queues=queues,
        concurrency=concurrency,
        grace_s=float(pod.get("terminationGracePeriodSeconds", GRACE_S)),
        args=args,
        env=env,
    )


def _flags(words: list[str]) -> dict[str, str]:
    flags: dict[str, str] = {}
    for n, word in enumerate(words):
        if not word.startswith("--"):
            continue
        if "=" in word:
            key, value = word.split("=", 1)
            flags[key] = value
        elif n + 1 < len(words) and not words[n + 1].startswith("--"):
            flags[word] = words[n + 1]
        else:
            flags[word] = "true"
    return flags


def _cpu(value: Any) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)
