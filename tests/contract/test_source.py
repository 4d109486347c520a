"""One Source contract, run against a local folder and a Google Drive folder.

Drive runs over googleapiclient's HttpMockSequence: before each call the world queues the
Drive v3 responses the real API would give for its current files, then checks that the
source asked for exactly those.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

from byosc.domain import SourceFile
from byosc.sources.drive import DriveSource
from byosc.sources.local import LocalFolderSource
from tests.support.drive import (
    ROOT_ID,
    Response,
    drive_service,
    folder,
    media,
    ok,
    page,
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

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes, int]] = {}
        self.created = 0
        self.responses: list[Response] = []
        service, self.http = drive_service(self.responses)
        self.source = DriveSource(ROOT_ID, service, page_size=2)

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


@pytest.fixture(params=["local", "drive"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> World:
    if request.param == "local":
        return LocalWorld(tmp_path)
    return DriveWorld()


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
