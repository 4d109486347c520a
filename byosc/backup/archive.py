"""The backup archive: a tar file (gzip when its name ends in .gz or .tgz) whose members are
hashed as they are written, and checked against the manifest before a restore writes.

A backup is written to a temporary name beside its destination and renamed when complete,
so a failed backup leaves no archive that looks whole.
"""

from __future__ import annotations

import io
import os
import tarfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from byosc.backup.manifest import (
    MANIFEST_NAME,
    BackupRefused,
    FileEntry,
    Hashing,
    Manifest,
    check_member_name,
)

# What a damaged archive raises while it is read: a bad tar header, a gzip stream cut or
# changed (CRC), a file cut short.
_DAMAGED = (tarfile.TarError, OSError, EOFError, zlib.error)


def _compressed(path: Path) -> bool:
    return path.name.endswith((".gz", ".tgz"))


class ArchiveWriter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.partial = out.with_name(f".{out.name}.partial")
        self.files: dict[str, FileEntry] = {}
        # Closed by commit or abort, which the caller always reaches.
        self._tar = tarfile.open(self.partial, "w:gz" if _compressed(out) else "w")  # noqa: SIM115

    def add_file(self, member: str, path: Path) -> bool:
        """Adds `path` as `member`; False when it was gone by the time it was read."""
        check_member_name(member)
        try:
            stream = path.open("rb")
        except FileNotFoundError:
            return False
        with stream:
            info = tarfile.TarInfo(member)
            # The open file's size: a file renamed over meanwhile is read as it was.
            info.size = os.fstat(stream.fileno()).st_size
            info.mtime = int(time.time())
            info.mode = 0o644
            hashing = Hashing(stream)
            self._tar.addfile(info, hashing)
        self.files[member] = hashing.entry()
        return True

    def add_manifest(self, manifest: Manifest) -> None:
        data = manifest.model_dump_json(indent=2).encode()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
        self._tar.addfile(info, io.BytesIO(data))

    def commit(self) -> Path:
        self._tar.close()
        self.partial.replace(self.out)
        return self.out

    def abort(self) -> None:
        self._tar.close()
        self.partial.unlink(missing_ok=True)


def verify_archive(archive: Path) -> Manifest:
    """The manifest, once every member matched its checksum; nothing is written."""
    found: dict[str, FileEntry] = {}
    manifest_data: bytes | None = None
    try:
        for name, stream in members(archive):
            if name == MANIFEST_NAME:
                manifest_data = stream.read()
            else:
                found[name] = Hashing(stream).drain()
    except _DAMAGED as exc:
        raise BackupRefused(f"{archive} is damaged or not a backup archive: {exc}") from exc
    if manifest_data is None:
        raise BackupRefused(f"{archive} has no {MANIFEST_NAME}: it is not a BYOSC backup")
    try:
        manifest = Manifest.model_validate_json(manifest_data)
    except ValidationError as exc:
        raise BackupRefused(f"{archive}: its {MANIFEST_NAME} is unreadable: {exc}") from exc
    for name, expected in manifest.files.items():
        actual = found.get(name)
        if actual is None:
            raise BackupRefused(f"{archive} lacks {name}, which its manifest lists")
        if actual != expected:
            raise BackupRefused(
                f"{archive}: {name} does not match its checksum (sha256 {actual.sha256}, "
                f"{actual.size} bytes; the manifest says {expected.sha256}, {expected.size} "
                "bytes): the archive is damaged, and nothing was restored"
            )
    extra = sorted(set(found) - set(manifest.files))
    if extra:
        raise BackupRefused(f"{archive} holds {extra[0]}, which its manifest does not list")
    return manifest


def members(archive: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """Each member's name and contents in archive order; anything but a plain file with a
    name a backup writes is refused before it is read."""
    with tarfile.open(archive, "r:*") as tar:
        last = None
        for member in tar:
            check_member_name(member.name)
            if not member.isfile():
                raise BackupRefused(f"{archive}: {member.name} is not a plain file")
            stream = tar.extractfile(member)
            assert stream is not None  # a plain file has contents
            yield member.name, stream
            last = member.name
        _read_to_the_end(tar, archive, last)


def _read_to_the_end(tar: tarfile.TarFile, archive: Path, last: str | None) -> None:
    """tarfile ends its listing quietly at a damaged header, and gzip checks its CRC only at
    the end of the stream: what follows the last member must be read, and be padding."""
    rest = tar.fileobj
    assert rest is not None
    while chunk := rest.read(1 << 20):
        if chunk.strip(b"\0"):
            after = f"after {last}" if last else "at its start"
            raise BackupRefused(f"{archive} is damaged: unreadable data {after}")
