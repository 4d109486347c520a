"""The beat's Deployment (beat.yaml): one pod at a time, run as compose runs it, from the cpu
worker's image and settings; and its heartbeat probe, which a turn of beat's loop keeps
fresh and which fails once the heartbeat is stale."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
import yaml

from byosc.schedules.settings import ScheduleSettings
from byosc.settings import Settings
from services.ingest.beat import (
    HEARTBEAT_EVERY_S,
    HeartbeatScheduler,
    create_beat_app,
    heartbeat_path,
)
from tests.support.jobs import REDIS_URL
from tests.unit.deploy.k8s_objects import OVERLAYS, ROOT, named, of_kind, pod_spec, rendered

PROBE_DB = 15  # the spare database of the other probe and scaling tests; flushed by each
COMPOSE_FILES = ("docker-compose.yml", "compose.single-node.yml")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_beat_pod_at_a_time_and_no_autoscaler(overlay: str) -> None:
    objects = rendered(overlay)
    beat = named(objects, "Deployment", "beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    scaled = {so["spec"]["scaleTargetRef"]["name"] for so in of_kind(objects, "ScaledObject")}
    scaled |= {
        hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind(objects, "HorizontalPodAutoscaler")
    }
    assert "beat" not in scaled


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_beat_runs_the_compose_command_from_the_cpu_workers_image_and_settings(
    overlay: str,
) -> None:
    objects = rendered(overlay)
    (beat,) = pod_spec(named(objects, "Deployment", "beat"))["containers"]
    (worker,) = pod_spec(named(objects, "Deployment", "worker-cpu"))["containers"]
    for name in COMPOSE_FILES:
        compose = yaml.safe_load((ROOT / name).read_text())
        assert beat["command"] == compose["services"]["beat"]["command"], name
    assert beat["image"] == worker["image"]
    assert beat["envFrom"] == worker["envFrom"]


def _probe(env: dict[str, str]) -> int:
    (container,) = pod_spec(named(rendered("base"), "Deployment", "beat"))["containers"]
    probe = container["livenessProbe"]
    # The window the probe allows must cover the longest wait between two heartbeats.
    assert "-mmin -2" in probe["exec"]["command"][2] and HEARTBEAT_EVERY_S < 120
    for kind in ("startupProbe", "readinessProbe"):
        assert container[kind]["exec"] == probe["exec"], kind
    result = subprocess.run(
        probe["exec"]["command"], env=env, timeout=probe["timeoutSeconds"], check=False
    )
    return result.returncode


def test_each_turn_of_the_loop_touches_the_heartbeat_even_with_a_long_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    settings = Settings(schedules=ScheduleSettings(tick_s=3600))
    scheduler = HeartbeatScheduler(create_beat_app(settings))
    assert not heartbeat_path().exists()
    # Nothing is due on the first turn (an entry's interval starts now): no broker needed.
    assert scheduler.tick() <= HEARTBEAT_EVERY_S
    assert heartbeat_path() == tmp_path / "byosc-beat.heartbeat" and heartbeat_path().exists()


def _make_stale(heartbeat: Path) -> None:
    """As a loop stuck for three minutes leaves it."""
    stale = time.time() - 180
    os.utime(heartbeat, (stale, stale))


@pytest.mark.slow
def test_the_probe_passes_while_a_real_beat_runs_and_fails_on_a_stale_heartbeat(
    tmp_path: Path,
) -> None:
    url = f"{REDIS_URL}/{PROBE_DB}"
    redis.Redis.from_url(url).flushdb()
    bin_dir = str(Path(sys.executable).parent)  # byosc, as on the image's PATH
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TMPDIR": str(tmp_path),
        "BYOSC_DATA_DIR": str(tmp_path),
        "BYOSC_QUEUE__BROKER_URL": url,
        "BYOSC_QUEUE__RESULT_BACKEND": url,
        "BYOSC_SCHEDULES__TICK_S": "1",
    }
    heartbeat = tmp_path / "byosc-beat.heartbeat"
    subprocess.run(["byosc", "db", "upgrade"], env=env, check=True, capture_output=True)
    assert _probe(env) != 0  # no beat yet
    log = tmp_path / "beat.log"
    with log.open("w") as output:
        beat = subprocess.Popen(["byosc", "beat"], env=env, stdout=output, stderr=output)
        try:
            for _ in range(2):  # up, then fresh again after its heartbeat was made stale
                deadline = time.monotonic() + 60
                while _probe(env) != 0:
                    assert beat.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.5)
                _make_stale(heartbeat)
            beat.terminate()
            beat.wait(timeout=30)
            _make_stale(heartbeat)
            assert _probe(env) != 0
        finally:
            if beat.poll() is None:
                beat.kill()
    redis.Redis.from_url(url).flushdb()
