"""The queue boundary: which queues exist, what a worker on some of them imports, and the
settings that name them and their time limits."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.exceptions import TimeLimitExceeded
from pydantic import ValidationError
from typer.testing import CliRunner

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, SourceFile
from byosc.jobs.runner import run_refresh
from byosc.jobs.settings import QUEUES, QueueSettings, TimeLimit
from byosc.jobs.sql import SqlJobStore
from byosc.settings import Settings
from services.common.jobqueue import (
    LIMIT_OF,
    PROCESS_RECORDING,
    QUEUE_OF,
    TRAIN_ADAPTER,
    task_modules,
)
from services.common.time_limits import fail_timed_out_work

ROOT = Path(__file__).resolve().parents[3]
# What the trainer image lacks: the documents and speech extras (and the Drive client).
NOT_IN_TRAINER_IMAGE = ("pypdf", "pptx", "docx", "faster_whisper", "ctranslate2", "av")


def test_the_default_worker_consumes_every_queue_and_imports_every_task_module() -> None:
    queues = Settings().queue.queues
    assert queues == ["cpu", "llm", "transcribe", "train"]
    assert task_modules(queues) == ["services.ingest.tasks", "services.trainer.tasks"]
    assert set(QUEUE_OF.values()) == set(QUEUES)  # no queue without a task, nor the reverse
    assert set(LIMIT_OF) == set(QUEUE_OF)


def test_an_old_gpu_queue_is_refused_with_the_queues_that_replace_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BYOSC_QUEUE__QUEUES", "cpu,gpu")
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "BYOSC_QUEUE__QUEUES" in message and "`gpu` queue is gone" in message
    assert "`transcribe` (recordings)" in message and "`train` (adapter training)" in message


@pytest.mark.parametrize(
    ("given", "queues"),
    [("cpu,llm", ["cpu", "llm"]), (" train ", ["train"]), ('["transcribe"]', ["transcribe"])],
)
def test_queues_come_comma_separated_or_as_a_json_list(
    monkeypatch: pytest.MonkeyPatch, given: str, queues: list[str]
) -> None:
    monkeypatch.setenv("BYOSC_QUEUE__QUEUES", given)
    assert Settings().queue.queues == queues


def test_an_unknown_or_empty_queue_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown queue `documents`; the queues are cpu"):
        QueueSettings(queues="cpu,documents")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        QueueSettings(queues=" , ")  # type: ignore[arg-type]


def test_a_hard_time_limit_must_come_after_the_soft_one(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match=r"hard_s \(60\) must be above soft_s \(60\)"):
        TimeLimit(soft_s=60, hard_s=60)
    monkeypatch.setenv("BYOSC_QUEUE__TIME_LIMITS__TRAINING__SOFT_S", "100")
    monkeypatch.setenv("BYOSC_QUEUE__TIME_LIMITS__TRAINING__HARD_S", "130")
    assert Settings().queue.time_limits.training == TimeLimit(soft_s=100, hard_s=130)


def test_the_worker_command_refuses_the_gpu_queue_before_starting_anything() -> None:
    from cli.main import app

    result = CliRunner().invoke(app, ["worker", "--queues", "gpu"])
    assert result.exit_code == 2
    assert "split into `transcribe` (recordings) and `train`" in result.output


_WORKER_TASKS = """
import json, sys
for name in sys.argv[2].split(","):
    sys.modules[name] = None  # an import of it fails, as in an image without it
from byosc.settings import Settings
from services.ingest.worker import create_celery
settings = Settings(queue={"queues": sys.argv[1]})
app = create_celery(settings)
app.loader.import_default_modules()
tasks = {n: [t.soft_time_limit, t.time_limit] for n, t in app.tasks.items()
         if not n.startswith("celery.")}
print(json.dumps({"tasks": tasks, "ingest": "services.ingest.tasks" in sys.modules}))
"""


def _worker_tasks(queues: str, blocked: tuple[str, ...] = (), **env: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_TASKS, queues, ",".join(blocked)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_train_worker_runs_the_trainers_task_alone_without_document_or_speech_libraries() -> None:
    seen = _worker_tasks(
        "train", NOT_IN_TRAINER_IMAGE, BYOSC_QUEUE__TIME_LIMITS__TRAINING__SOFT_S="100"
    )
    # The hard limit keeps the kind's grace (600 s) after a soft limit set alone.
    assert seen == {"tasks": {TRAIN_ADAPTER: [100, 700]}, "ingest": False}


def test_a_cpu_and_llm_worker_runs_the_ingest_tasks_with_their_time_limits() -> None:
    seen = _worker_tasks("cpu,llm", BYOSC_QUEUE__TIME_LIMITS__RECORDINGS__SOFT_S="5")
    assert TRAIN_ADAPTER not in seen["tasks"]
    assert seen["tasks"]["ingest.process_document"] == [1800, 2100]
    assert seen["tasks"][PROCESS_RECORDING] == [5, 305]
    assert seen["tasks"]["instructions.generate_dataset"] == [7200, 7500]


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[SqlCatalog]:
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'meta.db'}")
    catalog.create_course(Course(id="cs1", name="One"))
    yield catalog
    catalog.close()


def _sender(name: str, jobs: SqlJobStore) -> SimpleNamespace:
    """What the failure handler reads of a Celery task: its name and its app's context."""
    context = SimpleNamespace(jobs=jobs)
    return SimpleNamespace(
        name=name, soft_time_limit=10, app=SimpleNamespace(context=lambda: context)
    )


def test_a_recording_killed_at_its_hard_limit_fails_its_item_naming_the_setting(
    catalog: SqlCatalog,
) -> None:
    jobs = SqlJobStore(catalog.engine)
    job, _ = jobs.start_refresh("cs1", 3600)
    listing = SimpleNamespace(list_files=lambda: [SourceFile(source_id="l.mp3", name="l.mp3")])
    ctx = SimpleNamespace(jobs=jobs, max_attempts=2, catalog=catalog, source=lambda _: listing)
    sent: list[tuple[str, str, str]] = []
    run_refresh(ctx, job.id, lambda *args: sent.append(args))
    ((_, item_id, queue),) = sent
    assert queue == "transcribe"
    jobs.begin_attempt(item_id)

    fail_timed_out_work(
        _sender(PROCESS_RECORDING, jobs), TimeLimitExceeded(7500.0), [job.id, item_id]
    )
    item = jobs.item(item_id)
    assert item is not None and item.state == "failed"
    assert item.error == (
        "killed at the hard time limit for a recording (7500 s, "
        "BYOSC_QUEUE__TIME_LIMITS__RECORDINGS__HARD_S): it did not stop at its soft limit"
    )
    finished = jobs.get(job.id, items=False)
    assert finished is not None and finished.state == "failed"


def test_a_training_killed_at_its_hard_limit_fails_its_job_and_other_failures_are_left(
    catalog: SqlCatalog,
) -> None:
    jobs = SqlJobStore(catalog.engine)
    job, _ = jobs.start_job("cs1", "train", 3600, {})
    jobs.begin(job.id, "training")
    fail_timed_out_work(_sender(TRAIN_ADAPTER, jobs), RuntimeError("boom"), [job.id])
    running = jobs.get(job.id, items=False)
    assert running is not None and running.state == "running"  # not a time limit: not ours
    fail_timed_out_work(_sender(TRAIN_ADAPTER, jobs), TimeLimitExceeded(29400.0), [job.id])
    failed = jobs.get(job.id, items=False)
    assert failed is not None and failed.state == "failed"
    assert "BYOSC_QUEUE__TIME_LIMITS__TRAINING__HARD_S" in (failed.error or "")


def test_tasks_are_redelivered_only_after_the_longest_hard_limit_unless_told() -> None:
    kinds = ("documents", "recordings", "instruction_sets", "training")
    limits = {kind: {"soft_s": 10 * (n + 1)} for n, kind in enumerate(kinds)}
    limits["recordings"] = {"soft_s": 50, "hard_s": 900}
    assert QueueSettings(time_limits=limits).redelivery_after_s == 900 + 600
    assert QueueSettings(visibility_timeout_s=30).redelivery_after_s == 30
