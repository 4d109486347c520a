"""A class of students at once: the `make up` stack driven through the gateway by simulated
users, in steps of 1, 4, 16 and 64 concurrent users, with an instructor refreshing.

Each user has its own client key and loops over what a course sees: a streamed chat (half of
them a follow-up to the previous answer), a plain chat, a search, a quiz made and graded,
with a short think time. Every step is bounded in time and in requests. Per step and route:
requests/s, p50/p99 time to first byte (for streams: to the first answer token) and to the
last byte of the answers given by the model, and the counts of degraded answers (the
model server past the chat's timeout: cited passages only), 429s, 503s and errors; per
process: the share of one core it used. The run names the step where throughput of
model-given answers stops growing and the busiest process there.

Run: .venv/bin/python bench/load.py [--users 1,4,16,64] [--step-s 40]
(writes bench/results/load.json and load.svg)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, free_port, write_result
from gateway import cpu_seconds, queries
from svg_plot import line_chart

from services.stack import SERVICES, Stack

ROOT = Path(__file__).resolve().parents[1]
MATERIAL = ROOT / "examples" / "sample-course" / "material"
COURSE = "load101"
MAX_TOKENS = 48
THINK_S = (0.2, 1.0)
REQUESTS_PER_USER_STEP = 40  # the bound on requests, next to the step's time
REFRESH_EVERY_S = 15.0
# (route, weight): what a student does next.
MIX = [("chat_stream", 4), ("chat", 2), ("search", 3), ("quiz", 1)]


@dataclass
class Sample:
    route: str
    status: int
    first_s: float
    last_s: float
    degraded: bool = False


@dataclass
class Step:
    users: int
    samples: list[Sample] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)


async def chat(client: httpx.AsyncClient, messages: list[dict[str, str]], stream: bool) -> Sample:
    body = {"course_id": COURSE, "messages": messages, "stream": stream, "max_tokens": MAX_TOKENS}
    route = "chat_stream" if stream else "chat"
    started = time.perf_counter()
    first = None
    lines = []
    async with client.stream("POST", "/chat", json=body) as response:
        async for line in response.aiter_lines():
            if first is None and (not stream or line.startswith("event: delta")):
                first = time.perf_counter() - started
            lines.append(line)
    last = time.perf_counter() - started
    sample = Sample(route, response.status_code, first if first is not None else last, last)
    sample.degraded = response.status_code == 200 and _degraded(lines, stream)
    return sample


def _degraded(lines: list[str], stream: bool) -> bool:
    """Whether the answer came without the model (down, or past the chat's model timeout)."""
    if stream:
        done = [n for n, line in enumerate(lines) if line == "event: done"]
        text = lines[done[-1] + 1].removeprefix("data: ") if done else "{}"
    else:
        text = "\n".join(lines)
    return bool(json.loads(text or "{}").get("degraded"))


async def timed_get(client: httpx.AsyncClient, route: str, path: str, **kw: Any) -> Sample:
    started = time.perf_counter()
    response = await client.get(path, **kw)
    elapsed = time.perf_counter() - started
    return Sample(route, response.status_code, elapsed, elapsed)


async def quiz(client: httpx.AsyncClient) -> Sample:
    started = time.perf_counter()
    made = await client.post(f"/courses/{COURSE}/quiz", json={"n": 2})
    first = time.perf_counter() - started
    if made.status_code != 200:
        return Sample("quiz", made.status_code, first, first)
    answers = {q["id"]: (q["options"] or ["I do not know"])[0] for q in made.json()["questions"]}
    graded = await client.post(
        f"/courses/{COURSE}/quiz/grade",
        json={"quiz_id": made.json()["quiz_id"], "answers": answers},
    )
    return Sample("quiz", graded.status_code, first, time.perf_counter() - started)


async def student(client: httpx.AsyncClient, step: Step, until: float, texts: list[str]) -> None:
    rng = random.Random(id(client))
    previous: list[dict[str, str]] = []
    routes, weights = zip(*MIX, strict=True)
    for _ in range(REQUESTS_PER_USER_STEP):
        if time.perf_counter() >= until:
            return
        route = rng.choices(routes, weights)[0]
        question = rng.choice(texts)
        try:
            if route in ("chat", "chat_stream"):
                follow_up = previous if route == "chat_stream" and rng.random() < 0.5 else []
                messages = [*follow_up, {"role": "user", "content": question}]
                sample = await chat(client, messages, stream=route == "chat_stream")
                previous = messages[-1:]
            elif route == "search":
                sample = await timed_get(
                    client, "search", f"/courses/{COURSE}/search", params={"q": question}
                )
            else:
                sample = await quiz(client)
            step.samples.append(sample)
        except httpx.HTTPError as error:
            name = f"{route}: {type(error).__name__}"
            step.failures[name] = step.failures.get(name, 0) + 1
        await asyncio.sleep(rng.uniform(*THINK_S))


async def instructor(client: httpx.AsyncClient, step: Step, until: float) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await client.post(f"/courses/{COURSE}/refresh")
        elapsed = time.perf_counter() - started
        step.samples.append(Sample("refresh", response.status_code, elapsed, elapsed))
        await asyncio.sleep(REFRESH_EVERY_S)


async def run_step(
    gateway: str, tokens: list[str], admin: str, users: int, step_s: float, texts: list[str]
) -> tuple[Step, float]:
    step = Step(users)
    timeout = httpx.Timeout(120.0, connect=10.0)
    clients = [
        httpx.AsyncClient(base_url=gateway, timeout=timeout, headers=_bearer(t))
        for t in tokens[:users]
    ]
    admin_client = httpx.AsyncClient(base_url=gateway, timeout=timeout, headers=_bearer(admin))
    started = time.perf_counter()
    until = started + step_s
    try:
        await asyncio.gather(
            instructor(admin_client, step, until),
            *(student(c, step, until, texts) for c in clients),
        )
    finally:
        for c in [*clients, admin_client]:
            await c.aclose()
    return step, time.perf_counter() - started


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000, 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 1)


def summarise(step: Step, wall: float, cpu: dict[str, float]) -> dict[str, Any]:
    routes: dict[str, Any] = {}
    for route in sorted({s.route for s in step.samples}):
        taken = [s for s in step.samples if s.route == route]
        ok = [s for s in taken if s.status < 400 and not s.degraded]
        routes[route] = {
            "requests": len(taken),
            "ok_per_s": round(len(ok) / wall, 2),
            "first_p50_ms": percentile([s.first_s for s in ok], 50),
            "first_p99_ms": percentile([s.first_s for s in ok], 99),
            "last_p50_ms": percentile([s.last_s for s in ok], 50),
            "last_p99_ms": percentile([s.last_s for s in ok], 99),
            "degraded": sum(s.degraded for s in taken),
            "status_429": sum(s.status == 429 for s in taken),
            "status_503": sum(s.status == 503 for s in taken),
            "other_errors": sum(s.status >= 400 and s.status not in (429, 503) for s in taken),
        }
    ok_total = sum(r["ok_per_s"] for r in routes.values())
    return {
        "users": step.users,
        "wall_s": round(wall, 1),
        "ok_per_s": round(ok_total, 2),
        "routes": routes,
        "client_failures": step.failures,
        "cpu_core_share": {name: round(sec / wall, 2) for name, sec in cpu.items()},
    }


def saturation(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The first step whose throughput grew by less than a fifth over the one before,
    and the process that used the most CPU there."""
    for before, now in itertools.pairwise(steps):
        if now["ok_per_s"] < before["ok_per_s"] * 1.2:
            busiest = max(now["cpu_core_share"].items(), key=lambda kv: kv[1])
            return {"users": now["users"], "busiest_process": busiest[0], "core_share": busiest[1]}
    last = steps[-1]
    busiest = max(last["cpu_core_share"].items(), key=lambda kv: kv[1])
    return {"users": None, "busiest_process": busiest[0], "core_share": busiest[1]}


def prepare(stack: Stack, users: int) -> tuple[str, list[str]]:
    admin = stack.first_admin_key()
    if admin is None:
        raise RuntimeError("the new stack has an admin key already")
    with httpx.Client(
        base_url=stack.url("gateway"), headers=_bearer(admin.token), timeout=600.0
    ) as api:
        api.post("/courses", json={"id": COURSE, "name": "Load test"}).raise_for_status()
        names = ["01-processes-and-threads.md", "02-cpu-scheduling.md", "03-memory-management.pdf"]
        files = [
            ("files", (n, (MATERIAL / n).read_bytes(), "application/octet-stream")) for n in names
        ]
        uploaded = api.post(f"/courses/{COURSE}/documents", files=files, params={"wait_s": 600})
        uploaded.raise_for_status()
        if (uploaded.json()["job"] or {}).get("state") != "succeeded":
            raise RuntimeError(f"indexing did not succeed: {uploaded.text[:300]}")
        tokens = []
        for n in range(users):
            key = {"name": f"student {n}", "role": "client", "courses": [COURSE]}
            tokens.append(api.post("/keys", json=key).raise_for_status().json()["token"])
    return admin.token, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="1,4,16,64")
    parser.add_argument("--step-s", type=float, default=40.0)
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]
    texts = queries()
    steps = []
    loadavg = Path("/proc/loadavg").read_text().split()[:3]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as data_dir:
        stack = Stack(data_dir=Path(data_dir), ports={s: free_port() for s in SERVICES})
        try:
            stack.start_all()
            admin, tokens = prepare(stack, max(levels))
            pids = {name: p.pid for name, p in stack.processes.items()}
            for users in levels:
                before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                step, wall = asyncio.run(
                    run_step(stack.url("gateway"), tokens, admin, users, args.step_s, texts)
                )
                cpu = {
                    name: (cpu_seconds(pid) or 0.0) - (before[name] or 0.0)
                    for name, pid in pids.items()
                }
                steps.append(summarise(step, wall, cpu))
                print(f"{users} users: {steps[-1]['ok_per_s']} ok/s", flush=True)
        finally:
            stack.stop_all()
    plot = line_chart(
        RESULTS / "load.svg",
        "Answered requests per second and chat p99 time to first token",
        "concurrent users",
        "requests/s | seconds",
        [float(s["users"]) for s in steps],
        {
            "answered requests/s": [s["ok_per_s"] for s in steps],
            "streamed chat p99 first token (s)": [
                (s["routes"].get("chat_stream", {}).get("first_p99_ms") or 0) / 1000 for s in steps
            ],
        },
    )
    write_result(
        "load",
        {
            "cpu_count": os.cpu_count(),
            "loadavg_before": loadavg,
            "step_s": args.step_s,
            "max_tokens": MAX_TOKENS,
            "mix": dict(MIX),
            "steps": steps,
            "saturation": saturation(steps),
            "plot": str(plot.relative_to(ROOT)),
        },
    )


if __name__ == "__main__":
    main()
