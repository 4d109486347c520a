"""Uploaded files saved into the course's upload folder, which refresh then syncs.

A file is stored under its base name: uploading that name again is a new version of the
same document. Two different files of one upload with one base name are a clash, and the
later one is refused rather than silently replacing the first. Names longer than a file
system takes are shortened, keeping the extension, with a tag from the full name so they
stay unique and the same long name maps to the same file again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from byosc.disk_room import ensure_room
from byosc.domain import FileError, refused_file_id
from byosc.errors import BadFile, Conflict, NotFound
from byosc.extract import check_content
from byosc.ports import Catalog
from byosc.settings import Settings

# Most file systems take 255 bytes in a name; this leaves room and stays readable.
MAX_NAME_BYTES = 200
# A longer "extension" is part of the name, not a file type, and is shortened with it.
_MAX_SUFFIX_BYTES = 16
_TAG_CHARS = 12
UNUSABLE_NAME = "not a usable file name"


@dataclass
class SavedUploads:
    saved: list[str] = field(default_factory=list)
    refused: list[FileError] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)


def accept_uploads(
    catalog: Catalog,
    settings: Settings,
    course_id: str,
    uploads: Iterable[tuple[str, BinaryIO]],
) -> SavedUploads:
    """Saves the files of an upload course. A file saved again is processed again, even
    with the bytes a refresh refused before: uploading is asking for it."""
    course = catalog.get_course(course_id)
    if course is None:
        raise NotFound(f"course {course_id} does not exist")
    if course.source.kind != "upload":
        raise Conflict(f"course {course_id} syncs from its {course.source.kind} source")
    result = save_uploads(settings, course_id, uploads)
    for name in result.saved:
        catalog.delete_refused(course_id, refused_file_id(course_id, name))
    return result


def save_uploads(
    settings: Settings, course_id: str, uploads: Iterable[tuple[str, BinaryIO]]
) -> SavedUploads:
    """Saves each usable file under its base name; the rest are refused with a reason."""
    from byosc.sources import upload_dir

    folder = upload_dir(settings, course_id)
    folder.mkdir(parents=True, exist_ok=True)
    limit = settings.max_upload_bytes
    result = SavedUploads()
    digests: dict[str, str] = {}  # name -> content digest, within this upload
    for raw_name, stream in uploads:
        name = stored_name(raw_name)
        if name is None:
            result.refused.append(FileError(filename=raw_name, reason=UNUSABLE_NAME))
            continue
        data = stream.read(limit + 1)
        if len(data) > limit:
            reason = f"larger than {limit / 1e6:g} MB"
            result.refused.append(FileError(filename=name, reason=reason))
            continue
        try:
            check_content(data, name)
        except BadFile as exc:
            result.refused.append(FileError(filename=raw_name, reason=exc.reason))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if name in digests:
            if digests[name] != digest:
                reason = f"another file of this upload is also named {name}; rename one"
                result.refused.append(FileError(filename=raw_name, reason=reason))
            continue
        digests[name] = digest
        ensure_room(folder, len(data))  # the whole upload fails: 507 with the reason
        if _write_atomically(folder, name, data):
            result.replaced.append(name)
        result.saved.append(name)
        if name != PurePosixPath(raw_name.replace("\\", "/")).name:
            result.renamed[raw_name] = name
    return result


def stored_name(raw_name: str) -> str | None:
    """The base name to store a file under, shortened to fit; None when none is usable."""
    name = PurePosixPath(raw_name.replace("\\", "/")).name.strip()
    if not name or name.startswith(".") or any(ord(ch) < 32 or ch == "\x7f" for ch in name):
        return None
    try:
        encoded = name.encode()
    except UnicodeEncodeError:
        return None
    return name if len(encoded) <= MAX_NAME_BYTES else _shortened(name, encoded)


def _shortened(name: str, encoded: bytes) -> str:
    suffix = PurePosixPath(name).suffix
    if len(suffix.encode()) > _MAX_SUFFIX_BYTES:
        suffix = ""
    stem = name.removesuffix(suffix) if suffix else name
    tag = "-" + hashlib.sha256(encoded).hexdigest()[:_TAG_CHARS]
    room = MAX_NAME_BYTES - len(tag) - len(suffix.encode())
    # Cut on bytes, then drop a character the cut split in two.
    kept = stem.encode()[:room].decode(errors="ignore").rstrip()
    return f"{kept}{tag}{suffix}"


def _write_atomically(folder: Path, name: str, data: bytes) -> bool:
    """Written whole, then renamed: a refresh never lists a half-written file. True when
    it replaced different content under the same name."""
    target = folder / name
    replaced = target.is_file() and (
        target.stat().st_size != len(data) or target.read_bytes() != data
    )
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return replaced


def remove_upload(settings: Settings, course_id: str, source_id: str) -> bool:
    """Deletes an uploaded file by its source ID (its path in the upload folder). False
    when there is none, or the ID does not name a file the upload folder would list."""
    from byosc.sources import upload_dir

    rel = PurePosixPath(source_id)
    if rel.is_absolute() or any(part.startswith(".") for part in rel.parts):
        return False
    path = upload_dir(settings, course_id) / rel
    if not path.is_file():
        return False
    path.unlink()
    return True
