"""What a backup archive says about itself: versions, counts, and a checksum per file.

The manifest is the archive's last member, written once every other member's checksum is
known. A restore reads it first and checks every other member against it before writing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from importlib import metadata
from pathlib import PurePosixPath
from typing import IO

from pydantic import BaseModel, Field

from byosc.errors import ByoscError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
# Top-level folders of an archive: anything else in one is refused.
SECTIONS = ("db", "index", "adapters", "uploads", "originals")
_READ_SIZE = 1 << 20


class BackupRefused(ByoscError):
    """A backup or restore that would not be faithful; the message says why."""


class FileEntry(BaseModel):
    sha256: str
    size: int


class DatabasePart(BaseModel):
    dialect: str = Field(description="The dialect the rows were read from: sqlite, postgresql.")
    tables: dict[str, int] = Field(description="Rows per table.")


class IndexPart(BaseModel):
    kind: str = Field(description="The index the points were read from: edge or qdrant.")
    dimension: int
    points: int
    per_course: dict[str, int]
    left_out: int = Field(
        default=0,
        description="Points of documents the metadata DB snapshot does not hold (written "
        "after it, or left by an interrupted ingest): not archived.",
    )


class ArtifactsPart(BaseModel):
    store: str = Field(description="local or s3.")
    root_uri: str | None = Field(
        default=None, description="The local store's root when the backup was taken."
    )
    adapters: list[str] = Field(default_factory=list, description="Adapters whose files are in.")
    missing: list[str] = Field(
        default_factory=list, description="Adapters whose files were gone: records only."
    )
    note: str | None = None


class Manifest(BaseModel):
    format: int = FORMAT_VERSION
    byosc_version: str
    schema_revision: str
    created_at: datetime
    database: DatabasePart
    index: IndexPart
    artifacts: ArtifactsPart
    files: dict[str, FileEntry]


def byosc_version() -> str:
    try:
        return metadata.version("byosc")
    except metadata.PackageNotFoundError:
        return "unknown"


def check_member_name(name: str) -> PurePosixPath:
    """A member path that stays inside its section: refused otherwise, before any write."""
    path = PurePosixPath(name)
    parts = path.parts
    bad = not parts or path.is_absolute() or any(p in {"", ".", ".."} for p in parts)
    if bad or (name != MANIFEST_NAME and (len(parts) < 2 or parts[0] not in SECTIONS)):
        raise BackupRefused(f"the archive holds {name!r}, which a backup never holds")
    return path


class Hashing:
    """Reads through a binary file while counting its bytes and hashing them."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def drain(self) -> FileEntry:
        while self.read(_READ_SIZE):
            pass
        return self.entry()

    def entry(self) -> FileEntry:
        return FileEntry(sha256=self.digest.hexdigest(), size=self.size)
