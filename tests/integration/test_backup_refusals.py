"""What backup and restore refuse, and what they leave out, on a small real stack (SQLite, a
Qdrant Edge shard, files; tests/support/small_stack.py): damaged archives, non-empty
targets, newer schemas, an index another process holds, an index that disagrees with the
metadata DB."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from byosc import migrations
from byosc.backup import BackupRefused, create_backup, restore_backup
from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course
from byosc.index.edge import EdgeIndex
from byosc.jobs.sql import SqlJobStore
from byosc.settings import Settings
from tests.support.small_stack import DIMENSION, NOTES, notes_chunks, small_stack, vectors


def _settings(root: Path) -> Settings:
    return Settings(data_dir=root)


@pytest.fixture
def source(tmp_path: Path) -> Settings:
    settings = _settings(tmp_path / "source")
    small_stack(settings)
    return settings


def _flip_byte(archive: Path, offset: int) -> None:
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0x01
    archive.write_bytes(bytes(data))


def _courses(settings: Settings) -> list[str]:
    catalog = SqlCatalog(settings.database_url)
    try:
        return [course.id for course in catalog.list_courses()]
    finally:
        catalog.engine.dispose()


def _offset(archive: Path, where: str) -> int:
    """Where to flip a byte: in the upload's contents, in its tar header, or mid-stream."""
    if where == "mid-stream":
        return archive.stat().st_size // 2
    with tarfile.open(archive) as tar:
        member = tar.getmember("uploads/os/notes.md")
    return member.offset_data + 5 if where == "contents" else member.offset + 3


@pytest.mark.parametrize(
    ("name", "where", "refusal"),
    [
        ("stack.tar", "contents", r"stack\.tar: uploads/os/notes\.md does not match its checksum"),
        ("stack.tar", "header", r"stack\.tar is damaged: unreadable data after"),
        ("stack.tar.gz", "mid-stream", r"stack\.tar\.gz is damaged"),
    ],
)
def test_an_archive_with_one_byte_flipped_is_refused_naming_what_is_damaged(
    source: Settings, tmp_path: Path, name: str, where: str, refusal: str
) -> None:
    archive = tmp_path / name
    create_backup(source, archive)
    _flip_byte(archive, _offset(archive, where))
    target = _settings(tmp_path / "target")
    with pytest.raises(BackupRefused, match=refusal):
        restore_backup(target, archive)
    assert not target.data_path.exists()


def test_a_target_holding_a_course_is_refused_without_force_and_replaced_with_it(
    source: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "stack.tar"
    create_backup(source, archive)
    target = _settings(tmp_path / "target")
    SqlCatalog(target.database_url).create_course(Course(id="algo", name="Algorithms"))
    with pytest.raises(BackupRefused, match="not empty: courses algo in the metadata DB"):
        restore_backup(target, archive)
    assert _courses(target) == ["algo"]
    report = restore_backup(target, archive, force=True)
    assert report.forced and _courses(target) == ["os"]
    assert (target.data_path / "uploads/os/notes.md").read_bytes() == NOTES
    with pytest.raises(BackupRefused, match="3 points in the index"):
        restore_backup(target, archive)


def test_an_archive_from_a_newer_schema_is_refused(source: Settings, tmp_path: Path) -> None:
    archive = tmp_path / "stack.tar"
    create_backup(source, archive)
    newer = tmp_path / "newer.tar"
    with tarfile.open(archive) as old, tarfile.open(newer, "w") as new:
        for member in old:
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), "schema_revision": "9999"}).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    target = _settings(tmp_path / "target")
    with pytest.raises(BackupRefused, match="schema revision 9999 is newer than this release"):
        restore_backup(target, newer)
    assert not target.data_path.exists()


def test_an_archive_of_an_older_schema_is_migrated_to_this_release_after_loading(
    tmp_path: Path,
) -> None:
    source = _settings(tmp_path / "source")
    migrations.upgrade(source.database_url, "0001")
    engine = sa.create_engine(source.database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO courses VALUES ('os', 'Operating Systems', :source, :at)"),
            {"source": '{"kind": "upload"}', "at": "2025-01-02 03:04:05.000000"},
        )
    engine.dispose()
    manifest = create_backup(source, tmp_path / "old.tar")
    assert manifest.schema_revision == "0001"
    target = _settings(tmp_path / "target")
    report = restore_backup(target, tmp_path / "old.tar")
    assert (report.archive_revision, report.schema_revision) == ("0001", migrations.head())
    catalog = SqlCatalog(target.database_url)
    course = catalog.get_course("os")
    catalog.engine.dispose()
    assert course is not None and course.created_at.isoformat() == "2025-01-02T03:04:05+00:00"


def test_a_backup_while_another_owner_holds_the_index_is_refused_with_the_reason(
    source: Settings, tmp_path: Path
) -> None:
    owner = EdgeIndex(source.index_path, DIMENSION)
    try:
        with pytest.raises(BackupRefused, match="Another process holds the index"):
            create_backup(source, tmp_path / "stack.tar")
    finally:
        owner.close()
    assert list(tmp_path.glob("*stack.tar*")) == []


def test_points_of_documents_the_snapshot_lacks_are_left_out_and_missing_ones_refuse(
    tmp_path: Path,
) -> None:
    source = _settings(tmp_path / "source")
    doc = small_stack(source)
    index = EdgeIndex(source.index_path, DIMENSION)
    index.upsert(notes_chunks("os", "written-after-the-snapshot", "f" * 64, 2), vectors(2))
    index.close()
    manifest = create_backup(source, tmp_path / "stack.tar")
    assert (manifest.index.points, manifest.index.left_out) == (3, 2)
    target = _settings(tmp_path / "target")
    assert restore_backup(target, tmp_path / "stack.tar").points == 3
    index = EdgeIndex(source.index_path, DIMENSION)
    index.delete_document("os", doc.id)
    index.close()
    with pytest.raises(BackupRefused, match=f"document {doc.id} of course os has 3 chunks"):
        create_backup(source, tmp_path / "again.tar")


def test_a_job_running_when_backed_up_is_restored_as_failed_with_the_reason(
    source: Settings, tmp_path: Path
) -> None:
    catalog = SqlCatalog(source.database_url)
    job, _ = SqlJobStore(catalog.engine).start_job("os", "refresh", 600)
    catalog.engine.dispose()
    create_backup(source, tmp_path / "stack.tar")
    target = _settings(tmp_path / "target")
    restore_backup(target, tmp_path / "stack.tar")
    catalog = SqlCatalog(target.database_url)
    restored = SqlJobStore(catalog.engine).get(job.id)
    catalog.engine.dispose()
    assert restored is not None and restored.state == "failed"
    assert restored.error is not None and "interrupted" in restored.error
