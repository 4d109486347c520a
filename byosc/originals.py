"""The original file of each indexed document, kept so the API can serve it.

Files are stored by content at data_path/originals/<course_id>/<content_hash>: the path is
built from the catalog's content hash alone, never from a name a user gave, and documents
of one course with the same bytes share one file. A file is written under a temporary name
and renamed, so a write cut short leaves nothing under the final name.

Documents indexed before originals were kept have none; for an upload or local-folder
course the source's own file serves when its bytes still hash to the document's content,
and is kept from then on.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from byosc.disk_room import ensure_room
from byosc.domain import Course, Document, SourceFile, content_hash
from byosc.errors import ByoscError
from byosc.settings import Settings

log = logging.getLogger(__name__)

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = ".incoming-"
# Sources whose files sit on this machine's disk: cheap to read back for an old document.
_LOCAL_SOURCES = ("upload", "local")


def document_file_path(course_id: str, document_id: str) -> str:
    """The API path that serves a document's original file."""
    return f"/courses/{quote(course_id, safe='')}/documents/{quote(document_id, safe='')}/file"


class OriginalStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_settings(cls, settings: Settings) -> OriginalStore:
        return cls(settings.data_path / "originals")

    def folder(self, course_id: str) -> Path:
        folder = self.root / course_id
        if course_id in {"", ".", ".."} or folder.parent != self.root or "\\" in course_id:
            raise ValueError(f"{course_id!r} is not a course ID")
        return folder

    def path(self, course_id: str, digest: str) -> Path:
        if _SHA256_HEX.fullmatch(digest) is None:
            raise ValueError(f"{digest!r} is not a sha256 content hash")
        return self.folder(course_id) / digest

    def find(self, course_id: str, digest: str) -> Path | None:
        if _SHA256_HEX.fullmatch(digest) is None:  # nothing is stored under another name
            return None
        path = self.path(course_id, digest)
        return path if path.is_file() else None

    def keep(self, course_id: str, digest: str, data: bytes) -> Path:
        """Stores `data`, whose content hash is `digest`; bytes stored already stay as they are."""
        target = self.path(course_id, digest)
        if target.is_file() and target.stat().st_size == len(data):
            return target
        ensure_room(self.root, len(data))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=_TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return target

    def remove(self, course_id: str, digest: str) -> None:
        self.path(course_id, digest).unlink(missing_ok=True)

    def remove_course(self, course_id: str) -> None:
        shutil.rmtree(self.folder(course_id), ignore_errors=True)


def original_of(
    store: OriginalStore, settings: Settings, course: Course, document: Document
) -> Path | None:
    """The stored original of `document`, or for an older document of an upload or
    local-folder course its source file, kept now if it still has the indexed content."""
    if (path := store.find(course.id, document.content_hash)) is not None:
        return path
    if document.source_id is None or course.source.kind not in _LOCAL_SOURCES:
        return None
    from byosc.sources import open_source

    try:
        source = open_source(course.source, settings, course.id)
        data = source.read(SourceFile(source_id=document.source_id, name=document.filename))
    except (ByoscError, OSError) as exc:
        log.info("no original for %s in %s: %s", document.id, course.id, exc)
        return None
    if content_hash(data) != document.content_hash:
        return None
    return store.keep(course.id, document.content_hash, data)
