"""Uploaded files saved into the course's upload folder, which refresh then syncs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import BinaryIO

from byosc.domain import FileError
from byosc.settings import Settings


def save_uploads(
    settings: Settings, course_id: str, uploads: Iterable[tuple[str, BinaryIO]]
) -> tuple[list[str], list[FileError]]:
    """Saves each file under its own base name; (saved names, refused files with reasons)."""
    from byosc.sources import upload_dir

    folder = upload_dir(settings, course_id)
    folder.mkdir(parents=True, exist_ok=True)
    limit = settings.max_upload_bytes
    saved: list[str] = []
    refused: list[FileError] = []
    for raw_name, stream in uploads:
        name = PurePosixPath(raw_name.replace("\\", "/")).name.strip()
        if not name or name.startswith("."):
            refused.append(FileError(filename=raw_name, reason="not a usable file name"))
            continue
        data = stream.read(limit + 1)
        if len(data) > limit:
            refused.append(FileError(filename=name, reason=f"larger than {limit / 1e6:g} MB"))
            continue
        # Written whole, then renamed: a refresh never lists a half-written file.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, folder / name)
        saved.append(name)
    return saved, refused
