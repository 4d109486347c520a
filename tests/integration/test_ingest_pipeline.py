"""The ingest pipeline in-process, with the real embedder, Qdrant Edge and SQLite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from byosc.domain import Course
from byosc.errors import NotFound
from byosc.settings import Settings
from cli.runtime import Runtime
from tests.support.pdfs import make_pdf


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id="cs1", name="Course one"))
        yield rt


def test_a_batch_keeps_its_good_files_when_one_is_bad(runtime: Runtime) -> None:
    files = [
        ("notes.md", b"# Scheduling\n\nRound robin gives each process a time slice.\n"),
        ("broken.pdf", b"%PDF-1.4 but nothing else"),
        ("slides.pdf", make_pdf(["Page one about caches.", "Page two about disks."])),
    ]
    report = runtime.ingestor.ingest("cs1", files)
    assert [d.filename for d in report.documents] == ["notes.md", "slides.pdf"]
    assert [e.filename for e in report.errors] == ["broken.pdf"]
    assert runtime.index.count("cs1") == sum(d.chunks for d in report.documents)
    pdf = report.documents[1]
    assert (pdf.sections, pdf.media_type) == (2, "application/pdf")


def test_ingesting_identical_bytes_again_is_a_no_op(runtime: Runtime) -> None:
    files = [("notes.md", b"# Paging\n\nA page is a fixed-size block of virtual memory.\n")]
    first = runtime.ingestor.ingest("cs1", files)
    count = runtime.index.count("cs1")
    second = runtime.ingestor.ingest("cs1", files)
    assert first.documents and not second.documents
    assert second.unchanged == ["notes.md"]
    assert runtime.index.count("cs1") == count


def test_a_changed_file_replaces_its_previous_version(runtime: Runtime) -> None:
    runtime.ingestor.ingest("cs1", [("notes.md", b"# Old\n\nThe old text about frogs.\n")])
    runtime.ingestor.ingest("cs1", [("notes.md", b"# New\n\nThe new text about toads.\n")])
    documents = runtime.catalog.list_documents("cs1")
    assert [d.title for d in documents] == ["New"]
    hits = runtime.chat.search("cs1", "frogs", 10)
    assert all("frogs" not in h.chunk.text for h in hits)


def test_ingesting_into_an_unknown_course_is_refused(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        runtime.ingestor.ingest("nope", [("a.txt", b"hello")])
