"""Ingest throughput through the job worker against the raw extractor + encoder.

The same documents go two ways:
- worker: `request_refresh` on a course whose local source holds them, run by a real Celery
  worker (embedded profile: filesystem broker, SQLite, Qdrant Edge owned by the worker),
  timed from enqueue to the job's end as recorded in the DB. The worker is warmed up by a
  one-file job first, so model loading is not counted.
- baseline: in this process, `extract_file` (no child process) + chunking + a bare
  `SentenceTransformer.encode` per document, nothing stored.
Both run REPEATS times, alternating; the medians are compared. Two corpora, each the
sample course's documents plus generated notes: small notes, where the worker's fixed cost
per document shows, and lecture-sized ones.

Ratio = worker throughput / baseline throughput (target >= 0.8). Recordings are left out:
transcription has its own benchmark.

Run: make bench  (writes bench/results/ingest_worker.json); with `--broker redis://...`
the worker takes its tasks from Redis (writes ingest_worker_redis.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result

from byosc.bootstrap import open_catalog, open_job_store
from byosc.chunk import chunk_sections
from byosc.domain import Course, Job, SourceSpec, utcnow
from byosc.extract import extract_file
from byosc.jobs.control import request_refresh, wait_for_job
from byosc.models import bundled_models
from byosc.refresh import is_media
from byosc.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-course" / "material"
REPEATS = 3
# name: (generated notes, the sample course's paragraphs per note as a multiple of all of
# them). Small notes are where per-document overhead shows; lecture-sized ones are closer
# to a course's handouts and chapters.
CORPORA = {"small_notes": (12, 0.5), "lecture_sized": (6, 3.0)}


def build_corpus(folder: Path, notes: int, length: float) -> list[Path]:
    """The sample course's documents, plus notes rearranged from its Markdown paragraphs."""
    folder.mkdir(parents=True)
    for path in sorted(SAMPLE.iterdir()):
        if path.is_file() and not _is_recording(path):
            shutil.copy(path, folder / path.name)
    paragraphs = [
        p.strip()
        for md in sorted(SAMPLE.glob("*.md"))
        for p in md.read_text().split("\n\n")
        if len(p.strip()) > 80
    ]
    for n in range(notes):
        rotated = (paragraphs[n:] + paragraphs[:n]) * 4
        body = "\n\n".join(rotated[: int(len(paragraphs) * length)])
        (folder / f"notes-{n:02d}.md").write_text(f"# Review notes {n}\n\n{body}\n")
    return sorted(folder.iterdir())


def _is_recording(path: Path) -> bool:
    from byosc.domain import SourceFile

    return is_media(SourceFile(source_id=path.name, name=path.name))


def baseline_runner(files: list[Path], settings: Settings) -> Callable[[], dict[str, float]]:
    """Extract, chunk and encode every file in this process; seconds per part."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(bundled_models(settings).embedder_dir), device="cpu")
    model.encode(["warm up"])
    size, overlap = settings.chunking.size_chars, settings.chunking.overlap_chars

    def run() -> dict[str, float]:
        spent = {"extract": 0.0, "encode": 0.0, "chunks": 0.0}
        for path in files:
            started = time.perf_counter()
            extracted = extract_file(path.read_bytes(), path.name)
            texts = [p.text for p in chunk_sections(extracted.sections, size, overlap)]
            extracted_at = time.perf_counter()
            if texts:
                model.encode(texts, batch_size=settings.embedder.batch_size)
            spent["extract"] += extracted_at - started
            spent["encode"] += time.perf_counter() - extracted_at
            spent["chunks"] += len(texts)
        spent["total"] = spent["extract"] + spent["encode"]
        return spent

    return run


class WorkerRuns:
    """Refresh jobs on a real worker; each run indexes the files into a course of its own."""

    def __init__(self, settings: Settings) -> None:
        from services.common.jobqueue import open_job_queue

        self.settings = settings
        self.catalog = open_catalog(settings)
        self.jobs = open_job_store(self.catalog)
        self.queue = open_job_queue(settings)

    def run(self, course_id: str, folder: Path) -> tuple[float, Job]:
        """Seconds from enqueue to the job's end, as the DB recorded it."""
        spec = SourceSpec(kind="local", path=str(folder))
        self.catalog.create_course(Course(id=course_id, name=course_id, source=spec))
        enqueued = utcnow()
        job, _ = request_refresh(self.catalog, self.jobs, self.queue, self.settings, course_id)
        job = wait_for_job(self.jobs, job.id, timeout_s=1800, poll_s=0.05)
        assert job.state == "succeeded" and job.finished_at is not None, job.errors
        return (job.finished_at - enqueued).total_seconds(), job

    def close(self) -> None:
        self.queue.close()
        self.catalog.close()


def bench(files: list[Path], runs: WorkerRuns, name: str) -> dict[str, Any]:
    """Baseline and worker runs alternate, so a busy spell on the machine hits both."""
    baseline = baseline_runner(files, runs.settings)
    base: list[dict[str, float]] = []
    worker: list[tuple[float, Job]] = []
    for n in range(REPEATS):
        base.append(baseline())
        worker.append(runs.run(f"{name.replace('_', '-')}-{n}", files[0].parent))
    base_mid = sorted(base, key=lambda b: b["total"])[REPEATS // 2]
    worker_s, job = sorted(worker, key=lambda w: w[0])[REPEATS // 2]
    documents = len(files)
    return {
        "documents": documents,
        "chunks": int(base_mid["chunks"]),
        "baseline_s": round(base_mid["total"], 3),
        "baseline_runs_s": [round(b["total"], 3) for b in base],
        "baseline_step_seconds": {k: round(base_mid[k], 3) for k in ("extract", "encode")},
        "worker_s": round(worker_s, 3),
        "worker_runs_s": [round(w[0], 3) for w in worker],
        "documents_indexed": job.changes.added,
        "worker_step_seconds": _step_totals(job),
        "baseline_documents_per_s": round(documents / base_mid["total"], 3),
        "worker_documents_per_s": round(documents / worker_s, 3),
        "ratio_worker_to_baseline_throughput": round(base_mid["total"] / worker_s, 3),
    }


def _step_totals(job: Job) -> dict[str, float]:
    totals: dict[str, float] = {}
    for item in job.items:
        for step, seconds in item.timings.items():
            totals[step] = round(totals.get(step, 0.0) + seconds, 3)
    return totals


def main() -> None:
    from services.ingest.embedded import EmbeddedWorker

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", help="Celery broker URL (default: the filesystem broker)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpora = {
            name: build_corpus(root / "sources" / name, notes, length)
            for name, (notes, length) in CORPORA.items()
        }
        warmup = root / "sources" / "warmup"
        warmup.mkdir()
        (warmup / "hello.md").write_text("# Hello\n\nA first job loads the models.\n")
        # The worker is a child process: it reads its settings from the environment.
        os.environ["BYOSC_DATA_DIR"] = str(root / "data")
        os.environ["BYOSC_SOURCES__ALLOWED_ROOTS"] = json.dumps([str(root / "sources")])
        if args.broker:
            os.environ["BYOSC_QUEUE__BROKER_URL"] = args.broker
            os.environ["BYOSC_QUEUE__RESULT_BACKEND"] = args.broker
        settings = Settings()
        runs = WorkerRuns(settings)
        with EmbeddedWorker(settings, always=True):
            runs.run("warmup", warmup)
            figures = {name: bench(files, runs, name) for name, files in corpora.items()}
        runs.close()
    write_result(
        "ingest_worker_redis" if args.broker else "ingest_worker",
        {"broker": args.broker or "filesystem (embedded)", "repeats": REPEATS, **figures},
    )


if __name__ == "__main__":
    main()
