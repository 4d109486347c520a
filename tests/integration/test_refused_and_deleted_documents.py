"""Refused files and deleting documents through the ingest service: the real app in process
on SQLite and the embedded index, with its refresh jobs run in this process on the same
adapters a worker would build (no queue in between)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from byosc.bootstrap import open_course_source, open_embedder
from byosc.domain import Course, Job, refused_file_id
from byosc.extract.bounded import extract_bounded
from byosc.ingest import Pipeline
from byosc.jobs.runner import run_item, run_refresh
from byosc.ports import Embedder, Extracted, Source
from byosc.settings import Settings
from byosc.sources import upload_dir
from services.ingest.app import create_app
from tests.support.audio import silence_wav
from tests.support.pdfs import make_pdf

pytestmark = pytest.mark.slow

NOTES = b"# Paging\n\nA page table maps virtual pages to physical frames.\n"
BROKEN_PDF = b"%PDF-1.4\nthis is not the rest of a PDF\n"


@pytest.fixture(scope="module")
def embedder(byosc_home: Path) -> Embedder:
    return open_embedder(Settings(home=byosc_home))


@pytest.fixture
def local_root(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    root.mkdir()
    return root


@pytest.fixture
def course_settings(settings: Settings, local_root: Path) -> Settings:
    sources = settings.sources.model_copy(update={"allowed_roots": [local_root]})
    return settings.model_copy(update={"sources": sources})


@pytest.fixture
def ingest(course_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(course_settings)) as client:
        yield client


class _Worker:
    """What a job worker does with a refresh, on the app's own catalog, jobs and index.
    No transcriber is configured, as on a worker without the speech model."""

    max_attempts = 1

    def __init__(self, client: TestClient, settings: Settings, embedder: Embedder) -> None:
        state = client.app.state  # type: ignore[attr-defined]
        self.settings = settings
        self.catalog = state.catalog
        self.jobs = state.jobs
        self.index = state.index

        def extract(data: bytes, filename: str) -> Extracted:
            return extract_bounded(data, filename, settings.limits)

        self.pipeline = Pipeline(self.catalog, embedder, self.index, settings.chunking, extract)

    def source(self, course: Course) -> Source:
        return open_course_source(self.settings, course)

    def run(self, job_id: str) -> Job:
        def process_now(job_id: str, item_id: str, _queue: str) -> None:
            run_item(self, job_id, item_id)

        run_refresh(self, job_id, process_now)
        job = self.jobs.get(job_id)
        assert job is not None and job.finished, job
        return job


@pytest.fixture
def worker(ingest: TestClient, course_settings: Settings, embedder: Embedder) -> _Worker:
    return _Worker(ingest, course_settings, embedder)


def _upload(ingest: TestClient, course: str, files: dict[str, bytes]) -> str:
    sent = [("files", (name, data)) for name, data in files.items()]
    response = ingest.post(f"/courses/{course}/documents", files=sent)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def _refresh(ingest: TestClient, course: str) -> str:
    response = ingest.post(f"/courses/{course}/refresh")
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def _create(ingest: TestClient, course: str, source: dict[str, str] | None = None) -> None:
    body: dict[str, object] = {"id": course, "name": course}
    if source is not None:
        body["source"] = source
    assert ingest.post("/courses", json=body).status_code == 201


def test_a_file_a_refresh_refused_is_skipped_by_later_ones_until_uploaded_again(
    ingest: TestClient, worker: _Worker
) -> None:
    _create(ingest, "up1")
    first = worker.run(_upload(ingest, "up1", {"notes.md": NOTES, "broken.pdf": BROKEN_PDF}))
    assert first.state == "partial"
    [error] = first.errors
    assert error.filename == "broken.pdf" and "corrupt PDF" in error.reason
    assert error.document_id == refused_file_id("up1", "broken.pdf")

    second = worker.run(_refresh(ingest, "up1"))

    assert second.state == "succeeded" and not second.errors
    skipped = next(i for i in second.items if i.filename == "broken.pdf")
    assert (skipped.state, skipped.attempts, skipped.document_id) == (
        "skipped",
        0,
        error.document_id,
    )
    assert skipped.note is not None and "corrupt PDF" in skipped.note
    # Uploading it again asks for it to be processed again, even with the same bytes.
    third = worker.run(_upload(ingest, "up1", {"broken.pdf": BROKEN_PDF}))
    assert third.state == "partial" and [e.filename for e in third.errors] == ["broken.pdf"]


def test_a_refusal_a_setting_decided_is_not_remembered(ingest: TestClient, worker: _Worker) -> None:
    _create(ingest, "up2")
    first = worker.run(_upload(ingest, "up2", {"lecture.wav": silence_wav(1.0)}))
    second = worker.run(_refresh(ingest, "up2"))
    for job in (first, second):
        assert job.state == "failed"
        assert "transcription is not configured" in job.errors[0].reason
    assert ingest.get("/courses/up2/documents").json() == []
    assert not worker.catalog.list_refused("up2")


def test_deleting_a_document_removes_its_vectors_file_and_rows_and_a_refused_file_too(
    ingest: TestClient, worker: _Worker, course_settings: Settings
) -> None:
    _create(ingest, "up3")
    handout = make_pdf(["The TLB caches translations.", "A miss walks the page table."])
    files = {"notes.md": NOTES, "handout.pdf": handout, "broken.pdf": BROKEN_PDF}
    worker.run(_upload(ingest, "up3", files))
    documents = {d["filename"]: d for d in ingest.get("/courses/up3/documents").json()}
    assert sorted(documents) == ["handout.pdf", "notes.md"]
    before = worker.index.count("up3")

    deleted = ingest.delete(f"/courses/up3/documents/{documents['notes.md']['id']}")

    assert deleted.status_code == 204
    assert [d["filename"] for d in ingest.get("/courses/up3/documents").json()] == ["handout.pdf"]
    assert worker.index.count("up3") == before - documents["notes.md"]["chunks"]
    assert worker.index.count("up3") == documents["handout.pdf"]["chunks"]
    folder = upload_dir(course_settings, "up3")
    assert sorted(p.name for p in folder.iterdir()) == ["broken.pdf", "handout.pdf"]

    refused_id = refused_file_id("up3", "broken.pdf")
    assert ingest.delete(f"/courses/up3/documents/{refused_id}").status_code == 204
    assert sorted(p.name for p in folder.iterdir()) == ["handout.pdf"]
    assert not worker.catalog.list_refused("up3")
    # Nothing comes back: the next refresh finds only the handout, unchanged.
    after = worker.run(_refresh(ingest, "up3"))
    assert after.state == "succeeded"
    assert [(i.filename, i.action) for i in after.items] == [("handout.pdf", "unchanged")]

    gone = ingest.delete(f"/courses/up3/documents/{refused_id}")
    assert gone.status_code == 404 and refused_id in gone.json()["detail"]
    assert ingest.delete(f"/courses/nope/documents/{refused_id}").status_code == 404


def test_a_document_a_local_folder_keeps_is_not_deleted_here(
    ingest: TestClient, worker: _Worker, local_root: Path
) -> None:
    (local_root / "notes.md").write_bytes(NOTES)
    _create(ingest, "loc1", {"kind": "local", "path": str(local_root)})
    worker.run(_refresh(ingest, "loc1"))
    [document] = ingest.get("/courses/loc1/documents").json()

    refused = ingest.delete(f"/courses/loc1/documents/{document['id']}")

    assert refused.status_code == 409
    assert "remove it there" in refused.json()["detail"]
    assert (local_root / "notes.md").exists()
    assert [d["id"] for d in ingest.get("/courses/loc1/documents").json()] == [document["id"]]
