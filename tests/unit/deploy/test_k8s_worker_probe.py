"""The workers' exec probe (workers.yaml): the images carry the command it runs, and, run as
the kubelet would against a real worker on a real Redis, it passes while this host's worker
answers and fails once it is gone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import redis

from tests.support.jobs import REDIS_URL
from tests.unit.deploy.k8s_objects import ROOT, containers, named, pod_spec, rendered

PROBE_DB = 15  # the same spare database as test_k8s_scaling's list test; flushed by both


def _probe(env: dict[str, str]) -> int:
    (container,) = pod_spec(named(rendered("base"), "Deployment", "worker-llm"))["containers"]
    command = container["livenessProbe"]["exec"]["command"]
    timeout = container["livenessProbe"]["timeoutSeconds"]
    return subprocess.run(command, env=env, timeout=timeout, check=False).returncode


@pytest.mark.slow
def test_the_worker_probe_sees_this_pods_worker_and_only_while_it_runs(tmp_path: Path) -> None:
    url = f"{REDIS_URL}/{PROBE_DB}"
    redis.Redis.from_url(url).flushdb()
    bin_dir = str(Path(sys.executable).parent)  # celery and byosc, as on the image's PATH
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "BYOSC_DATA_DIR": str(tmp_path),
        "BYOSC_QUEUE__BROKER_URL": url,
        "BYOSC_QUEUE__RESULT_BACKEND": url,
    }
    subprocess.run(["byosc", "db", "upgrade"], env=env, check=True, capture_output=True)
    assert _probe(env) != 0  # no worker yet
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            ["byosc", "worker", "--queues", "llm"], env=env, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 90
            while _probe(env) != 0:
                assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(1)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    assert _probe(env) != 0
    redis.Redis.from_url(url).flushdb()


def _requirements(extra: str, extras: dict[str, list[str]]) -> set[str]:
    """The distributions an extra installs, through its byosc[...] references."""
    found: set[str] = set()
    for requirement in extras[extra]:
        if nested := re.fullmatch(r"byosc\[(.+)\]", requirement):
            for name in nested[1].split(","):
                found |= _requirements(name.strip(), extras)
        else:
            found.add(re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower())
    return found


def test_every_worker_image_carries_the_celery_command_its_probe_runs() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for w in rendered("base"):
        if w["kind"] == "Deployment" and w["metadata"]["name"].startswith("worker-"):
            for where, c in containers(w):
                assert "celery" in c["livenessProbe"]["exec"]["command"][2], where
                image = c["image"].split(":")[0].removeprefix("byosc/")
                assert "celery" in _requirements(image, extras), where
