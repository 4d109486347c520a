"""Drive API calls per refresh listing of a 500-file course folder, before and after the
changes API: every run listing the whole tree (before) against runs that read the change
log since the course's stored start token (after), with 3 changes (one file added, one
Google Slides deck edited, one PDF trashed) between the runs.

Drive counts quota in requests, so calls per run are the quota per run. The tree is held in
memory and answered through googleapiclient's HttpMockSequence with the Drive v3 responses
the real API gives (`tests/support/drive_state.py`); no Google server is reached, so no
time is measured, only calls and the bytes of JSON they return. The cursor store is a real
SQLite database. Each listing after the changes is checked to equal a full listing of the
changed tree. Also counted: a token Drive refuses (full listing again), and 2000 changes
elsewhere in the service account's Drive landing in the same change log.

Run: .venv/bin/python bench/drive_quota.py  (writes bench/results/drive_quota.json)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: the fake Drive
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result

from byosc.catalog.sql import SqlCatalog
from byosc.domain import Course, SourceFile
from byosc.sources.cursors import SqlSourceCursors
from byosc.sources.drive import DriveSource
from tests.support.drive import (
    ROOT_ID,
    Response,
    changed,
    changes_page,
    drive_service,
    error,
    folder,
    native_file,
    stored_file,
)
from tests.support.drive_state import DriveState

# Subfolder -> number of files; with 20 files at the top, 500 in all.
SUBFOLDERS = {"Lectures": 150, "Slides": 150, "Recordings": 80, "Readings": 100}
TOP_FILES = 20
UNRELATED_CHANGES = 2000


def course_tree() -> DriveState:
    drive = DriveState()
    for n in range(TOP_FILES):
        drive.put(stored_file(f"1Top{n:012d}", f"notes-{n:02d}.pdf", f"%PDF top {n}".encode()))
    for name, count in SUBFOLDERS.items():
        folder_id = subfolder_id(name)
        drive.put(folder(folder_id, name), ROOT_ID)
        for n in range(count):
            file_id = f"1{name[:3]}{n:012d}"
            if name == "Slides":
                drive.put(native_file(file_id, f"Deck {n:03d}"), folder_id)
            else:
                drive.put(
                    stored_file(file_id, f"{name} {n:03d}.pdf", f"%PDF {name} {n}".encode()),
                    folder_id,
                )
    return drive


def subfolder_id(name: str) -> str:
    return f"1Folder{name:0>12}"


def three_changes(drive: DriveState) -> list[dict[str, Any]]:
    """One lecture added, one deck edited, one reading trashed: the change log's entries."""
    lecture = stored_file("1Lec999999999999", "Lectures 150.pdf", b"%PDF new")
    added = drive.put(lecture, subfolder_id("Lectures"))
    edited = drive.put(
        native_file("1Sli000000000007", "Deck 007", version=2), subfolder_id("Slides")
    )
    trashed = drive.trash("1Rea000000000042")
    return [changed(item) for item in (added, edited, trashed)]


class Counted:
    """One listing over `responses`: its files, calls and bytes of JSON returned."""

    def __init__(self, responses: list[Response], cursors: SqlSourceCursors | None) -> None:
        service, http = drive_service(list(responses))
        source = DriveSource(ROOT_ID, service, cursors=cursors, course_id="cs101")
        self.files: list[SourceFile] = source.list_files()
        assert http._iterable == [], "responses left over: the fake and the source disagree"
        self.calls = len(http.request_sequence)
        self.bytes = sum(len(body) for _, body in responses)
        self.how = source.last_listing.how if source.last_listing else "full"

    def figures(self) -> dict[str, Any]:
        return {"api_calls": self.calls, "response_bytes": self.bytes, "listing": self.how}


def main() -> None:
    drive = course_tree()
    with tempfile.TemporaryDirectory() as tmp:
        catalog = SqlCatalog(f"sqlite:///{Path(tmp) / 'catalog.db'}")
        catalog.create_course(Course(id="cs101", name="Course"))
        cursors = SqlSourceCursors(catalog.engine)
        before_first = Counted(drive.full_listing(), None)
        after_first = Counted(drive.full_listing(token="t1"), cursors)
        quiet = Counted([changes_page([], new_token="t1")], cursors)
        changes = three_changes(drive)
        full_now = Counted(drive.full_listing(), None)
        before = Counted(drive.full_listing(), None)
        after = Counted([changes_page(changes, new_token="t2")], cursors)
        refused = Counted(
            [error(410, "invalid", "Invalid Value"), *drive.full_listing("t3")], cursors
        )
        busy_log = Counted(_with_unrelated_changes(), cursors)
        saved = cursors.get("cs101")
        assert saved is not None
        state_bytes = len(json.dumps(saved.state))
        catalog.close()
    assert after.files == full_now.files == before.files == refused.files == busy_log.files
    files = len(before_first.files)
    write_result(
        "drive_quota",
        {
            "note": "calls counted against a fake Drive (HttpMockSequence); not timed",
            "tree": {"files": files, "subfolders": SUBFOLDERS, "top_files": TOP_FILES},
            "page_size": 1000,
            "changes_between_runs": 3,
            "before": {
                "first_run": before_first.figures(),
                "run_with_3_changes": before.figures(),
            },
            "after": {
                "first_run": after_first.figures(),
                "run_with_no_changes": quiet.figures(),
                "run_with_3_changes": after.figures(),
                "token_refused": refused.figures(),
                f"run_with_{UNRELATED_CHANGES}_changes_elsewhere": busy_log.figures(),
            },
            "listed_after_3_changes": len(after.files),
            "stored_tree_json_bytes": state_bytes,
        },
    )


def _with_unrelated_changes() -> list[Response]:
    """The service account's change log also carries other folders' changes, 1000 a page."""
    elsewhere = [
        changed({**stored_file(f"1Else{n:012d}", "x.pdf", b"x"), "parents": ["1OtherCourse"]})
        for n in range(UNRELATED_CHANGES)
    ]
    pages = [elsewhere[n : n + 1000] for n in range(0, len(elsewhere), 1000)]
    responses = [changes_page(p, next_token=f"p{n + 1}") for n, p in enumerate(pages)]
    return [*responses, changes_page([], new_token="t4")]


if __name__ == "__main__":
    main()
