"""LocalFolderSource: allowed roots, escapes, hidden files, symlinks, missing folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from byosc.domain import SourceFile, content_hash
from byosc.errors import BadFile, NotFound, SourceRefused
from byosc.sources.local import LocalFolderSource


@pytest.fixture
def allowed(tmp_path: Path) -> Path:
    root = tmp_path / "allowed"
    (root / "course").mkdir(parents=True)
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("not course material")
    return folder


def _names(source: LocalFolderSource) -> list[str]:
    return [f.source_id for f in source.list_files()]


def test_a_folder_outside_the_allowed_roots_is_refused_naming_them(
    allowed: Path, outside: Path
) -> None:
    with pytest.raises(SourceRefused, match=f"not under an allowed root \\({allowed}\\)"):
        LocalFolderSource(outside, [allowed])


def test_no_allowed_roots_means_no_local_folders(allowed: Path) -> None:
    with pytest.raises(SourceRefused, match="BYOSC_SOURCES__ALLOWED_ROOTS"):
        LocalFolderSource(allowed / "course", [])


def test_a_dotdot_path_that_leaves_the_allowed_root_is_refused(
    allowed: Path, outside: Path
) -> None:
    with pytest.raises(SourceRefused):
        LocalFolderSource(allowed / "course" / ".." / ".." / "outside", [allowed])


def test_a_symlinked_folder_that_points_outside_is_refused(allowed: Path, outside: Path) -> None:
    (allowed / "link").symlink_to(outside, target_is_directory=True)

    with pytest.raises(SourceRefused):
        LocalFolderSource(allowed / "link", [allowed])


def test_the_refusal_comes_before_any_existence_check(allowed: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceRefused):
        LocalFolderSource(tmp_path / "nowhere", [allowed])


def test_a_missing_folder_is_not_found_with_its_path(allowed: Path) -> None:
    with pytest.raises(NotFound, match=str(allowed / "gone")):
        LocalFolderSource(allowed / "gone", [allowed])


def test_a_folder_removed_later_is_not_found_rather_than_empty(allowed: Path) -> None:
    source = LocalFolderSource(allowed / "course", [allowed])
    shutil.rmtree(allowed / "course")

    with pytest.raises(NotFound):
        source.list_files()


def test_hidden_files_and_folders_are_skipped(allowed: Path) -> None:
    course = allowed / "course"
    (course / ".git").mkdir()
    (course / ".git" / "config").write_text("x")
    (course / ".draft.md").write_text("x")
    (course / "week1").mkdir()
    (course / "week1" / "notes.md").write_text("# Paging")

    assert _names(LocalFolderSource(course, [allowed])) == ["week1/notes.md"]


def test_symlinks_are_followed_only_while_they_stay_inside(allowed: Path, outside: Path) -> None:
    course = allowed / "course"
    (course / "notes.md").write_text("# Paging")
    (course / "escape.txt").symlink_to(outside / "secret.txt")
    (course / "escape-dir").symlink_to(outside, target_is_directory=True)
    (course / "alias.md").symlink_to(course / "notes.md")
    (course / "loop").symlink_to(course, target_is_directory=True)

    assert _names(LocalFolderSource(course, [allowed])) == ["alias.md", "notes.md"]


def test_special_files_are_not_listed(allowed: Path) -> None:
    os.mkfifo(allowed / "course" / "pipe")

    assert _names(LocalFolderSource(allowed / "course", [allowed])) == []


def test_files_carry_their_content_hash_size_and_time(allowed: Path) -> None:
    data = b"x" * (3 * 1024 * 1024 + 7)
    (allowed / "course" / "big.bin").write_bytes(data)

    (file,) = LocalFolderSource(allowed / "course", [allowed]).list_files()

    assert file.checksum == content_hash(data)
    assert file.size == len(data)
    assert file.modified is not None and file.modified.tzinfo is not None


@pytest.mark.parametrize("source_id", ["../outside/secret.txt", "/etc/hostname", ".hidden"])
def test_read_refuses_what_the_listing_would_not_list(allowed: Path, source_id: str) -> None:
    (allowed / "course" / ".hidden").write_text("x")
    source = LocalFolderSource(allowed / "course", [allowed])

    with pytest.raises(SourceRefused):
        source.read(SourceFile(source_id=source_id, name=source_id))


def test_read_refuses_a_symlink_swapped_in_after_listing(allowed: Path, outside: Path) -> None:
    course = allowed / "course"
    (course / "notes.md").write_text("# Paging")
    source = LocalFolderSource(course, [allowed])
    (file,) = source.list_files()
    (course / "notes.md").unlink()
    (course / "notes.md").symlink_to(outside / "secret.txt")

    with pytest.raises(SourceRefused, match="outside"):
        source.read(file)


def test_read_of_a_file_deleted_since_listing_is_not_found(allowed: Path) -> None:
    (allowed / "course" / "notes.md").write_text("# Paging")
    source = LocalFolderSource(allowed / "course", [allowed])
    (file,) = source.list_files()
    (allowed / "course" / "notes.md").unlink()

    with pytest.raises(NotFound):
        source.read(file)


def test_read_refuses_a_file_over_the_size_limit(allowed: Path) -> None:
    (allowed / "course" / "big.pdf").write_bytes(b"x" * 100)
    source = LocalFolderSource(allowed / "course", [allowed], max_bytes=10)
    (file,) = source.list_files()

    assert file.size == 100
    with pytest.raises(BadFile, match="over the limit of 10"):
        source.read(file)
