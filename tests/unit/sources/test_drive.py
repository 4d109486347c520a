"""DriveSource over googleapiclient's HttpMockSequence with Drive v3 responses."""

from __future__ import annotations

import time

import pytest

from byosc.domain import SourceFile
from byosc.errors import BadFile, NotFound, SourceRefused, SourceUnavailable
from byosc.sources.drive import DriveSource
from tests.support.drive import (
    FORM,
    PDF,
    ROOT_ID,
    SLIDES,
    Response,
    drive_service,
    error,
    folder,
    media,
    media_part,
    native_file,
    not_found,
    ok,
    page,
    path,
    query,
    shortcut,
    stored_file,
)

LECTURE = b"%PDF-1.7 lecture one"
HANDOUT = b"%PDF-1.7 handout"
ROOT = ok(folder(ROOT_ID, "CS101"))


def _source(responses: list[Response], **kwargs: int) -> tuple[DriveSource, list[tuple]]:
    service, http = drive_service(responses)
    return DriveSource(ROOT_ID, service, **kwargs), http.request_sequence


def _tree_responses() -> list[Response]:
    """Root: a nested folder and two pages of files; the folder holds one lecture PDF."""
    return [
        ROOT,
        page(
            [
                folder("1WeekOneFolderxx", "Week 1"),
                stored_file("1Handoutxxxxxxx", "b.pdf", HANDOUT),
            ],
            next_token="page-2",
        ),
        page([native_file("1SlidesIntroxxxxx", "Intro")]),
        page([stored_file("1LectureOnexxxxx", "Lecture 1.pdf", LECTURE)]),
    ]


def test_the_folder_tree_is_listed_page_by_page_with_paths_as_names() -> None:
    source, requests = _source(_tree_responses())

    files = source.list_files()

    assert [f.name for f in files] == ["Intro.pdf", "Week 1/Lecture 1.pdf", "b.pdf"]
    assert [f.source_id for f in files] == [
        "1SlidesIntroxxxxx",
        "1LectureOnexxxxx",
        "1Handoutxxxxxxx",
    ]
    assert path(requests[0][0]) == f"/drive/v3/files/{ROOT_ID}"
    first, second, nested = (query(r[0]) for r in requests[1:])
    assert first["q"] == f"'{ROOT_ID}' in parents and trashed=false"
    assert first["fields"].startswith("nextPageToken, files(id, name, mimeType, md5Checksum")
    assert first["supportsAllDrives"] == first["includeItemsFromAllDrives"] == "true"
    assert first["pageSize"] == "1000"
    assert "pageToken" not in first
    assert second["pageToken"] == "page-2"
    assert nested["q"] == "'1WeekOneFolderxx' in parents and trashed=false"


def test_stored_files_carry_drive_md5_size_and_modified_time() -> None:
    source, _ = _source(_tree_responses())

    lecture = next(f for f in source.list_files() if f.source_id == "1LectureOnexxxxx")

    assert lecture.checksum == stored_file("x", "x", LECTURE)["md5Checksum"]
    assert lecture.size == len(LECTURE)
    assert lecture.mime_type == PDF
    assert lecture.modified is not None and lecture.modified.tzinfo is not None


def test_google_slides_are_listed_as_pdf_and_an_edit_changes_their_checksum() -> None:
    before = native_file("1SlidesIntroxxxxx", "Intro", version=4)
    after = native_file("1SlidesIntroxxxxx", "Intro", version=5)
    source, _ = _source([ROOT, page([before]), ROOT, page([after])])

    (first,) = source.list_files()
    (second,) = source.list_files()

    assert first.name == "Intro.pdf" and first.mime_type == PDF and first.size is None
    assert first.checksum and second.checksum and first.checksum != second.checksum
    assert first.source_id == second.source_id


def test_google_slides_are_read_through_a_pdf_export() -> None:
    slides = native_file("1SlidesIntroxxxxx", "Intro")
    source, requests = _source([ROOT, page([slides]), media(b"%PDF-1.4 exported")])

    (file,) = source.list_files()

    assert source.read(file) == b"%PDF-1.4 exported"
    assert path(requests[-1][0]) == "/drive/v3/files/1SlidesIntroxxxxx/export"
    assert query(requests[-1][0])["mimeType"] == PDF


def test_a_binary_pdf_is_downloaded_in_chunks() -> None:
    lecture = stored_file("1LectureOnexxxxx", "Lecture 1.pdf", LECTURE)
    responses = [ROOT, page([lecture]), media_part(LECTURE[:10], 0, len(LECTURE))]
    responses.append(media_part(LECTURE[10:], 10, len(LECTURE)))
    source, requests = _source(responses, chunk_size=10)

    (file,) = source.list_files()

    assert source.read(file) == LECTURE
    assert query(requests[-1][0])["alt"] == "media"
    assert [r[3]["range"] for r in requests[-2:]] == ["bytes=0-9", "bytes=10-19"]


def test_a_trashed_file_is_absent_from_the_next_listing() -> None:
    lecture = stored_file("1LectureOnexxxxx", "Lecture 1.pdf", LECTURE)
    handout = stored_file("1Handoutxxxxxxx", "b.pdf", HANDOUT)
    source, requests = _source([ROOT, page([lecture, handout]), ROOT, page([lecture])])

    assert len(source.list_files()) == 2
    assert [f.source_id for f in source.list_files()] == ["1LectureOnexxxxx"]
    assert "trashed=false" in query(requests[-1][0])["q"]


def test_a_file_listed_elsewhere_is_read_after_asking_drive_for_its_type() -> None:
    source, requests = _source([ok({"mimeType": SLIDES}), media(b"%PDF exported")])
    file = SourceFile(source_id="1SlidesIntroxxxxx", name="Intro.pdf")

    assert source.read(file) == b"%PDF exported"
    assert query(requests[0][0])["fields"] == "mimeType"
    assert path(requests[1][0]).endswith("/export")


def test_shortcuts_stand_for_their_targets_and_broken_ones_are_skipped() -> None:
    target = stored_file("1Targetxxxxxxxxx", "original.pdf", LECTURE)
    responses = [
        ROOT,
        page(
            [
                shortcut("1Shortcutxxxxxxx", "Reading.pdf", "1Targetxxxxxxxxx", PDF),
                shortcut("1Brokenxxxxxxxxx", "Gone.pdf", "1Missingxxxxxxxx", PDF),
            ]
        ),
        ok(target),
        not_found("1Missingxxxxxxxx"),
    ]
    source, _ = _source(responses)

    (file,) = source.list_files()

    assert (file.name, file.source_id, file.checksum) == (
        "Reading.pdf",
        "1Targetxxxxxxxxx",
        target["md5Checksum"],
    )


def test_google_files_that_cannot_become_pdf_are_skipped() -> None:
    source, _ = _source([ROOT, page([native_file("1Formxxxxxxxxxxx", "Survey", mime=FORM)])])

    assert source.list_files() == []


def test_a_file_over_the_limit_is_listed_with_its_size_and_not_downloaded_whole() -> None:
    big = b"%PDF" + b"x" * 60
    responses = [ROOT, page([stored_file("1Bigxxxxxxxxxxxx", "big.pdf", big)])]
    responses.append(media_part(big[:40], 0, len(big)))
    source, _ = _source(responses, max_bytes=32, chunk_size=40)

    (file,) = source.list_files()

    assert file.size == len(big)
    with pytest.raises(BadFile, match="limit of 32 bytes"):
        source.read(file)


def test_a_missing_folder_is_not_found() -> None:
    source, _ = _source([not_found(ROOT_ID)])

    with pytest.raises(NotFound, match=ROOT_ID):
        source.list_files()


def test_a_file_id_that_is_not_a_folder_is_refused() -> None:
    source, _ = _source([ok(stored_file(ROOT_ID, "notes.pdf", LECTURE))])

    with pytest.raises(SourceRefused, match="not a folder"):
        source.list_files()


def test_a_folder_not_shared_with_the_service_account_is_refused() -> None:
    source, _ = _source([error(403, "insufficientFilePermissions", "No access.")])

    with pytest.raises(SourceRefused, match="refused access"):
        source.list_files()


def test_transient_errors_are_retried_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    busy = error(503, "backendError", "Backend Error")
    limited = error(429, "rateLimitExceeded", "Rate Limit Exceeded")
    source, _ = _source([busy, ROOT, limited, page([])])

    assert source.list_files() == []
    assert len(sleeps) == 2


def test_a_drive_that_stays_busy_is_reported_as_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(time, "sleep", lambda _: None)
    busy = error(503, "backendError", "Backend Error")
    source, _ = _source([busy, busy, busy], num_retries=2)

    with pytest.raises(SourceUnavailable):
        source.list_files()


def test_an_export_over_googles_limit_is_a_bad_file() -> None:
    too_big = error(403, "exportSizeLimitExceeded", "This file is too large to be exported.")
    source, _ = _source([ROOT, page([native_file("1Hugexxxxxxxxxxx", "Huge")]), too_big])

    (file,) = source.list_files()

    with pytest.raises(BadFile, match=r"Huge\.pdf: too large"):
        source.read(file)


def test_a_folder_id_that_could_alter_the_query_is_refused() -> None:
    service, _ = drive_service([])

    with pytest.raises(SourceRefused, match="not a Drive folder ID"):
        DriveSource("x' or name contains 'a", service)
