"""One Catalog contract, run against SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, Document, RefusedFile, refused_file_id
from byosc.errors import AlreadyExists


@pytest.fixture
def catalog(database_url: str) -> Iterator[SqlCatalog]:
    cat = SqlCatalog(database_url)
    yield cat
    cat.close()


def _doc(course_id: str, digest: str, name: str = "notes.md") -> Document:
    return Document(
        id=f"{course_id}-{digest}",
        course_id=course_id,
        filename=name,
        title=name,
        content_hash=digest,
        media_type="text/markdown",
        sections=2,
        chunks=3,
        warnings=["something odd"],
    )


def test_a_created_course_can_be_read_back_and_listed(catalog: SqlCatalog) -> None:
    catalog.create_course(Course(id="cs101", name="Intro"))
    catalog.create_course(Course(id="bio200", name="Cells"))
    course = catalog.get_course("cs101")
    assert course is not None and course.name == "Intro"
    assert [c.id for c in catalog.list_courses()] == ["bio200", "cs101"]


def test_creating_a_course_twice_is_refused(catalog: SqlCatalog) -> None:
    catalog.create_course(Course(id="cs101", name="Intro"))
    with pytest.raises(AlreadyExists):
        catalog.create_course(Course(id="cs101", name="Again"))


def test_documents_are_found_by_content_hash_within_their_course(catalog: SqlCatalog) -> None:
    catalog.create_course(Course(id="cs101", name="Intro"))
    catalog.create_course(Course(id="bio200", name="Cells"))
    catalog.put_document(_doc("cs101", "aaa"))
    found = catalog.find_document("cs101", "aaa")
    assert found is not None and found.warnings == ["something odd"]
    assert catalog.find_document("bio200", "aaa") is None


def test_putting_a_document_again_replaces_it(catalog: SqlCatalog) -> None:
    catalog.create_course(Course(id="cs101", name="Intro"))
    catalog.put_document(_doc("cs101", "aaa"))
    catalog.put_document(_doc("cs101", "aaa").model_copy(update={"chunks": 9}))
    docs = catalog.list_documents("cs101")
    assert [d.chunks for d in docs] == [9]


def test_deleting_a_course_removes_its_documents(catalog: SqlCatalog) -> None:
    catalog.create_course(Course(id="cs101", name="Intro"))
    catalog.put_document(_doc("cs101", "aaa"))
    assert catalog.delete_course("cs101") is True
    assert catalog.get_course("cs101") is None
    assert catalog.list_documents("cs101") == []
    assert catalog.delete_course("cs101") is False


def test_documents_are_found_by_their_source_file(catalog: SqlCatalog) -> None:
    catalog.create_course(Course(id="cs101", name="Intro"))
    tracked = _doc("cs101", "aaa").model_copy(update={"source_id": "week1/a.pdf"})
    catalog.put_document(tracked)
    catalog.put_document(_doc("cs101", "bbb"))
    found = catalog.find_by_source("cs101", "week1/a.pdf")
    assert [d.content_hash for d in found] == ["aaa"]
    assert found[0].source_id == "week1/a.pdf"
    assert catalog.find_by_source("cs101", "week1/b.pdf") == []


def _refused(course_id: str, source_id: str, checksum: str, reason: str) -> RefusedFile:
    return RefusedFile(
        id=refused_file_id(course_id, source_id),
        course_id=course_id,
        source_id=source_id,
        filename=source_id,
        checksum=checksum,
        reason=reason,
    )


def test_a_refused_file_is_kept_once_per_source_file_until_deleted(catalog: SqlCatalog) -> None:
    catalog.create_course(Course(id="cs101", name="Intro"))
    catalog.create_course(Course(id="bio200", name="Cells"))
    catalog.put_refused(_refused("cs101", "b.pdf", "v1", "empty file"))
    catalog.put_refused(_refused("cs101", "b.pdf", "v2", "unreadable or corrupt PDF"))
    catalog.put_refused(_refused("cs101", "a.pdf", "v1", "empty file"))
    catalog.put_refused(_refused("bio200", "c.pdf", "v1", "empty file"))

    listed = catalog.list_refused("cs101")

    assert [(r.filename, r.checksum, r.reason) for r in listed] == [
        ("a.pdf", "v1", "empty file"),
        ("b.pdf", "v2", "unreadable or corrupt PDF"),
    ]
    assert listed[0].refused_at.tzinfo is not None
    assert catalog.delete_refused("cs101", listed[0].id) is True
    assert catalog.delete_refused("bio200", listed[1].id) is False  # not that course's
    assert [r.filename for r in catalog.list_refused("cs101")] == ["b.pdf"]
    catalog.delete_course("cs101")
    assert catalog.list_refused("cs101") == []
    assert [r.filename for r in catalog.list_refused("bio200")] == ["c.pdf"]


def test_a_database_from_before_source_tracking_gains_the_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        # Its key and course: revision 0002 indexes documents by course and source.
        conn.execute(sa.text("CREATE TABLE documents (id VARCHAR(64) PRIMARY KEY, course_id TEXT)"))
    engine.dispose()
    catalog = SqlCatalog(url)
    columns = {c["name"] for c in sa.inspect(catalog.engine).get_columns("documents")}
    catalog.close()
    assert {"source_id", "source_checksum"} <= columns
