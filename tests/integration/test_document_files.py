"""A document's original file and chunks through the ingest service: the real app on SQLite
and the embedded index, documents indexed with the pipeline a worker builds (originals
kept), refresh jobs run in this process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from byosc.bootstrap import open_course_source, open_embedder
from byosc.domain import Course, Document, Job, content_hash
from byosc.extract.bounded import extract_bounded
from byosc.ingest import Ingestor, Pipeline
from byosc.jobs.runner import run_item, run_refresh
from byosc.originals import OriginalStore
from byosc.ports import Embedder, Extracted, Source
from byosc.settings import Settings
from byosc.sources import upload_dir
from services.ingest.app import create_app
from tests.support.pdfs import make_pdf

pytestmark = pytest.mark.slow

HANDOUT = make_pdf(["The TLB caches page table entries.", "A TLB miss walks the page table."])
NOTES = b"# Paging\n\nA page table maps virtual pages to physical frames.\n"
HANDOUT_NAME = "Mémoire virtuelle – cours 3.pdf"


@pytest.fixture(scope="module")
def embedder(byosc_home: Path) -> Embedder:
    return open_embedder(Settings(home=byosc_home))


class _Worker:
    """A job worker's pipeline on the app's own catalog, jobs and index."""

    max_attempts = 1

    def __init__(self, client: TestClient, settings: Settings, embedder: Embedder) -> None:
        state = client.app.state  # type: ignore[attr-defined]
        self.http = client
        self.settings = settings
        self.catalog, self.jobs, self.index = state.catalog, state.jobs, state.index
        self.originals = OriginalStore.from_settings(settings)

        def extract(data: bytes, filename: str) -> Extracted:
            return extract_bounded(data, filename, settings.limits)

        self.pipeline = Pipeline(
            self.catalog, embedder, self.index, settings.chunking, extract, originals=self.originals
        )

    def source(self, course: Course) -> Source:
        return open_course_source(self.settings, course)

    def by_hand(self, course_id: str, name: str, data: bytes) -> Document:
        report = Ingestor(self.pipeline).ingest(course_id, [(name, data)])
        assert not report.errors, report.errors
        [document] = report.documents
        return document

    def refresh(self, course_id: str) -> Job:
        job, _ = self.jobs.start_refresh(course_id, 3600)
        run_refresh(self, job.id, lambda job_id, item_id, _queue: run_item(self, job_id, item_id))
        done = self.jobs.get(job.id)
        assert done is not None and done.state == "succeeded", done
        return done

    def kept(self, course_id: str) -> list[str]:
        folder = self.originals.folder(course_id)
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def worker(settings: Settings, tmp_path: Path, embedder: Embedder) -> Iterator[_Worker]:
    """The app, with local folders allowed under tmp_path/sources, and a worker beside it."""
    (tmp_path / "sources").mkdir()
    allowed = settings.sources.model_copy(update={"allowed_roots": [tmp_path / "sources"]})
    with_sources = settings.model_copy(update={"sources": allowed})
    with TestClient(create_app(with_sources)) as client:
        yield _Worker(client, with_sources, embedder)


@pytest.fixture
def ingest(worker: _Worker) -> TestClient:
    return worker.http


def _create(ingest: TestClient, course: str, source: dict[str, str] | None = None) -> None:
    body: dict[str, object] = {"id": course, "name": course, "source": source or {}}
    assert ingest.post("/courses", json=body).status_code == 201, body


def _file(course: str, document_id: str) -> str:
    return f"/courses/{course}/documents/{document_id}/file"


def test_the_original_is_served_inline_with_its_type_name_and_safety_headers(
    ingest: TestClient, worker: _Worker
) -> None:
    _create(ingest, "cs1")
    handout = worker.by_hand("cs1", HANDOUT_NAME, HANDOUT)

    served = ingest.get(_file("cs1", handout.id))

    assert served.status_code == 200 and served.content == HANDOUT
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == (
        "inline; filename=\"Memoire virtuelle _ cours 3.pdf\"; filename*=UTF-8''"
        "M%C3%A9moire%20virtuelle%20%E2%80%93%20cours%203.pdf"
    )
    assert served.headers["accept-ranges"] == "bytes"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == "sandbox"


def test_byte_ranges_are_served_as_partial_content(ingest: TestClient, worker: _Worker) -> None:
    _create(ingest, "cs1")
    handout = worker.by_hand("cs1", "handout.pdf", HANDOUT)
    size = len(HANDOUT)
    url = _file("cs1", handout.id)

    first = ingest.get(url, headers={"range": "bytes=0-9"})
    last = ingest.get(url, headers={"range": "bytes=-10"})
    rest = ingest.get(url, headers={"range": f"bytes={size - 4}-"})

    assert (first.status_code, first.content) == (206, HANDOUT[:10])
    assert first.headers["content-range"] == f"bytes 0-9/{size}"
    assert (last.status_code, last.content) == (206, HANDOUT[-10:])
    assert last.headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
    assert (rest.status_code, rest.content) == (206, HANDOUT[-4:])


@pytest.mark.parametrize(
    "bad_range",
    ["bytes={size}-", "bytes={size}-{end}", "bytes=-0", "bytes=9-3", "bytes=abc", "pages=1-2"],
)
def test_a_malformed_or_unsatisfiable_range_is_416_naming_the_size(
    ingest: TestClient, worker: _Worker, bad_range: str
) -> None:
    _create(ingest, "cs1")
    handout = worker.by_hand("cs1", "handout.pdf", HANDOUT)
    size = len(HANDOUT)

    refused = ingest.get(
        _file("cs1", handout.id), headers={"range": bad_range.format(size=size, end=size + 9)}
    )

    assert refused.status_code == 416
    assert refused.headers["content-range"] == f"bytes */{size}"
    assert refused.headers["content-security-policy"] == "sandbox"


def test_a_document_is_served_only_under_its_own_course(
    ingest: TestClient, worker: _Worker
) -> None:
    _create(ingest, "cs1")
    _create(ingest, "cs2")
    handout = worker.by_hand("cs1", "handout.pdf", HANDOUT)

    elsewhere = ingest.get(_file("cs2", handout.id))
    nowhere = ingest.get(_file("nope", handout.id))

    assert elsewhere.status_code == 404 and handout.id in elsewhere.json()["detail"]
    assert nowhere.status_code == 404
    assert ingest.get(f"/courses/cs2/documents/{handout.id}/chunks").status_code == 404


@pytest.mark.parametrize(
    "document_id",
    [
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2E%2E%2F%2E%2E%2Foriginals",
        "..%5C..%5Cbyosc.db",
        "%2Fetc%2Fpasswd",
        "..",
    ],
)
def test_a_document_id_that_climbs_out_of_the_course_finds_nothing(
    ingest: TestClient, worker: _Worker, document_id: str
) -> None:
    _create(ingest, "cs1")
    worker.by_hand("cs1", "handout.pdf", HANDOUT)

    answer = ingest.get(f"/courses/cs1/documents/{document_id}/file")

    assert answer.status_code == 404
    assert b"root:" not in answer.content and HANDOUT not in answer.content


def test_a_catalog_hash_that_is_not_hex_never_becomes_a_path(
    ingest: TestClient, worker: _Worker
) -> None:
    _create(ingest, "cs1")
    handout = worker.by_hand("cs1", "handout.pdf", HANDOUT)
    forged = handout.model_copy(update={"content_hash": f"../../cs2/{handout.content_hash}"})
    worker.catalog.put_document(forged)

    answer = ingest.get(_file("cs1", handout.id))

    assert answer.status_code == 404 and "not stored" in answer.json()["detail"]


def test_a_document_indexed_before_originals_were_kept_says_to_refresh(
    ingest: TestClient, worker: _Worker
) -> None:
    _create(ingest, "cs1")
    handout = worker.by_hand("cs1", "handout.pdf", HANDOUT)
    worker.originals.remove("cs1", handout.content_hash)

    missing = ingest.get(_file("cs1", handout.id))

    assert missing.status_code == 404
    detail = missing.json()["detail"]
    assert "original file of handout.pdf is not stored" in detail
    assert "refresh the course" in detail


def test_an_older_upload_is_served_from_the_upload_folder_and_kept_from_then_on(
    ingest: TestClient, worker: _Worker
) -> None:
    _create(ingest, "up1")
    folder = upload_dir(worker.settings, "up1")
    folder.mkdir(parents=True)
    (folder / "notes.md").write_bytes(NOTES)
    worker.refresh("up1")
    [notes] = worker.catalog.list_documents("up1")
    worker.originals.remove("up1", notes.content_hash)

    served = ingest.get(_file("up1", notes.id))

    assert served.status_code == 200 and served.content == NOTES
    assert served.headers["content-type"] == "text/markdown; charset=utf-8"
    assert worker.kept("up1") == [content_hash(NOTES)]
    # A source file that no longer holds the indexed bytes is not served as the document.
    worker.originals.remove("up1", notes.content_hash)
    (folder / "notes.md").write_bytes(NOTES + b"\nEdited since.\n")
    assert ingest.get(_file("up1", notes.id)).status_code == 404


def test_originals_go_with_their_document_a_replaced_version_and_the_course(
    ingest: TestClient, worker: _Worker
) -> None:
    _create(ingest, "cs1")
    _create(ingest, "cs2")
    handout = worker.by_hand("cs1", "handout.pdf", HANDOUT)
    worker.by_hand("cs1", "notes.md", NOTES)
    worker.by_hand("cs2", "notes.md", NOTES)
    assert worker.kept("cs1") == sorted([handout.content_hash, content_hash(NOTES)])

    edited = NOTES + b"\nA TLB caches translations.\n"
    worker.by_hand("cs1", "notes.md", edited)
    assert worker.kept("cs1") == sorted([handout.content_hash, content_hash(edited)])
    deleted = ingest.delete(f"/courses/cs1/documents/{handout.id}")
    assert deleted.status_code == 204
    assert worker.kept("cs1") == [content_hash(edited)]

    assert ingest.delete("/courses/cs1").status_code == 204
    assert not (worker.settings.data_path / "originals" / "cs1").exists()
    assert worker.kept("cs2") == [content_hash(NOTES)]


def test_a_file_removed_from_a_local_folder_loses_its_original_at_the_next_refresh(
    ingest: TestClient, worker: _Worker, tmp_path: Path
) -> None:
    root = tmp_path / "sources"
    (root / "handout.pdf").write_bytes(HANDOUT)
    (root / "notes.md").write_bytes(NOTES)
    _create(ingest, "loc1", {"kind": "local", "path": str(root)})
    worker.refresh("loc1")
    assert worker.kept("loc1") == sorted([content_hash(HANDOUT), content_hash(NOTES)])

    (root / "notes.md").unlink()
    worker.refresh("loc1")

    assert worker.kept("loc1") == [content_hash(HANDOUT)]


def test_a_documents_chunks_come_in_order_with_their_pages(
    ingest: TestClient, worker: _Worker
) -> None:
    _create(ingest, "cs1")
    handout = worker.by_hand("cs1", "handout.pdf", HANDOUT)

    chunks = ingest.get(f"/courses/cs1/documents/{handout.id}/chunks")

    assert chunks.status_code == 200
    body = chunks.json()
    assert [(c["index"], c["page"]) for c in body] == [(0, 1), (1, 2)]
    assert "TLB caches page table entries" in body[0]["text"]
    assert set(body[0]) == {"index", "text", "heading", "page", "start_s", "end_s", "ocr"}
    missing = ingest.get("/courses/cs1/documents/0123456789abcdef01234567/chunks")
    assert missing.status_code == 404
