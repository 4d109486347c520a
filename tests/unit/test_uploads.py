"""Uploads land in the course's upload folder under their base name, within the size limit:
names too long for the file system are shortened, two files of one upload never overwrite
each other, content no refresh could ingest is refused at once, and no temporary file
outlives a failed save."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from byosc.settings import Settings
from byosc.sources import upload_dir
from byosc.uploads import MAX_NAME_BYTES, remove_upload, save_uploads
from tests.support.pdfs import make_pdf


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_uploads_are_saved_under_their_base_name_and_oversized_ones_refused(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, max_upload_bytes=10)
    result = save_uploads(
        settings,
        "cs1",
        [
            ("../../etc/notes.md", io.BytesIO(b"# Notes\n")),
            ("big.pdf", io.BytesIO(b"x" * 11)),
            (".hidden", io.BytesIO(b"secret")),
        ],
    )
    folder = upload_dir(settings, "cs1")
    assert result.saved == ["notes.md"]
    assert (folder / "notes.md").read_bytes() == b"# Notes\n"
    assert [(e.filename, e.reason) for e in result.refused] == [
        ("big.pdf", "larger than 1e-05 MB"),
        (".hidden", "not a usable file name"),
    ]
    assert _files(folder) == ["notes.md"]


def test_uploading_a_file_again_replaces_it_and_says_so(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = save_uploads(settings, "cs1", [("a.md", io.BytesIO(b"old"))])
    second = save_uploads(settings, "cs1", [("a.md", io.BytesIO(b"new"))])
    same = save_uploads(settings, "cs1", [("a.md", io.BytesIO(b"new"))])
    assert (upload_dir(settings, "cs1") / "a.md").read_bytes() == b"new"
    assert (first.replaced, second.replaced, same.replaced) == ([], ["a.md"], [])


@pytest.mark.parametrize("length", [300, 1000])
def test_a_name_too_long_for_the_file_system_is_shortened_keeping_its_extension(
    tmp_path: Path, length: int
) -> None:
    settings = Settings(data_dir=tmp_path)
    long_name = "é" * (length - 3) + ".md"
    other = "é" * (length - 4) + "x.md"  # the same first MAX_NAME_BYTES bytes

    result = save_uploads(
        settings, "cs1", [(long_name, io.BytesIO(b"# One\n")), (other, io.BytesIO(b"# Two\n"))]
    )

    assert not result.refused
    first, second = result.saved
    assert first != second
    for name in (first, second):
        assert name.endswith(".md") and len(name.encode()) <= MAX_NAME_BYTES
    assert result.renamed == {long_name: first, other: second}
    folder = upload_dir(settings, "cs1")
    assert _files(folder) == sorted([first, second])
    assert (folder / first).read_bytes() == b"# One\n"
    # The same long name again is the same document: it replaces the shortened file.
    again = save_uploads(settings, "cs1", [(long_name, io.BytesIO(b"# One, v2\n"))])
    assert again.saved == [first] and again.replaced == [first]


def test_two_files_of_one_upload_with_one_base_name_do_not_overwrite_each_other(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    result = save_uploads(
        settings,
        "cs1",
        [
            ("../../../../tmp/a.md", io.BytesIO(b"# From tmp\n")),
            ("/etc/cron.d/a.md", io.BytesIO(b"# From cron.d\n")),
            ("week1/a.md", io.BytesIO(b"# From tmp\n")),
        ],
    )
    folder = upload_dir(settings, "cs1")
    assert result.saved == ["a.md"]
    assert (folder / "a.md").read_bytes() == b"# From tmp\n"
    # The identical copy is no clash; the different file is refused, not lost silently.
    assert [(e.filename, e.reason) for e in result.refused] == [
        ("/etc/cron.d/a.md", "another file of this upload is also named a.md; rename one"),
    ]


def test_content_no_refresh_could_ingest_is_refused_at_upload(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    result = save_uploads(
        settings,
        "cs1",
        [
            ("empty.md", io.BytesIO(b"")),
            ("blank.txt", io.BytesIO(b" \n\t\n")),
            ("notes.pdf", io.BytesIO(b"plain text pretending to be a PDF\n")),
            ("photo.docx", io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(64))),
            ("slides.pdf", io.BytesIO(make_pdf(["Paging splits memory into pages."]))),
        ],
    )
    assert result.saved == ["slides.pdf"]
    assert [(e.filename, e.reason) for e in result.refused] == [
        ("empty.md", "empty file"),
        ("blank.txt", "empty file"),
        ("notes.pdf", "not a PDF (content looks like plain text)"),
        ("photo.docx", "unsupported file type: the content is a PNG image"),
    ]
    assert _files(upload_dir(settings, "cs1")) == ["slides.pdf"]


@pytest.mark.parametrize("name", ["a\x00b.md", "line\nbreak.md", "bad\udcffname.md"])
def test_names_the_file_system_cannot_take_are_refused(tmp_path: Path, name: str) -> None:
    settings = Settings(data_dir=tmp_path)
    result = save_uploads(settings, "cs1", [(name, io.BytesIO(b"# Notes\n"))])
    assert not result.saved
    assert [e.reason for e in result.refused] == ["not a usable file name"]


def test_a_failed_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    folder = upload_dir(settings, "cs1")
    (folder / "a.md" / "inside").mkdir(parents=True)  # a folder where the file should go

    with pytest.raises(OSError):
        save_uploads(settings, "cs1", [("a.md", io.BytesIO(b"# Notes\n"))])

    assert _files(folder) == ["a.md"]
    assert (folder / "a.md").is_dir()


def test_removing_an_upload_deletes_only_that_file_and_refuses_paths_outside(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    save_uploads(settings, "cs1", [("a.md", io.BytesIO(b"# A\n")), ("b.md", io.BytesIO(b"# B\n"))])
    outside = tmp_path / "keep.md"
    outside.write_bytes(b"# Keep\n")

    assert remove_upload(settings, "cs1", "a.md") is True
    assert remove_upload(settings, "cs1", "a.md") is False
    for escape in ("../../keep.md", str(outside), ".hidden"):
        assert remove_upload(settings, "cs1", escape) is False
    assert _files(upload_dir(settings, "cs1")) == ["b.md"]
    assert outside.exists()
