"""`make extras-check`: every image the Dockerfile builds installs from its own extra alone
and its service starts.

For each image: a fresh virtualenv in a temporary folder with only `byosc[<extra>]` (built
from this tree, not editable; torch is the pinned CPU build pip finds locally), then the
service module is imported, its process started on a free port in the embedded profile with
a temporary data folder, `/healthz` must answer 200 and `/readyz` is reported, and the
process is stopped. Every image runs `byosc --help` (the gateway image also its migration
job, `byosc db upgrade`); the worker images run `byosc worker --help` and start a worker
until it holds its presence lock. Prints a table and exits 1 on any failure.

Standard library only: it runs with any Python 3.11 (`python3 deploy/check_extras.py`).
The model server reads the prepared bundled models from --models-home (run
`byosc models fetch` once first); nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ["pyproject.toml", "README.md", "byosc", "services", "cli"]
INSTALL_TIMEOUT_S = 3600
START_TIMEOUT_S = 240
# The model server answers /healthz once its model is loaded and /readyz once it is warm.
READY_WAIT_S = {"modelserver": 180}


@dataclass(frozen=True)
class Image:
    extra: str
    services: tuple[str, ...] = ()
    # `byosc worker` options of the worker this image runs, if it runs one (as in compose).
    worker: tuple[str, ...] | None = None
    # `byosc` commands the image runs besides its service (each must exit 0).
    commands: tuple[tuple[str, ...], ...] = (("--help",),)
    # CUDA-only packages: installed when pip can, else the image is checked without them
    # and the table says why.
    optional: tuple[str, ...] = ()


WORKER_HELP = (("--help",), ("worker", "--help"))
IMAGES = [
    # The migration job runs in the gateway image, on the service's database.
    Image("gateway", ("gateway",), commands=(("--help",), ("db", "upgrade"), ("keys", "--help"))),
    Image("ingest", ("ingest",), commands=WORKER_HELP, worker=("--queues", "cpu,llm")),
    Image("inference", ("inference",)),
    Image("trainer", ("trainer",)),
    Image("modelserver", ("modelserver",)),
    Image(
        "gpu-worker",
        commands=WORKER_HELP,
        worker=("--queues", "transcribe,train", "--concurrency", "1"),
        optional=("bitsandbytes",),
    ),
]
# What a gpu-worker image is without its CUDA-only part.
FALLBACK_EXTRA = {"gpu-worker": "ingest"}


@dataclass
class Result:
    extra: str
    install_s: float = 0.0
    size_mb: float = 0.0
    checks: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def fail(self, what: str, detail: str) -> None:
        self.checks[what] = "FAIL"
        self.failures.append(f"{what}: {detail}")


class Venv:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.python = self.bin("python")

    def bin(self, name: str) -> str:
        return str(self.path / "bin" / name)

    def run(
        self, program: str, *args: str, env: dict[str, str]
    ) -> subprocess.CompletedProcess[str]:
        command = [self.bin(program), *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def build_wheel(work: Path) -> Path:
    """One wheel of this tree, built from a copy so the build leaves nothing in the tree."""
    src = work / "src"
    for name in SOURCE:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, src / name)
    wheels = work / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels)]
    subprocess.run([*command, str(src)], check=True, timeout=600)
    (wheel,) = wheels.glob("byosc-*.whl")
    return wheel


def install(venv: Venv, wheel: Path, extra: str, log: Path) -> tuple[bool, str]:
    subprocess.run([sys.executable, "-m", "venv", str(venv.path)], check=True, timeout=300)
    command = [venv.python, "-m", "pip", "install", "--no-cache-dir", f"{wheel}[{extra}]"]
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT_S
        )
    return done.returncode == 0, _tail(log)


def folder_mb(path: Path) -> float:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            file = Path(folder, name)
            if not file.is_symlink():
                total += file.stat().st_size
    return total / 2**20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(data_dir: Path, models_home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(data_dir.parent),
        "LANG": "C.UTF-8",
        "BYOSC_PROFILE": "embedded",
        "BYOSC_HOME": str(models_home),
        "BYOSC_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    }


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """In its own process group, so stopping it reaches its children (a worker's pool)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (uvicorn and Celery shut down cleanly), then SIGKILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def check_service(venv: Venv, name: str, work: Path, models_home: Path, result: Result) -> None:
    data_dir = work / f"data-{name}"
    env = service_env(data_dir, models_home)
    imported = venv.run("python", "-c", f"import services.{name}.app", env=env)
    if imported.returncode != 0:
        result.fail(f"{name} import", _last_line(imported.stderr))
        return
    result.checks[f"{name} import"] = "ok"
    port, log = free_port(), work / f"{name}.log"
    command = [venv.python, "-m", f"services.{name}", "--host", "127.0.0.1", "--port", str(port)]
    process = spawn(command, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        status, body = _wait_for(base + "/healthz", process, START_TIMEOUT_S)
        if status != 200:
            result.fail(f"{name} /healthz", f"{status or 'no answer'}; log: {_tail(log)}")
            return
        result.checks[f"{name} /healthz"] = f"200 in {time.monotonic() - started:.0f}s"
        wait = READY_WAIT_S.get(name, 0)
        status, body = _wait_for(base + "/readyz", process, wait) if wait else get(base + "/readyz")
        state, unready = _readiness(body)
        result.checks[f"{name} /readyz"] = f"{status} {state}"
        if unready:
            result.notes.append(f"{name} /readyz {status} {state}: {unready}")
    finally:
        stop(process)
    if process.returncode not in (0, -signal.SIGTERM):
        result.notes.append(f"{name} exited with {process.returncode} on SIGTERM")


def check_command(
    venv: Venv, command: tuple[str, ...], work: Path, models_home: Path, result: Result
) -> None:
    env = service_env(work / "data-commands", models_home)
    done = venv.run("byosc", *command, env=env)
    what = f"byosc {' '.join(command)}"
    if done.returncode == 0:
        result.checks[what] = "ok"
    else:
        result.fail(what, f"exit {done.returncode}: {_last_line(done.stderr or done.stdout)}")


def check_worker(
    venv: Venv, options: tuple[str, ...], work: Path, models_home: Path, result: Result
) -> None:
    data_dir = work / "data-worker"
    env = service_env(data_dir, models_home)
    log = work / "worker.log"
    process = spawn([venv.bin("byosc"), "worker", *options], env, log)
    # The worker holds its presence lock once Celery says it is ready; the venv's own code
    # answers whether it does.
    probe = (
        "import sys; from byosc.settings import Settings; "
        "from services.ingest.presence import worker_running; "
        "sys.exit(0 if worker_running(Settings()) else 1)"
    )
    try:
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT_S and process.poll() is None:
            if venv.run("python", "-c", probe, env=env).returncode == 0:
                result.checks["worker start"] = f"ready in {time.monotonic() - started:.0f}s"
                return
            time.sleep(1)
        result.fail("worker start", f"not ready; log: {_tail(log)}")
    finally:
        stop(process)


def check_image(image: Image, wheel: Path, work: Path, models_home: Path) -> Result:
    result = Result(image.extra)
    venv = Venv(work / "venv")
    started = time.monotonic()
    installed, tail = install(venv, wheel, image.extra, work / "install.log")
    skipped: tuple[str, ...] = ()
    if not installed and image.optional:
        skipped = image.optional
        result.notes.append(f"{', '.join(skipped)} skipped: pip could not install it: {tail}")
        shutil.rmtree(venv.path)
        installed, tail = install(venv, wheel, FALLBACK_EXTRA[image.extra], work / "install.log")
    result.install_s = time.monotonic() - started
    result.size_mb = folder_mb(venv.path)
    if not installed:
        result.fail("install", tail)
        return result
    result.checks["install"] = "ok"
    env = service_env(work / "data-import", models_home)
    for module in image.optional:
        if module in skipped:
            result.checks[f"import {module}"] = "skipped"
            continue
        done = venv.run("python", "-c", f"import {module}", env=env)
        if done.returncode == 0:
            result.checks[f"import {module}"] = "ok"
        else:
            result.fail(f"import {module}", _last_line(done.stderr))
    for command in image.commands:
        check_command(venv, command, work, models_home, result)
    for name in image.services:
        check_service(venv, name, work, models_home, result)
    if image.worker is not None:
        check_worker(venv, image.worker, work, models_home, result)
    return result


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, str]:
    deadline = time.monotonic() + timeout_s
    status, body = 0, "not started"
    while time.monotonic() < deadline and process.poll() is None:
        status, body = get(url)
        if status == 200:
            break
        time.sleep(0.5)
    if process.poll() is not None:
        return 0, f"exited with {process.returncode}"
    return status, body


def _readiness(body: str) -> tuple[str, str]:
    """The overall state and the probes that are not ok, from a /readyz answer."""
    try:
        answer = json.loads(body)
        checks = answer["checks"]
        unready = ", ".join(f"{k}={v}" for k, v in checks.items() if v != "ok")
        return str(answer["status"]), unready[:300]
    except (ValueError, KeyError, TypeError, AttributeError):
        return "?", body[:200]


def _tail(path: Path, lines: int = 6) -> str:
    text = path.read_text(errors="replace").strip().splitlines()
    return " | ".join(line.strip() for line in text[-lines:])[-800:]


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no output)"


def print_table(results: list[Result]) -> None:
    """One row an image; the service's /healthz and /readyz, the worker's start."""
    row = "{:<12} {:>9} {:>8}  {:<14} {:<14} {:<14} {}"
    print(
        "\n" + row.format("extra", "install s", "venv MB", "healthz", "readyz", "worker", "result")
    )
    for r in results:
        probe = {k.split()[-1]: v for k, v in r.checks.items() if k.endswith(("z", "start"))}
        cells = [probe.get(k, "-") for k in ("/healthz", "/readyz", "start")]
        size, verdict = f"{r.size_mb:.0f}", "FAIL" if r.failures else "ok"
        print(row.format(r.extra, f"{r.install_s:.0f}", size, *cells, verdict))
    for r in results:
        print(f"{r.extra}: " + ", ".join(f"{k} {v}" for k, v in r.checks.items()))
        for note in r.notes:
            print(f"  note: {note}")
        for failure in r.failures:
            print(f"  FAIL: {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", help="comma-separated extras (default: every image's)", default=""
    )
    parser.add_argument(
        "--models-home",
        type=Path,
        default=Path(os.environ.get("BYOSC_HOME", "~/.cache/byosc")).expanduser(),
        help="a BYOSC_HOME with the bundled models prepared (`byosc models fetch`)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    wanted = [e for e in args.only.split(",") if e]
    unknown = set(wanted) - {image.extra for image in IMAGES}
    if unknown:
        parser.error(f"no image with extra {', '.join(sorted(unknown))}")
    images = [image for image in IMAGES if not wanted or image.extra in wanted]
    if not (args.models_home / "models").is_dir():
        parser.error(f"{args.models_home}/models is missing: run `byosc models fetch` first")

    top = Path(tempfile.mkdtemp(prefix="byosc-extras-"))
    results: list[Result] = []
    try:
        wheel = build_wheel(top)
        for image in images:
            print(f"== {image.extra}: installing into a fresh venv", flush=True)
            work = top / image.extra
            work.mkdir()
            result = check_image(image, wheel, work, args.models_home)
            results.append(result)
            verdict = "; ".join(result.failures) or "ok"
            print(f"== {image.extra}: {verdict} ({result.install_s:.0f}s)", flush=True)
            if not args.keep:  # a torch venv weighs about a gigabyte
                shutil.rmtree(work / "venv", ignore_errors=True)
    finally:
        if args.keep:
            print(f"kept {top}")
        else:
            shutil.rmtree(top, ignore_errors=True)
    print_table(results)
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
