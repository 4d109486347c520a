"""One Catalog contract, run against SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, Document
from byosc.errors import AlreadyExists

POSTGRES_URL = os.environ.get(
    "BYOSC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlCatalog]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    cat = SqlCatalog(url)
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
