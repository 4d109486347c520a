"""One Source contract, run against a local folder and a Google Drive folder, listed in
full each time or, with change tracking, from the change log after the first listing.

Drive runs over googleapiclient's HttpMockSequence: before each call the world queues the
Drive v3 responses the real API would give for its current files, then checks that the
source asked for exactly those.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, SourceFile
from byosc.sources.cursors import SqlSourceCursors
from byosc.sources.drive import DriveSource
from byosc.sources.local import LocalFolderSource
from tests.support.drive import (
    ROOT_ID,
    Response,
    changed,
    changes_page,
    drive_service,
    folder,
    media,
    ok,
    page,
    removed,
    start_token,
    stored_file,
)

T = TypeVar("T")


class World(Protocol):
    """A source's backing store, changed from outside, and the source over it."""

    def put(self, name: str, data: bytes) -> None: ...

    def remove(self, name: str) -> None: ...

    def list_files(self) -> list[SourceFile]: ...

    def read(self, file: SourceFile) -> bytes: ...


class LocalWorld:
    def __init__(self, root: Path) -> None:
        self.folder = root / "course"
        self.folder.mkdir(parents=True)
        self.source = LocalFolderSource(self.folder, [root])

    def put(self, name: str, data: bytes) -> None:
        (self.folder / name).parent.mkdir(parents=True, exist_ok=True)
        (self.folder / name).write_bytes(data)

    def remove(self, name: str) -> None:
        (self.folder / name).unlink()

    def list_files(self) -> list[SourceFile]:
        return self.source.list_files()

    def read(self, file: SourceFile) -> bytes:
        return self.source.read(file)


class DriveWorld:
    """A Drive folder with files at the top and in subfolders, two files per listing page."""

    def __init__(self, cursors: SqlSourceCursors | None = None) -> None:
        self.files: dict[str, tuple[str, bytes, int]] = {}
        self.created = 0
        self.responses: list[Response] = []
        service, self.http = drive_service(self.responses)
        self.source = DriveSource(ROOT_ID, service, page_size=2, cursors=cursors, course_id="cs101")

    def put(self, name: str, data: bytes) -> None:
        if name not in self.files:
            self.created += 1
            self.files[name] = (f"1File{self.created:012d}", b"", 0)
        file_id, _, version = self.files[name]
        self.files[name] = (file_id, data, version + 1)

    def remove(self, name: str) -> None:
        del self.files[name]

    def list_files(self) -> list[SourceFile]:
        self.responses += [ok(folder(ROOT_ID, "Course")), *self._folder_pages("")]
        return self._drained(self.source.list_files())

    def read(self, file: SourceFile) -> bytes:
        data = next(d for i, d, _ in self.files.values() if i == file.source_id)
        self.responses.append(media(data))
        return self._drained(self.source.read(file))

    def _folder_pages(self, prefix: str) -> Iterator[Response]:
        entries, subfolders = [], []
        for name, (file_id, data, version) in self.files.items():
            if not name.startswith(prefix):
                continue
            rest = name.removeprefix(prefix)
            if "/" not in rest:
                entries.append(stored_file(file_id, rest, data, version=version))
            elif (sub := rest.split("/")[0]) not in subfolders:
                subfolders.append(sub)
                entries.append(folder("1Folder_" + (prefix + sub).replace("/", "_"), sub))
        pages = [entries[i : i + 2] for i in range(0, len(entries), 2)] or [[]]
        for n, files in enumerate(pages):
            yield page(files, next_token=f"token-{n + 1}" if n + 1 < len(pages) else None)
        for sub in subfolders:
            yield from self._folder_pages(f"{prefix}{sub}/")

    def _drained(self, result: T) -> T:
        assert self.responses == [], "the source skipped requests the API would need"
        return result


class TrackedDriveWorld(DriveWorld):
    """The Drive world with change tracking: after the first listing, the source reads the
    change log, which holds each file put or removed since (a new subfolder makes it list
    the tree in full again)."""

    def __init__(self, cursors: SqlSourceCursors) -> None:
        super().__init__(cursors)
        self.changes: list[dict[str, object]] = []
        self.tokens = 0
        self.tree_changed = True  # nothing listed yet

    def put(self, name: str, data: bytes) -> None:
        folder_id = _folder_of(name)
        self.tree_changed |= all(_folder_of(other) != folder_id for other in self.files)
        super().put(name, data)
        file_id, data, version = self.files[name]
        item = stored_file(file_id, name.rsplit("/", 1)[-1], data, version=version)
        self.changes.append(changed({**item, "parents": [folder_id]}))

    def remove(self, name: str) -> None:
        self.changes.append(removed(self.files[name][0]))
        super().remove(name)

    def list_files(self) -> list[SourceFile]:
        self.tokens += 1
        if self.tokens > 1:
            self.responses.append(changes_page(self.changes, new_token=f"t{self.tokens}"))
        if self.tree_changed:
            self.responses += [ok(folder(ROOT_ID, "Course")), start_token(f"t{self.tokens}")]
            self.responses += self._folder_pages("")
        expected = "full" if self.tree_changed else "changes"
        self.changes, self.tree_changed = [], False
        files = self._drained(self.source.list_files())
        assert self.source.last_listing is not None and self.source.last_listing.how == expected
        return files


def _folder_of(name: str) -> str:
    prefix = name.rsplit("/", 1)[0] if "/" in name else ""
    return "1Folder_" + prefix.replace("/", "_") if prefix else ROOT_ID


@pytest.fixture(params=["local", "drive", "drive-changes"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "local":
        yield LocalWorld(tmp_path)
    elif request.param == "drive":
        yield DriveWorld()
    else:
        with closing(SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")) as catalog:
            catalog.create_course(Course(id="cs101", name="Course"))
            yield TrackedDriveWorld(SqlSourceCursors(catalog.engine))


def _by_name(files: list[SourceFile]) -> dict[str, SourceFile]:
    return {f.name: f for f in files}


def _fill(world: World) -> None:
    world.put("intro.md", b"# Operating systems")
    world.put("syllabus.pdf", b"%PDF-1.7 syllabus")
    world.put("week1/paging.pdf", b"%PDF-1.7 paging")
    world.put("week1/tlb.txt", b"translation lookaside buffer")
    world.put("week2/deadlocks.mp3", b"ID3 audio")


def test_an_empty_source_lists_nothing(world: World) -> None:
    assert world.list_files() == []


def test_it_lists_every_file_with_ids_that_stay_the_same(world: World) -> None:
    _fill(world)

    first, second = world.list_files(), world.list_files()

    assert sorted(_by_name(first)) == [
        "intro.md",
        "syllabus.pdf",
        "week1/paging.pdf",
        "week1/tlb.txt",
        "week2/deadlocks.mp3",
    ]
    assert [(f.source_id, f.checksum) for f in first] == [(f.source_id, f.checksum) for f in second]
    assert len({f.source_id for f in first}) == len(first)
    assert all(f.checksum and f.size is not None and f.modified for f in first)


def test_read_returns_the_bytes_of_each_file(world: World) -> None:
    _fill(world)

    files = _by_name(world.list_files())

    assert world.read(files["week1/tlb.txt"]) == b"translation lookaside buffer"
    assert world.read(files["syllabus.pdf"]) == b"%PDF-1.7 syllabus"


def test_a_changed_file_keeps_its_id_and_changes_its_checksum(world: World) -> None:
    _fill(world)
    before = _by_name(world.list_files())

    world.put("week1/paging.pdf", b"%PDF-1.7 paging, revised")
    after = _by_name(world.list_files())

    assert after["week1/paging.pdf"].source_id == before["week1/paging.pdf"].source_id
    assert after["week1/paging.pdf"].checksum != before["week1/paging.pdf"].checksum
    assert after["intro.md"].checksum == before["intro.md"].checksum
    assert world.read(after["week1/paging.pdf"]) == b"%PDF-1.7 paging, revised"


def test_a_deleted_file_disappears_and_a_new_one_appears(world: World) -> None:
    _fill(world)
    before = _by_name(world.list_files())

    world.remove("syllabus.pdf")
    world.put("week2/quiz.md", b"# Quiz")
    after = _by_name(world.list_files())

    assert set(before) - set(after) == {"syllabus.pdf"}
    assert set(after) - set(before) == {"week2/quiz.md"}
    assert after["week2/quiz.md"].source_id not in {f.source_id for f in before.values()}
