"""Docker on this machine and the images the compose check runs: the engine, the base, the builds.

A machine with no registry access gets a stand-in for the Dockerfile's base image: Debian
bookworm (whose python3 is 3.11) from Debian's archive with debootstrap, made an image with
`docker import`. Either base gets this machine's CA certificates, so pip and apt inside the
builds trust an intercepting proxy; the images built on it are the check's own, never
published. Standard library only: it runs before any virtualenv exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_BASE = "python:3.11-slim"
CHECK_BASE = "byosc-base:check"
CA_DIR = Path("/usr/local/share/ca-certificates")
DEBIAN_MIRROR = "http://deb.debian.org/debian"
# The project's images and the extra each installs; the stores come from deploy/*.Dockerfile.
EXTRAS = ["gateway", "ingest", "inference", "trainer", "modelserver", "gpu-worker"]
STORES = ["postgres", "redis"]
WHEELS = ROOT / "deploy" / "wheels"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(*command: str, check: bool = True, quiet: bool = False, **kwargs) -> str:
    """Runs a command; its output is returned, and printed unless quiet (builds are long)."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if not quiet and done.stdout.strip():
        print(done.stdout.rstrip()[-4000:], flush=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-4000:]}")
    return done.stdout


def docker_cli() -> str:
    """A docker client whose `build` speaks BuildKit to the daemon.

    Debian's docker.io client does it natively; a newer client needs the buildx plugin,
    which a machine that only has the bare CLI lacks.
    """
    debian = Path("/usr/bin/docker")
    return str(debian) if debian.exists() else "docker"


class Engine:
    """dockerd and docker-compose, installed and started only when missing; stop() undoes it."""

    def __init__(self) -> None:
        self.started: subprocess.Popen[bytes] | None = None

    def ensure(self) -> None:
        if not (shutil.which("dockerd") and shutil.which("docker-compose")):
            log("installing docker.io and docker-compose from Debian")
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            run("apt-get", "update", "-qq", env=env, quiet=True)
            packages = ["docker.io", "docker-compose"]
            run("apt-get", "install", "-y", "-qq", *packages, env=env, quiet=True)
        if self._answers():
            return
        log("starting dockerd")
        logfile = open(tempfile.gettempdir() + "/byosc-dockerd.log", "ab")  # noqa: SIM115
        self.started = subprocess.Popen(
            ["dockerd"], stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while not self._answers():
            if time.monotonic() > deadline or self.started.poll() is not None:
                raise RuntimeError(f"dockerd did not start; see {logfile.name}")
            time.sleep(1)

    def stop(self) -> None:
        if self.started is None:
            return
        log("stopping the dockerd this check started")
        self.started.terminate()
        try:
            self.started.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.started.kill()
        self.started = None

    @staticmethod
    def _answers() -> bool:
        done = subprocess.run([docker_cli(), "info"], capture_output=True, check=False)
        return done.returncode == 0


def has_image(name: str) -> bool:
    done = subprocess.run([docker_cli(), "image", "inspect", name], capture_output=True)
    return done.returncode == 0


def pullable(name: str) -> bool:
    done = subprocess.run([docker_cli(), "pull", "-q", name], capture_output=True, text=True)
    return done.returncode == 0


def certificates() -> list[Path]:
    return sorted(CA_DIR.glob("*.crt")) if CA_DIR.is_dir() else []


def build_base() -> str:
    """The base the check builds on: the real one with this machine's CAs, or a stand-in."""
    if pullable(REAL_BASE):
        log(f"{REAL_BASE} pulled; adding this machine's CA certificates")
        with tempfile.TemporaryDirectory() as context:
            for cert in certificates():
                shutil.copy(cert, context)
            dockerfile = (
                f"FROM {REAL_BASE}\nCOPY . /usr/local/share/ca-certificates/\n"
                "RUN update-ca-certificates\n"
                "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt\n"
            )
            Path(context, "Dockerfile").write_text(dockerfile)
            run(docker_cli(), "build", "-q", "-t", CHECK_BASE, context, quiet=True)
        return CHECK_BASE
    if has_image(CHECK_BASE):
        log(f"{REAL_BASE} cannot be pulled; reusing the stand-in {CHECK_BASE}")
        return CHECK_BASE
    log(f"{REAL_BASE} cannot be pulled; building a stand-in with debootstrap (Debian bookworm)")
    if not shutil.which("debootstrap"):
        run("apt-get", "install", "-y", "-qq", "debootstrap", quiet=True)
    with tempfile.TemporaryDirectory() as tmp:
        rootfs = Path(tmp) / "rootfs"
        packages = "python3,python3-venv,ca-certificates"
        run(
            "debootstrap", "--variant=minbase", f"--include={packages}",
            "bookworm", str(rootfs), DEBIAN_MIRROR, quiet=True,
        )  # fmt: skip
        for cert in certificates():
            shutil.copy(cert, rootfs / "usr/local/share/ca-certificates" / cert.name)
        run("chroot", str(rootfs), "update-ca-certificates", quiet=True)
        for package in (rootfs / "var/cache/apt/archives").glob("*.deb"):
            package.unlink()
        changes = [
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ENV LANG=C.UTF-8",
            "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt",
            'CMD ["python3"]',
        ]
        flags = [arg for change in changes for arg in ("--change", change)]
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        run(docker_cli(), "import", *flags, "-", CHECK_BASE, stdin=tar.stdout, quiet=True)
        if tar.wait() != 0:
            raise RuntimeError("tar of the debootstrap root failed")
    return CHECK_BASE


def local_torch_wheels() -> None:
    """Copies this machine's torch wheel (pip's find-links) into the build context."""
    WHEELS.mkdir(exist_ok=True)
    config = run(sys.executable, "-m", "pip", "config", "list", check=False, quiet=True)
    links = {
        Path(value.strip("'\""))
        for line in config.splitlines()
        if "find-links" in line
        for value in line.split("=", 1)[1].split()
    }
    for folder in sorted(links):
        for wheel in folder.glob("torch-*.whl") if folder.is_dir() else []:
            if not (WHEELS / wheel.name).exists():
                log(f"copying {wheel} into the build context")
                shutil.copy(wheel, WHEELS / wheel.name)


def build_images(base: str, tag: str = "latest") -> dict[str, float]:
    """Builds every image; returns the seconds each took."""
    builds = [(s, f"deploy/{s}.Dockerfile", [f"BASE={base}"]) for s in STORES]
    builds += [(e, "Dockerfile", [f"BASE={base}", f"EXTRA={e}"]) for e in EXTRAS]
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    timings: dict[str, float] = {}
    for name, dockerfile, args in builds:
        started = time.monotonic()
        log(f"building byosc-{name}")
        flags = [arg for value in args for arg in ("--build-arg", value)]
        image = f"byosc-{name}:{tag}"
        run(docker_cli(), "build", "-q", "-f", dockerfile, *flags, "-t", image, ".", cwd=ROOT,
            env=env, quiet=True)  # fmt: skip
        timings[name] = time.monotonic() - started
    return timings


def image_sizes(tag: str = "latest") -> dict[str, int]:
    sizes = {}
    for name in [*EXTRAS, *STORES]:
        image = f"byosc-{name}:{tag}"
        out = run(docker_cli(), "image", "inspect", "-f", "{{.Size}}", image, quiet=True)
        sizes[name] = int(out.strip())
    return sizes


def images_on_disk() -> str:
    """What all images take together, shared layers counted once."""
    out = run(docker_cli(), "system", "df", "--format", "{{.Type}} {{.Size}}", quiet=True)
    return next((line.split()[1] for line in out.splitlines() if line.startswith("Images")), "?")


def has_torch(image: str) -> bool:
    done = subprocess.run(
        [docker_cli(), "run", "--rm", "--entrypoint", "python", image, "-c", "import torch"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0
