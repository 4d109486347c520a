"""Uploads land in the course's upload folder, one file per base name, within the size limit."""

from __future__ import annotations

import io
from pathlib import Path

from byosc.settings import Settings
from byosc.sources import upload_dir
from byosc.uploads import save_uploads


def test_uploads_are_saved_under_their_base_name_and_oversized_ones_refused(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, max_upload_bytes=10)
    saved, refused = save_uploads(
        settings,
        "cs1",
        [
            ("../../etc/notes.md", io.BytesIO(b"# Notes\n")),
            ("big.pdf", io.BytesIO(b"x" * 11)),
            (".hidden", io.BytesIO(b"secret")),
        ],
    )
    folder = upload_dir(settings, "cs1")
    assert saved == ["notes.md"]
    assert (folder / "notes.md").read_bytes() == b"# Notes\n"
    assert [(e.filename, e.reason) for e in refused] == [
        ("big.pdf", "larger than 1e-05 MB"),
        (".hidden", "not a usable file name"),
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["notes.md"]


def test_uploading_a_file_again_replaces_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    save_uploads(settings, "cs1", [("a.md", io.BytesIO(b"old"))])
    save_uploads(settings, "cs1", [("a.md", io.BytesIO(b"new"))])
    assert (upload_dir(settings, "cs1") / "a.md").read_bytes() == b"new"
