"""LocalFolderSource: the Source port over a folder on this machine.

The folder must lie under one of the configured allowed roots, so a course admin cannot
point the platform at /etc or another course's data. Inside it, hidden entries are
skipped and symlinks are followed only while they stay inside the folder.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from byosc.domain import SourceFile
from byosc.errors import BadFile, NotFound, SourceRefused

_BLOCK = 1024 * 1024


class LocalFolderSource:
    """Files under `path`, listed recursively; `source_id` is the POSIX path inside it.

    `checksum` is the sha256 of the content, the same digest as `domain.content_hash`.
    `max_bytes`, when set, makes `read` refuse larger files instead of loading them.
    """

    def __init__(
        self, path: Path | str, allowed_roots: Sequence[Path], *, max_bytes: int | None = None
    ) -> None:
        self.root = _checked_root(Path(path), allowed_roots)
        self.max_bytes = max_bytes

    def list_files(self) -> list[SourceFile]:
        # A vanished folder must not look empty: a sync would delete every document.
        if not self.root.is_dir():
            raise NotFound(f"source folder not found: {self.root}")
        files = [_describe(p, rel) for p, rel in _walk(self.root, self.root, set())]
        return sorted((f for f in files if f is not None), key=lambda f: f.source_id)

    def read(self, file: SourceFile) -> bytes:
        path = self._resolve(file.source_id)
        size = path.stat().st_size
        if self.max_bytes is not None and size > self.max_bytes:
            raise BadFile(file.name, f"{size} bytes is over the limit of {self.max_bytes}")
        try:
            return path.read_bytes()
        except PermissionError as e:
            raise BadFile(file.name, "permission denied") from e

    def _resolve(self, source_id: str) -> Path:
        """The real path of a listed file; anything `list_files` would not list is refused."""
        rel = PurePosixPath(source_id)
        if rel.is_absolute() or any(part.startswith(".") for part in rel.parts):
            raise SourceRefused(f"{source_id!r} is not a file of this source")
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            raise SourceRefused(f"{source_id!r} leads outside the source folder")
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise NotFound(f"{source_id} is no longer in {self.root}") from None
        if not stat.S_ISREG(mode):
            raise SourceRefused(f"{source_id!r} is not a regular file")
        return path


def _checked_root(path: Path, allowed_roots: Sequence[Path]) -> Path:
    """The resolved folder, refused before its existence is checked so nothing leaks."""
    roots = [Path(r).expanduser().resolve() for r in allowed_roots]
    if not roots:
        raise SourceRefused(
            "local folder sources are disabled: set BYOSC_SOURCES__ALLOWED_ROOTS "
            "(sources.allowed_roots) to the folders they may use"
        )
    root = path.expanduser().resolve()
    if not any(root.is_relative_to(allowed) for allowed in roots):
        allowed_list = ", ".join(str(r) for r in roots)
        raise SourceRefused(f"{path} is not under an allowed root ({allowed_list})")
    if not root.exists():
        raise NotFound(f"source folder not found: {root}")
    if not root.is_dir():
        raise SourceRefused(f"{root} is not a folder")
    return root


def _walk(root: Path, folder: Path, seen: set[Path]) -> Iterator[tuple[Path, str]]:
    """(real path, POSIX path relative to root) of each visible regular file, depth first."""
    seen.add(folder.resolve())
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except (FileNotFoundError, PermissionError):
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        real = Path(entry.path).resolve()
        if not real.is_relative_to(root):
            continue
        rel = Path(entry.path).relative_to(root).as_posix()
        if entry.is_dir() and real not in seen:
            yield from _walk(root, Path(entry.path), seen)
        elif entry.is_file():
            yield real, rel


def _describe(path: Path, rel: str) -> SourceFile | None:
    try:
        info = path.stat()
        checksum = _sha256(path)
    except FileNotFoundError:
        return None
    except PermissionError:
        # Listed without a checksum, so reading it reports the problem for this file only.
        return SourceFile(source_id=rel, name=rel)
    return SourceFile(
        source_id=rel,
        name=rel,
        checksum=checksum,
        modified=datetime.fromtimestamp(info.st_mtime, UTC),
        size=info.st_size,
        mime_type=mimetypes.guess_type(rel)[0],
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()
