"""Refresh planning: the source's listing diffed against what the catalog holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.catalog.sql import SqlCatalog
from byosc.domain import (
    Course,
    Document,
    RefusedFile,
    SourceFile,
    content_hash,
    refused_file_id,
)
from byosc.refresh import plan_refresh
from byosc.sources.local import LocalFolderSource


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[SqlCatalog]:
    cat = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    cat.create_course(Course(id="cs1", name="One"))
    yield cat
    cat.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "material"
    (root / "week1").mkdir(parents=True)
    (root / "week1" / "kept.md").write_text("# Kept\n\nSame as before.\n")
    (root / "edited.md").write_text("# Edited\n\nNew words.\n")
    (root / "added.md").write_text("# Added\n\nBrand new.\n")
    return root


def _indexed(catalog: SqlCatalog, source_id: str, data: bytes, filename: str | None = None) -> None:
    digest = content_hash(data)
    catalog.put_document(
        Document(
            id=f"doc-{source_id}",
            course_id="cs1",
            filename=filename or source_id,
            title=source_id,
            content_hash=digest,
            media_type="text/markdown",
            source_id=source_id,
            source_checksum=digest,
        )
    )


def test_each_file_is_planned_as_new_changed_deleted_or_unchanged(
    catalog: SqlCatalog, folder: Path
) -> None:
    _indexed(catalog, "week1/kept.md", (folder / "week1" / "kept.md").read_bytes())
    _indexed(catalog, "edited.md", b"# Edited\n\nOld words.\n")
    _indexed(catalog, "removed.md", b"# Removed\n")
    source = LocalFolderSource(folder, [folder])
    plan = plan_refresh(Course(id="cs1", name="One"), source, catalog)
    actions = {f.source_id: f.action for f in plan.files}
    assert actions == {
        "added.md": "new",
        "edited.md": "changed",
        "removed.md": "deleted",
        "week1/kept.md": "unchanged",
    }
    removed = next(f for f in plan.files if f.action == "deleted")
    assert removed.document is not None and removed.document.id == "doc-removed.md"


def test_a_renamed_file_with_the_same_bytes_is_reindexed(catalog: SqlCatalog) -> None:
    data = b"# Notes\n"
    _indexed(catalog, "drive-id-1", data, filename="Week 1/notes.md")
    listing = [
        SourceFile(source_id="drive-id-1", name="Week 2/notes.md", checksum=content_hash(data))
    ]
    plan = plan_refresh(Course(id="cs1", name="One"), _Listed(listing), catalog)
    assert [f.action for f in plan.files] == ["changed"]


def test_a_file_without_a_checksum_is_read_to_find_out(catalog: SqlCatalog) -> None:
    _indexed(catalog, "a.md", b"# A\n")
    plan = plan_refresh(
        Course(id="cs1", name="One"), _Listed([SourceFile(source_id="a.md", name="a.md")]), catalog
    )
    assert [f.action for f in plan.files] == ["changed"]


def test_documents_ingested_by_hand_are_left_alone(catalog: SqlCatalog) -> None:
    catalog.put_document(
        Document(
            id="by-hand",
            course_id="cs1",
            filename="extra.pdf",
            title="Extra",
            content_hash="abc",
            media_type="application/pdf",
        )
    )
    plan = plan_refresh(Course(id="cs1", name="One"), _Listed([]), catalog)
    assert plan.files == []


def test_recordings_are_planned_on_the_transcribe_queue(catalog: SqlCatalog) -> None:
    listing = [
        SourceFile(source_id="l1.mp3", name="l1.mp3"),
        SourceFile(source_id="v", name="lecture", mime_type="video/mp4"),
        SourceFile(source_id="s.pdf", name="s.pdf"),
    ]
    plan = plan_refresh(Course(id="cs1", name="One"), _Listed(listing), catalog)
    assert [f.queue for f in plan.files] == ["transcribe", "transcribe", "cpu"]


def _refused(catalog: SqlCatalog, source_id: str, data: bytes) -> RefusedFile:
    refused = RefusedFile(
        id=refused_file_id("cs1", source_id),
        course_id="cs1",
        source_id=source_id,
        filename=source_id,
        checksum=content_hash(data),
        reason="empty file",
    )
    catalog.put_refused(refused)
    return refused


def test_a_refused_file_is_skipped_until_it_changes_and_forgotten_once_it_is_gone(
    catalog: SqlCatalog,
) -> None:
    kept = _refused(catalog, "fake.pdf", b"text")
    _refused(catalog, "edited.pdf", b"old text")
    gone = _refused(catalog, "gone.pdf", b"more text")
    listing = [
        SourceFile(source_id="fake.pdf", name="fake.pdf", checksum=content_hash(b"text")),
        SourceFile(source_id="edited.pdf", name="edited.pdf", checksum=content_hash(b"%PDF-")),
    ]
    plan = plan_refresh(Course(id="cs1", name="One"), _Listed(listing), catalog)
    assert [(f.source_id, f.action, f.refused) for f in plan.files] == [
        ("fake.pdf", "unchanged", kept),
        ("edited.pdf", "new", None),
    ]
    assert plan.forgotten == [gone]


class _Listed:
    """A source that only lists: planning must not read any file."""

    def __init__(self, files: list[SourceFile]) -> None:
        self.files = files

    def list_files(self) -> list[SourceFile]:
        return self.files

    def read(self, file: SourceFile) -> bytes:
        raise AssertionError("planning read a file")
