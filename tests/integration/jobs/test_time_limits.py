"""Time limits with a real worker on Redis: a recording that runs past its soft limit fails
its job item with a reason naming the limit's setting, instead of a killed worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.jobs import Cluster, cluster

MATERIAL = Path(__file__).resolve().parents[3] / "examples" / "sample-course" / "material"
RECORDING = "04-deadlocks-lecture.mp3"  # 112 s of speech: far more than a second to transcribe


@pytest.fixture
def limited(tmp_path: Path, byosc_home: Path) -> Iterator[tuple[Cluster, Path]]:
    folder = tmp_path / "sources" / "material"
    folder.mkdir(parents=True)
    (folder / RECORDING).write_bytes((MATERIAL / RECORDING).read_bytes())
    env = {
        "BYOSC_INDEX__KIND": "edge",
        "BYOSC_DATASETS__AFTER_REFRESH": "false",
        "BYOSC_QUEUE__TIME_LIMITS__RECORDINGS__SOFT_S": "1",
        "BYOSC_QUEUE__TIME_LIMITS__RECORDINGS__HARD_S": "60",
    }
    with cluster(
        tmp_path / "data",
        byosc_home,
        redis_db=10,
        allowed_root=folder.parent,
        with_inference=False,
        env=env,
    ) as running:
        running.stack.start("worker")
        yield running, folder


def test_a_recording_past_its_soft_limit_fails_with_the_setting_named(
    limited: tuple[Cluster, Path],
) -> None:
    running, folder = limited
    course = running.local_course("limited", folder)
    job = running.wait(running.start_refresh(course)[0].id, timeout_s=60)
    (recording,) = job.items
    assert recording.queue == "transcribe"
    assert recording.state == "failed" and job.state == "failed"
    assert recording.error is not None
    assert "soft time limit for a recording (1 s" in recording.error
    assert "BYOSC_QUEUE__TIME_LIMITS__RECORDINGS__SOFT_S" in recording.error
    # Failed at its first attempt, not retried: it would stop at the same limit again.
    assert recording.attempts == 1
    assert recording.started_at is not None and recording.finished_at is not None
    assert (recording.finished_at - recording.started_at).total_seconds() < 20
