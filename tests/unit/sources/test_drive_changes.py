"""DriveSource with change tracking, over googleapiclient's HttpMockSequence and a real
SQLite cursor store: the first listing is full and keeps a start token, later ones read
only the change log, and whatever changed they return what a full listing would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing

import pytest

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, SourceFile
from byosc.errors import SourceUnavailable
from byosc.refresh import plan_refresh
from byosc.sources.cursors import SourceCursor, SqlSourceCursors
from byosc.sources.drive import DriveSource
from tests.support.drive import (
    PDF,
    ROOT_ID,
    Response,
    changed,
    changes_page,
    drive_service,
    error,
    folder,
    native_file,
    ok,
    path,
    query,
    removed,
    shortcut,
    stored_file,
)
from tests.support.drive_state import DriveState

WEEK_1 = "1WeekOneFolderxx"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlCatalog]:
    # One database for the module (migrating a new one takes longer than the tests).
    url = f"sqlite:///{tmp_path_factory.mktemp('drive') / 'catalog.db'}"
    with closing(SqlCatalog(url)) as catalog:
        catalog.create_course(Course(id="cs101", name="Intro"))
        yield catalog


@pytest.fixture
def cursors(catalog: SqlCatalog) -> SqlSourceCursors:
    store = SqlSourceCursors(catalog.engine)
    store.delete("cs101")
    return store


@pytest.fixture
def drive() -> DriveState:
    state = DriveState()
    state.put(folder(WEEK_1, "Week 1"))
    state.put(stored_file("1Lecturexxxxxxxx", "Lecture 1.pdf", b"%PDF lecture"), WEEK_1)
    state.put(stored_file("1Handoutxxxxxxxx", "handout.pdf", b"%PDF handout"))
    state.put(native_file("1Slidesxxxxxxxxx", "Intro"))
    return state


class Run:
    """One refresh's listing: a fresh source, as each job opens one, over given responses."""

    def __init__(self, cursors: SqlSourceCursors, responses: list[Response]) -> None:
        service, self.http = drive_service(list(responses))
        self.source = DriveSource(ROOT_ID, service, cursors=cursors, course_id="cs101")
        self.files = self.source.list_files()
        assert self.http._iterable == [], "the source skipped requests the API would need"

    @property
    def calls(self) -> int:
        return len(self.http.request_sequence)

    def query(self, n: int) -> dict[str, str]:
        return query(self.http.request_sequence[n][0])


def full_listing(state: DriveState) -> list[SourceFile]:
    """What a source without change tracking lists from `state`."""
    service, _ = drive_service(state.full_listing())
    return DriveSource(ROOT_ID, service).list_files()


def test_the_first_listing_is_full_and_keeps_a_start_token_taken_before_it(
    cursors: SqlSourceCursors, drive: DriveState
) -> None:
    run = Run(cursors, drive.full_listing(token="t1"))

    assert [f.name for f in run.files] == ["Intro.pdf", "Week 1/Lecture 1.pdf", "handout.pdf"]
    assert run.source.last_listing is not None and run.source.last_listing.how == "full"
    assert path(run.http.request_sequence[1][0]) == "/drive/v3/changes/startPageToken"
    assert run.query(1)["supportsAllDrives"] == "true" and "driveId" not in run.query(1)
    saved = cursors.get("cs101")
    assert saved is not None and (saved.kind, saved.folder_id, saved.cursor) == (
        "gdrive",
        ROOT_ID,
        "t1",
    )


def test_three_changes_are_read_in_one_call_and_list_what_a_full_listing_would(
    cursors: SqlSourceCursors, drive: DriveState
) -> None:
    first = Run(cursors, drive.full_listing(token="t1"))
    added = drive.put(stored_file("1Lecture2xxxxxxx", "Lecture 2.pdf", b"%PDF two"), WEEK_1)
    edited = drive.put(native_file("1Slidesxxxxxxxxx", "Intro", version=2))
    trashed = drive.trash("1Handoutxxxxxxxx")

    second = Run(
        cursors, [changes_page([changed(f) for f in (added, edited, trashed)], new_token="t2")]
    )

    assert (first.calls, second.calls) == (4, 1)
    assert second.source.last_listing is not None and second.source.last_listing.changes == 3
    assert second.files == full_listing(drive)
    assert [f.name for f in second.files] == [
        "Intro.pdf",
        "Week 1/Lecture 1.pdf",
        "Week 1/Lecture 2.pdf",
    ]
    asked = second.query(0)
    assert asked["pageToken"] == "t1" and asked["spaces"] == "drive"
    assert asked["includeItemsFromAllDrives"] == asked["supportsAllDrives"] == "true"
    assert asked["fields"].startswith("nextPageToken, newStartPageToken, changes(")
    assert (saved := cursors.get("cs101")) is not None and saved.cursor == "t2"


def test_changes_are_followed_page_by_page_to_the_new_start_token(
    cursors: SqlSourceCursors, drive: DriveState
) -> None:
    Run(cursors, drive.full_listing(token="t1"))
    renamed = drive.put(stored_file("1Lecturexxxxxxxx", "Paging.pdf", b"%PDF lecture"), WEEK_1)
    gone = drive.items.pop("1Handoutxxxxxxxx")
    unrelated = {**stored_file("1Elsewherexxxxxx", "tax.pdf", b"%PDF"), "parents": ["1Otherx"]}

    run = Run(
        cursors,
        [
            changes_page([changed(renamed), changed(unrelated)], next_token="p2"),
            changes_page([removed(gone["id"])], new_token="t2"),
        ],
    )

    assert run.calls == 2 and run.query(1)["pageToken"] == "p2"
    assert run.files == full_listing(drive)
    assert "Week 1/Paging.pdf" in {f.name for f in run.files}


def test_a_file_moved_out_of_the_tree_is_gone_and_one_moved_in_appears(
    cursors: SqlSourceCursors, drive: DriveState
) -> None:
    Run(cursors, drive.full_listing(token="t1"))
    moved_out = drive.put(stored_file("1Lecturexxxxxxxx", "Lecture 1.pdf", b"%PDF"), "1Outsidex")
    moved_in = drive.put(stored_file("1Readingxxxxxxxx", "reading.pdf", b"%PDF read"), WEEK_1)

    run = Run(cursors, [changes_page([changed(moved_out), changed(moved_in)], new_token="t2")])

    assert run.files == full_listing(drive)
    assert [f.name for f in run.files] == ["Intro.pdf", "Week 1/reading.pdf", "handout.pdf"]


@pytest.mark.parametrize("status", [400, 404, 410])
def test_a_token_drive_refuses_falls_back_to_a_full_listing_and_a_new_token(
    cursors: SqlSourceCursors, drive: DriveState, status: int
) -> None:
    Run(cursors, drive.full_listing(token="t1"))
    drive.put(stored_file("1Latexxxxxxxxxxx", "late.pdf", b"%PDF late"))
    expired = error(status, "invalid", "Invalid Value")

    run = Run(cursors, [expired, *drive.full_listing(token="t9")])

    assert run.source.last_listing is not None and run.source.last_listing.how == "full"
    assert f"refused the change token ({status}" in str(run.source.last_listing.reason)
    assert run.files == full_listing(drive)
    assert (saved := cursors.get("cs101")) is not None and saved.cursor == "t9"


@pytest.mark.parametrize(
    "change",
    [
        changed({**folder(WEEK_1, "Week One"), "parents": [ROOT_ID]}),
        changed({**folder("1NewFolderxxxxxx", "Week 2"), "parents": [ROOT_ID]}),
        changed({**folder(ROOT_ID, "Course"), "parents": ["1Archivexxxxx"]}),
        removed(WEEK_1),
    ],
    ids=["subfolder renamed", "folder added", "course folder moved", "subfolder deleted"],
)
def test_a_change_to_the_folders_of_the_tree_falls_back_to_a_full_listing(
    cursors: SqlSourceCursors, drive: DriveState, change: dict[str, object]
) -> None:
    Run(cursors, drive.full_listing(token="t1"))
    drive.put(folder(WEEK_1, "Week One"))

    run = Run(cursors, [changes_page([change], new_token="t2"), *drive.full_listing(token="t3")])

    assert run.source.last_listing is not None and run.source.last_listing.how == "full"
    assert "Week One/Lecture 1.pdf" in {f.name for f in run.files}
    assert (saved := cursors.get("cs101")) is not None and saved.cursor == "t3"


def test_a_shared_drive_folder_follows_its_drives_change_log(cursors: SqlSourceCursors) -> None:
    drive = DriveState(root={**folder(ROOT_ID, "Course"), "driveId": "0ASharedDrivexx"})
    drive.put(stored_file("1Lecturexxxxxxxx", "Lecture 1.pdf", b"%PDF lecture"))
    first = Run(cursors, drive.full_listing(token="t1"))
    added = drive.put(stored_file("1Lecture2xxxxxxx", "Lecture 2.pdf", b"%PDF two"))

    second = Run(cursors, [changes_page([changed(added)], new_token="t2")])

    assert first.query(1)["driveId"] == "0ASharedDrivexx"
    assert second.query(0)["driveId"] == "0ASharedDrivexx"
    assert second.query(0)["includeItemsFromAllDrives"] == "true"
    assert second.files == full_listing(drive)


def test_a_shared_drive_tree_with_a_shortcut_into_another_drive_is_listed_in_full(
    cursors: SqlSourceCursors,
) -> None:
    # The shared drive's change log does not show files of other drives.
    drive = DriveState(root={**folder(ROOT_ID, "Course"), "driveId": "0ASharedDrivexx"})
    drive.items["1Targetxxxxxxxxx"] = stored_file("1Targetxxxxxxxxx", "mine.pdf", b"%PDF")
    drive.put(shortcut("1Shortcutxxxxxxx", "Reading.pdf", "1Targetxxxxxxxxx", PDF))

    run = Run(cursors, drive.full_listing(token="t1"))

    assert [f.source_id for f in run.files] == ["1Targetxxxxxxxxx"]
    assert cursors.get("cs101") is None


def test_shortcuts_follow_their_targets_through_changes(
    cursors: SqlSourceCursors, drive: DriveState
) -> None:
    target_id = "1Targetxxxxxxxxx"
    target = drive.put(stored_file(target_id, "original.pdf", b"%PDF target"), "1Elsewherexxx")
    Run(cursors, drive.full_listing(token="t1"))

    link = drive.put(shortcut("1Shortcutxxxxxxx", "Reading.pdf", target_id, PDF), WEEK_1)
    added = Run(cursors, [changes_page([changed(link)], new_token="t2"), ok(target)])
    assert added.calls == 2 and added.files == full_listing(drive)
    assert ("Week 1/Reading.pdf", target_id) in {(f.name, f.source_id) for f in added.files}

    broken = Run(cursors, [changes_page([changed(drive.trash(target_id))], new_token="t3")])
    assert broken.calls == 1 and broken.files == full_listing(drive)
    assert "Week 1/Reading.pdf" not in {f.name for f in broken.files}

    restored = drive.put(stored_file(target_id, "original.pdf", b"%PDF v2"), "1Elsewherexxx")
    back = Run(cursors, [changes_page([changed(restored)], new_token="t4")])
    assert back.calls == 1 and back.files == full_listing(drive)
    assert "Week 1/Reading.pdf" in {f.name for f in back.files}


def test_a_rate_limit_on_the_change_log_is_retried_with_backoff(
    cursors: SqlSourceCursors, drive: DriveState, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    Run(cursors, drive.full_listing(token="t1"))
    limited = error(429, "rateLimitExceeded", "Rate Limit Exceeded")
    busy = error(403, "userRateLimitExceeded", "User Rate Limit Exceeded")

    run = Run(cursors, [limited, busy, changes_page([], new_token="t2")])

    assert run.calls == 3 and len(sleeps) == 2
    # Exponential backoff with full jitter: up to 2 s, then up to 4 s.
    assert 0 <= sleeps[0] < 2 and 0 <= sleeps[1] < 4 and run.source.last_listing is not None
    assert run.source.last_listing.how == "changes"
    assert (saved := cursors.get("cs101")) is not None and saved.cursor == "t2"


def test_a_listing_that_fails_leaves_the_token_and_its_changes_come_again(
    cursors: SqlSourceCursors, drive: DriveState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "sleep", lambda _: None)
    Run(cursors, drive.full_listing(token="t1"))
    added = drive.put(stored_file("1Lecture2xxxxxxx", "Lecture 2.pdf", b"%PDF two"), WEEK_1)
    busy = error(503, "backendError", "Backend Error")
    service, _ = drive_service([changes_page([changed(added)], next_token="p2"), *[busy] * 6])

    with pytest.raises(SourceUnavailable):
        DriveSource(ROOT_ID, service, cursors=cursors, course_id="cs101").list_files()

    assert (saved := cursors.get("cs101")) is not None and saved.cursor == "t1"
    run = Run(cursors, [changes_page([changed(added)], new_token="t2")])
    assert "Week 1/Lecture 2.pdf" in {f.name for f in run.files}


def test_a_refresh_that_fails_after_listing_loses_nothing(
    catalog: SqlCatalog, cursors: SqlSourceCursors, drive: DriveState
) -> None:
    # The token moves on with each listing, but the listing is whole and the plan diffs it
    # against what is indexed: files a failed refresh never indexed are planned again.
    course = catalog.get_course("cs101")
    assert course is not None
    service, _ = drive_service(drive.full_listing(token="t1"))
    source = DriveSource(ROOT_ID, service, cursors=cursors, course_id="cs101")
    planned = plan_refresh(course, source, catalog)  # its items then fail: none is indexed

    service, http = drive_service([changes_page([], new_token="t2")])
    source = DriveSource(ROOT_ID, service, cursors=cursors, course_id="cs101")
    replanned = plan_refresh(course, source, catalog)

    assert len(http.request_sequence) == 1
    assert [(f.action, f.source_id) for f in replanned.files] == [
        (f.action, f.source_id) for f in planned.files
    ]
    assert [f.action for f in replanned.files] == ["new"] * 3


def test_a_token_kept_for_another_folder_is_not_used(
    cursors: SqlSourceCursors, drive: DriveState
) -> None:
    cursors.put(SourceCursor("cs101", "gdrive", "1AnotherFolderxxx", "t0", {}))

    run = Run(cursors, drive.full_listing(token="t1"))

    assert run.source.last_listing is not None and run.source.last_listing.how == "full"
    assert (saved := cursors.get("cs101")) is not None and saved.folder_id == ROOT_ID


def test_a_stored_tree_that_cannot_be_read_falls_back_to_a_full_listing(
    cursors: SqlSourceCursors, drive: DriveState
) -> None:
    cursors.put(SourceCursor("cs101", "gdrive", ROOT_ID, "t0", {"folders": []}))

    run = Run(cursors, drive.full_listing(token="t1"))

    assert run.source.last_listing is not None and "unreadable" in str(
        run.source.last_listing.reason
    )
    assert run.files == full_listing(drive)
