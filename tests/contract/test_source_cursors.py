"""The source cursor store on SQLite and PostgreSQL: one cursor per course, replaced in
place, its state kept as given, and gone with its course."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest

from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.domain import Course
from byosc.sources.cursors import SourceCursor, SqlSourceCursors


@pytest.fixture
def catalog(database_url: str) -> Iterator[SqlCatalog]:
    with closing(SqlCatalog(open_engine(database_url))) as catalog:
        catalog.create_course(Course(id="cs140", name="Operating systems"))
        catalog.create_course(Course(id="ee101", name="Circuits"))
        yield catalog


def _tree(n: int) -> dict[str, object]:
    return {"folders": {"1Root": "", "1Week": "Week 1/"}, "entries": {"1File": ["1Week", n]}}


def test_a_cursor_is_kept_per_course_and_replaced_in_place(catalog: SqlCatalog) -> None:
    store = SqlSourceCursors(catalog.engine)
    assert store.get("cs140") is None

    store.put(SourceCursor("cs140", "gdrive", "1Root", "t1", _tree(1)))
    store.put(SourceCursor("ee101", "gdrive", "1Other", "u1", _tree(7)))
    store.put(SourceCursor("cs140", "gdrive", "1Root", "t2", _tree(2)))

    saved = store.get("cs140")
    assert saved is not None and (saved.cursor, saved.state) == ("t2", _tree(2))
    assert saved.updated_at is not None and saved.updated_at.tzinfo is not None
    assert (other := store.get("ee101")) is not None and other.cursor == "u1"
    store.delete("ee101")
    assert store.get("ee101") is None and store.get("cs140") is not None


def test_a_courses_cursor_goes_with_the_course(catalog: SqlCatalog) -> None:
    store = SqlSourceCursors(catalog.engine)
    store.put(SourceCursor("cs140", "gdrive", "1Root", "t1", _tree(1)))

    catalog.delete_course("cs140")

    assert store.get("cs140") is None
