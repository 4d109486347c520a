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


def test_a_book_pdf_is_searched_by_section_and_its_contents_page_left_out(
    runtime: Runtime,
) -> None:
    contents = "Table of Contents\n" + "\n".join(
        f"{n} Chapter {n} ........................................ {n + 1}" for n in range(1, 8)
    )
    chapter = (
        "1 Memory\n1.1 Paging\nThe address space is cut into fixed-size blocks.\n"
        "1.2 Segmentation\nVariable-size regions named by the program."
    )
    pdf = make_pdf([contents, chapter])
    report = runtime.ingestor.ingest("cs1", [("book.pdf", pdf)])
    (document,) = report.documents
    assert document.warnings == ["page 1 is a table of contents or an index: not searched"]
    hits = runtime.chat.search("cs1", "fixed-size blocks of the address space", 10)
    assert all(hit.chunk.page == 2 for hit in hits)
    assert hits[0].chunk.heading == "1 Memory > 1.1 Paging"
    assert hits[0].chunk.context.endswith("1 Memory > 1.1 Paging")
