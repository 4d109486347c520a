"""`make compose-check`: build every image, run the single-node stack, use it, tear it down.

Steps: Docker installed and started if missing (and stopped again if this started it); the
base image (a stand-in built offline when the real one cannot be pulled); every image built
with the real Dockerfile and its size reported (the gateway's must not import torch); the
stack of compose.single-node.yml started; then through the gateway: /readyz, an admin key
made inside the gateway container, a course, the sample course's files uploaded, the refresh
job awaited, a /chat whose citation must name the file that holds the answer; the inference
container restarted and the same chat asked again. The stack's containers, networks and
volumes are removed however it ends. Exit status 0 only if every step passed.
Standard library only, run as root: python3 deploy/compose_check.py
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from images import (
    ROOT,
    Engine,
    build_base,
    build_images,
    docker_cli,
    has_torch,
    image_sizes,
    images_on_disk,
    local_torch_wheels,
    log,
    run,
)

COMPOSE_FILE = ROOT / "compose.single-node.yml"
PROJECT = "byosc-check"
MATERIAL = ROOT / "examples" / "sample-course" / "material"
COURSE = "cs140"
# The question, and the file whose passage answers it: the citation must name that file.
QUESTION = "What does the TLB cache?"
EXPECTED_FILE = "03-memory-management.pdf"
READY_TIMEOUT_S = 900
REFRESH_TIMEOUT_S = 1800


class Api:
    """The gateway, over plain HTTP with the admin key."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None

    def call(
        self, method: str, path: str, body: Any = None, *, files: list[Path] | None = None
    ) -> tuple[int, Any]:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        data = None
        if files is not None:
            data, ctype = _multipart(files)
            headers["content-type"] = ctype
        elif body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())

    def expect(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        status, answer = self.call(method, path, body, **kwargs)
        if status >= 300:
            raise RuntimeError(f"{method} {path} answered {status}: {answer}")
        return answer


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _multipart(files: list[Path]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for path in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts += [head.encode(), path.read_bytes(), b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    """compose.single-node.yml under a project name of its own, removed whole by down()."""

    def __init__(self, base: str) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "POSTGRES_PASSWORD": secrets.token_hex(16),
            "BYOSC_BASE": base,
            "BYOSC_PORT": str(self.port),
        }

    def compose(self, *args: str, check: bool = True, quiet: bool = True) -> str:
        command = ["docker-compose", "-p", PROJECT, "-f", str(COMPOSE_FILE), *args]
        return run(*command, check=check, quiet=quiet, env=self.env, cwd=ROOT)

    def up(self) -> None:
        self.compose("up", "-d", "--no-build")

    def logs(self, tail: int = 200) -> str:
        """The services' last lines, without the health probes' access lines."""
        out = self.compose("logs", "--no-color", f"--tail={tail}", check=False)
        return "\n".join(line for line in out.splitlines() if "z HTTP/1.1" not in line)

    def down(self) -> list[str]:
        """Removes everything; returns what is left over (should be nothing)."""
        # A second signal must not cut the tear-down short.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "20", check=False)
        label = f"label=com.docker.compose.project={PROJECT}"
        left = []
        for kind in ("container", "network", "volume"):
            listing = [docker_cli(), kind, "ls", "-q", "--filter", label]
            if kind == "container":
                listing.insert(3, "-a")
            names = run(*listing, check=False, quiet=True).split()
            left += [f"{kind} {name}" for name in names]
        return left

    def admin_token(self) -> str:
        """The first admin key, made inside the gateway container, where the DB is reached."""
        out = self.compose(
            "exec", "-T", "gateway", "byosc", "keys", "create", "--name", "compose-check",
            "--role", "admin", "--json",
        )  # fmt: skip
        return str(json.loads(out)["token"])


def wait_ready(api: Api, timeout_s: float) -> dict[str, Any]:
    """Until the gateway and every service behind it answer: /readyz says "ok", where a
    service that is down (an inference restarting) would leave it "degraded"."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            status, last = api.call("GET", "/readyz")
            if status == 200 and last.get("status") == "ok":
                return last
        except OSError as error:
            last = error
        time.sleep(3)
    raise RuntimeError(f"gateway not ready within {timeout_s:.0f}s: {last}")


def wait_job(api: Api, job_id: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = api.expect("GET", f"/jobs/{job_id}")
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(5)
    raise RuntimeError(f"refresh job {job_id} still running after {timeout_s:.0f}s")


def ask(api: Api) -> dict[str, Any]:
    """The chat must be answered by the model and cite the file that holds the answer."""
    body = {"course_id": COURSE, "messages": [{"role": "user", "content": QUESTION}]}
    answer = api.expect("POST", "/chat", body)
    files = [c.get("filename") for c in answer["citations"]]
    if answer.get("degraded") or not answer["answer"].strip():
        raise RuntimeError(f"the model did not answer: {answer}")
    if EXPECTED_FILE not in files:
        raise RuntimeError(f"no citation of {EXPECTED_FILE}: cited {files}")
    return answer


def exercise(stack: Stack, timings: dict[str, float], report: dict[str, Any]) -> None:
    api = Api(f"http://127.0.0.1:{stack.port}")
    started = time.monotonic()
    stack.up()
    report["readyz"] = wait_ready(api, READY_TIMEOUT_S)
    timings["stack up to /readyz"] = time.monotonic() - started
    api.token = stack.admin_token()
    api.expect("POST", "/courses", {"id": COURSE, "name": "Operating Systems Fundamentals"})
    started = time.monotonic()
    files = sorted(p for p in MATERIAL.iterdir() if p.is_file())
    accepted = api.expect("POST", f"/courses/{COURSE}/documents", files=files)
    job = wait_job(api, accepted["job_id"], REFRESH_TIMEOUT_S)
    timings["upload and refresh"] = time.monotonic() - started
    report["refresh"] = {k: job.get(k) for k in ("state", "changes", "errors", "duration_s")}
    if job["state"] != "succeeded":
        raise RuntimeError(f"refresh ended {job['state']}: {job.get('errors') or job}")
    started = time.monotonic()
    report["chat"] = ask(api)
    timings["chat"] = time.monotonic() - started
    started = time.monotonic()
    stack.compose("restart", "inference")
    wait_ready(api, READY_TIMEOUT_S)
    report["chat after restart"] = ask(api)
    timings["inference restart to answer"] = time.monotonic() - started


def summary(sizes: dict[str, int], timings: dict[str, float], report: dict[str, Any]) -> None:
    print("\n=== compose check summary ===")
    print("images (docker image inspect .Size):")
    for name, size in sizes.items():
        print(f"  byosc-{name:<12} {size / 1e6:8.0f} MB")
    if "images on disk" in report:
        print(f"  all images on disk, shared layers once: {report['images on disk']}")
    print("timings:")
    for step, seconds in timings.items():
        print(f"  {step:<30} {seconds:7.1f} s")
    if "refresh" in report:
        print(f"refresh: {json.dumps(report['refresh'])}")
    for key in ("chat", "chat after restart"):
        if key in report:
            chat = report[key]
            print(f"{key}: Q: {QUESTION}\n  A: {chat['answer'].strip()}")
            for c in chat["citations"][:3]:
                where = f"p.{c['page']}" if c.get("page") else ""
                print(f"  [{c['n']}] {c['filename']} {where} relevance {c['relevance']:.2f}")
            print(f"  model {chat['model']}, degraded {chat['degraded']}")


class Interrupted(Exception):
    pass


def _interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(f"stopped by signal {signal.Signals(signum).name}")


def main() -> int:
    engine = Engine()
    timings: dict[str, float] = {}
    sizes: dict[str, int] = {}
    report: dict[str, Any] = {}
    failures: list[str] = []
    begun = time.monotonic()
    # A supervisor's SIGTERM or a closed terminal fails the check like any other fault: the
    # stack is torn down and the summary printed.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupted)
    try:
        engine.ensure()
        started = time.monotonic()
        base = build_base()
        timings["base image"] = time.monotonic() - started
        local_torch_wheels()
        started = time.monotonic()
        for name, seconds in build_images(base).items():
            timings[f"build {name}"] = seconds
        timings["all builds"] = time.monotonic() - started
        sizes = image_sizes()
        report["images on disk"] = images_on_disk()
        if has_torch("byosc-gateway"):
            raise RuntimeError("the gateway image imports torch")
        if not has_torch("byosc-inference"):
            raise RuntimeError("the inference image cannot import torch")
        log("gateway image: no torch (import fails); inference image: torch imports")
        stack = Stack(base)
        try:
            exercise(stack, timings, report)
        except Exception:
            print(stack.logs(), flush=True)
            raise
        finally:
            left = stack.down()
            if left:
                failures.append(f"left behind after tear-down: {left}")
    except Exception as error:  # the summary and the exit status report it
        failures.insert(0, f"{type(error).__name__}: {error}")
    finally:
        engine.stop()
    timings["total"] = time.monotonic() - begun
    summary(sizes, timings, report)
    print(f"result: {'FAILED: ' + '; '.join(failures) if failures else 'passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
