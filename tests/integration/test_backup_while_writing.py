"""A backup taken while the metadata DB is being written holds whole transactions only: a
writer adds a course and a row that references it in one transaction, over and over, and
every archive taken meanwhile counts as many of one as of the other (SQLite through the
backup API's copy, PostgreSQL through one REPEATABLE READ snapshot)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.backup import create_backup
from byosc.catalog.sql import SqlCatalog, courses, refused_files
from byosc.domain import Course, RefusedFile
from byosc.settings import DatabaseSettings, Settings
from tests.support.postgres import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data")
        return
    with fresh_database("byosc_backup") as url:
        yield Settings(data_dir=tmp_path / "data", database=DatabaseSettings(url=url))


def _write_pairs(catalog: SqlCatalog, stop: threading.Event, written: list[int]) -> None:
    n = 0
    while not stop.is_set():
        course = Course(id=f"c{n}", name=f"Course {n}")
        refused = RefusedFile(
            id=f"r{n}", course_id=course.id, source_id="a.pdf", filename="a.pdf",
            checksum="0", reason="test",
        )  # fmt: skip
        with catalog.engine.begin() as conn:
            conn.execute(courses.insert().values(**course.model_dump()))
            conn.execute(refused_files.insert().values(**refused.model_dump()))
        n += 1
        written.append(n)


def test_each_backup_taken_while_the_db_is_written_holds_whole_transactions(
    settings: Settings, tmp_path: Path
) -> None:
    catalog = SqlCatalog(settings.database_url)
    stop, written = threading.Event(), list[int]()
    writer = threading.Thread(target=_write_pairs, args=(catalog, stop, written))
    writer.start()
    try:
        counts = []
        for attempt in range(4):
            manifest = create_backup(settings, tmp_path / f"during-{attempt}.tar")
            tables = manifest.database.tables
            counts.append((tables["courses"], tables["refused_files"]))
    finally:
        stop.set()
        writer.join()
        catalog.engine.dispose()
    assert all(courses == refused for courses, refused in counts), counts
    assert len({courses for courses, _ in counts}) > 1, "the writer wrote during the backups"
    assert len(written) > counts[0][0]
