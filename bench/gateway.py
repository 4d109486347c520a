"""Gateway overhead: GET /courses/{id}/search through the gateway against the same request
sent to the inference service directly, by 8 concurrent clients on loopback.

The real processes (`make up`'s) on free ports: inference, the ingest service and its worker
(to index the sample course's Markdown, uploaded through the gateway; stopped once it is
indexed), and the gateway with rate limits off, so it measures forwarding, not refusals.
After a warm-up, rounds alternate between the two targets (same requests, same number), and
the JSON gives each one's p50 and p99 latency, requests per second, CPU per request of each
server process, and the gateway/direct ratios.

Run: make bench  (writes bench/results/gateway.json)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, write_result

from services.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
MATERIAL = ROOT / "examples" / "sample-course" / "material"
QUERIES = ROOT / "examples" / "sample-course" / "eval" / "course" / "queries.jsonl"
PROCESSES = ["inference", "worker", "ingest", "gateway"]
COURSE = "bench-gateway"
CLIENTS = 8
WARMUP = 80
REQUESTS_PER_ROUND = 200
ROUNDS = 3
TARGET_RATIO = 1.2


def index_course(gateway: str, headers: dict[str, str]) -> int:
    """Creates the course and uploads the sample course's Markdown; its chunk count."""
    with httpx.Client(base_url=gateway, headers=headers, timeout=300.0) as api:
        api.post("/courses", json={"id": COURSE, "name": "Gateway bench"}).raise_for_status()
        files = [("files", (p.name, p.read_bytes(), "text/markdown")) for p in _markdown()]
        uploaded = api.post(f"/courses/{COURSE}/documents", files=files, params={"wait_s": 300})
        uploaded.raise_for_status()
        job = uploaded.json()["job"]
        if job is None or job["state"] != "succeeded":
            raise RuntimeError(f"indexing did not succeed: {uploaded.text}")
        documents = api.get(f"/courses/{COURSE}/documents").json()
        return sum(int(d["chunks"]) for d in documents)


def _markdown() -> list[Path]:
    return sorted(MATERIAL.glob("*.md"))


def queries() -> list[str]:
    return [json.loads(line)["text"] for line in QUERIES.read_text().splitlines() if line]


def run_round(
    clients: list[httpx.Client], texts: list[str], count: int
) -> tuple[list[float], float]:
    """`count` searches shared by the clients, one thread each; latencies and wall time."""
    pending = iter(range(count))
    lock = threading.Lock()
    latencies: list[float] = []

    def work(client: httpx.Client) -> None:
        while True:
            with lock:
                n = next(pending, None)
            if n is None:
                return
            started = time.perf_counter()
            answer = client.get(f"/courses/{COURSE}/search", params={"q": texts[n % len(texts)]})
            elapsed = time.perf_counter() - started
            if answer.status_code != 200 or not answer.json():
                raise RuntimeError(f"search answered {answer.status_code}: {answer.text[:200]}")
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if len(latencies) != count:
        raise RuntimeError(f"{count - len(latencies)} searches failed; see the output above")
    return latencies, wall


def summary(latencies: list[float], wall: float) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
        "requests_per_s": round(len(latencies) / wall, 1),
        "requests": len(latencies),
    }


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_used(pids: dict[str, int], before: dict[str, float | None]) -> dict[str, float]:
    used = {}
    for name, start in before.items():
        now = cpu_seconds(pids[name])
        if start is not None and now is not None:
            used[name] = now - start
    return used


def measure(targets: dict[str, tuple[str, dict[str, str]]], pids: dict[str, int]) -> dict[str, Any]:
    clients = {
        name: [httpx.Client(base_url=url, headers=headers, timeout=60.0) for _ in range(CLIENTS)]
        for name, (url, headers) in targets.items()
    }
    texts = queries()
    try:
        for pool in clients.values():
            run_round(pool, texts, WARMUP)
        latencies: dict[str, list[float]] = {name: [] for name in targets}
        walls = dict.fromkeys(targets, 0.0)
        per_round: dict[str, list[float]] = {name: [] for name in targets}
        # CPU each server process spent on each target's requests: on 2 cores the machine is
        # saturated, so the gateway's CPU per request is what its latency costs.
        cpu: dict[str, dict[str, float]] = {name: dict.fromkeys(pids, 0.0) for name in targets}
        for n in range(ROUNDS):
            # Alternating which goes first, so neither always runs on a warmer machine.
            order = list(targets) if n % 2 == 0 else list(reversed(targets))
            for name in order:
                before = {process: cpu_seconds(pid) for process, pid in pids.items()}
                taken, wall = run_round(clients[name], texts, REQUESTS_PER_ROUND)
                for process, seconds in cpu_used(pids, before).items():
                    cpu[name][process] += seconds
                latencies[name] += taken
                walls[name] += wall
                per_round[name].append(summary(taken, wall)["p50_ms"])
        return {
            name: {
                **summary(latencies[name], walls[name]),
                "p50_ms_per_round": per_round[name],
                "cpu_ms_per_request": {
                    process: round(seconds * 1000 / len(latencies[name]), 2)
                    for process, seconds in cpu[name].items()
                },
            }
            for name in targets
        }
    finally:
        for pool in clients.values():
            for client in pool:
                client.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as data_dir:
        stack = Stack(
            data_dir=Path(data_dir),
            ports={name: free_port() for name in PROCESSES if name != "worker"},
            extra_env={"BYOSC_GATEWAY__RATE_LIMITS__ENABLED": "false"},
        )
        try:
            for process in PROCESSES:
                stack.start(process)
            admin = stack.first_admin_key()
            if admin is None:
                raise RuntimeError("the new stack has an admin key already")
            auth = {"authorization": f"Bearer {admin.token}"}
            chunks = index_course(stack.url("gateway"), auth)
            # Searches need neither: stopped, they take no CPU from the processes measured.
            stack.stop("ingest")
            stack.stop("worker")
            figures = measure(
                {"gateway": (stack.url("gateway"), auth), "direct": (stack.url("inference"), {})},
                {name: stack.processes[name].pid for name in ("gateway", "inference")},
            )
        finally:
            stack.stop_all()
    gateway, direct = figures["gateway"], figures["direct"]
    p50_ratio = round(gateway["p50_ms"] / direct["p50_ms"], 3)
    p99_ratio = round(gateway["p99_ms"] / direct["p99_ms"], 3)
    write_result(
        "gateway",
        {
            "route": "GET /courses/{id}/search?q=",
            "clients": CLIENTS,
            "rounds": ROUNDS,
            "requests_per_round": REQUESTS_PER_ROUND,
            "warmup_requests": WARMUP,
            "cpu_count": os.cpu_count(),
            "course_chunks": chunks,
            "gateway": gateway,
            "direct": direct,
            "p50_ratio": p50_ratio,
            "p99_ratio": p99_ratio,
            "target_ratio": TARGET_RATIO,
            "within_target": max(p50_ratio, p99_ratio) <= TARGET_RATIO,
        },
    )


if __name__ == "__main__":
    main()
