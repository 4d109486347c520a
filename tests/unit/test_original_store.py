"""Original files kept by content: one file per content, written whole or not at all, and
found only under a content hash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from byosc.domain import content_hash
from byosc.originals import OriginalStore, document_file_path

LECTURE = b"%PDF-1.4 the bytes of a lecture"


@pytest.fixture
def store(tmp_path: Path) -> OriginalStore:
    return OriginalStore(tmp_path / "originals")


def test_a_kept_file_is_found_under_its_course_and_content_hash(
    store: OriginalStore, tmp_path: Path
) -> None:
    digest = content_hash(LECTURE)
    path = store.keep("cs1", digest, LECTURE)
    assert path == tmp_path / "originals" / "cs1" / digest
    assert store.find("cs1", digest) == path and path.read_bytes() == LECTURE
    assert store.find("cs2", digest) is None


def test_the_same_content_kept_twice_is_one_file(store: OriginalStore) -> None:
    digest = content_hash(LECTURE)
    first = store.keep("cs1", digest, LECTURE)
    modified = first.stat().st_mtime_ns
    store.keep("cs1", digest, LECTURE)
    assert [p.name for p in store.folder("cs1").iterdir()] == [digest]
    assert first.stat().st_mtime_ns == modified


def test_a_write_cut_short_leaves_no_file_under_the_final_name(
    store: OriginalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    digest = content_hash(LECTURE)
    with pytest.raises(OSError, match="No space left"):
        store.keep("cs1", digest, LECTURE)
    assert store.find("cs1", digest) is None
    assert list(store.folder("cs1").iterdir()) == []


def test_only_a_sha256_hex_digest_names_a_stored_file(store: OriginalStore) -> None:
    for digest in ("../../etc/passwd", "A" * 64, content_hash(LECTURE)[:-1], ""):
        assert store.find("cs1", digest) is None
        with pytest.raises(ValueError, match="not a sha256 content hash"):
            store.keep("cs1", digest, LECTURE)


def test_a_course_id_that_leaves_the_folder_is_refused(store: OriginalStore) -> None:
    for course_id in ("..", ".", "", "a/b", "a\\b"):
        with pytest.raises(ValueError, match="not a course ID"):
            store.folder(course_id)


def test_removing_a_file_or_a_course_leaves_the_other_courses_files(
    store: OriginalStore,
) -> None:
    other = b"notes of another course"
    store.keep("cs1", content_hash(LECTURE), LECTURE)
    store.keep("cs1", content_hash(other), other)
    kept = store.keep("cs2", content_hash(other), other)

    store.remove("cs1", content_hash(LECTURE))
    assert [p.name for p in store.folder("cs1").iterdir()] == [content_hash(other)]
    store.remove_course("cs1")

    assert not store.folder("cs1").exists()
    assert kept.read_bytes() == other


def test_the_file_path_of_a_document_is_percent_encoded() -> None:
    assert document_file_path("cs1", "ab12") == "/courses/cs1/documents/ab12/file"
    assert document_file_path("cs1", "a/../b") == "/courses/cs1/documents/a%2F..%2Fb/file"
