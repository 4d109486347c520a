"""The files of a stack in a backup: uploads, kept originals and adapter directories.

Uploads and originals are written to a temporary dot-name and renamed, so the listing here
never sees half a file; dot-names are left out. Adapter directories never change once
stored; only those of adapters the metadata DB snapshot records are archived, so the
archive holds no files without a record.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import unquote, urlparse

from byosc.backup.manifest import ArtifactsPart, BackupRefused
from byosc.settings import Settings

FILE_SECTIONS = ("uploads", "originals")
ADAPTERS = "adapters"
S3_NOTE = (
    "adapters are kept in the S3 bucket (training.artifact_store=s3), which a backup does "
    "not copy: their records keep their s3:// URIs; back the bucket up with its own tools"
)


def artifacts_root(settings: Settings) -> Path:
    return settings.training.artifacts_path(settings.data_path).expanduser().resolve()


def stack_files(settings: Settings) -> Iterator[tuple[str, Path]]:
    """(member, path) of every upload and kept original."""
    for section in FILE_SECTIONS:
        yield from _files_under(settings.data_path / section, section)


def adapter_files(
    settings: Settings, adapter_uris: dict[str, str]
) -> tuple[ArtifactsPart, list[tuple[str, Path]]]:
    if settings.training.artifact_store != "local":
        return ArtifactsPart(store=settings.training.artifact_store, note=S3_NOTE), []
    root = artifacts_root(settings)
    part = ArtifactsPart(store="local", root_uri=root.as_uri())
    files: list[tuple[str, Path]] = []
    for name, uri in sorted(adapter_uris.items()):
        parsed = urlparse(uri)
        folder = Path(unquote(parsed.path))
        inside = parsed.scheme == "file" and folder.is_relative_to(root) and folder != root
        if not inside or not folder.is_dir():
            part.missing.append(name)
            continue
        prefix = f"{ADAPTERS}/{folder.relative_to(root).as_posix()}"
        files += _files_under(folder, prefix)
        part.adapters.append(name)
    return part, files


def _files_under(root: Path, prefix: str) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            found.append((f"{prefix}/{rel.as_posix()}", path))
    return found


def destination(settings: Settings, member: str) -> Path:
    """Where a restored member goes: under the data directory or the artifact store."""
    section, *rest = PurePosixPath(member).parts
    if section == ADAPTERS:
        return artifacts_root(settings).joinpath(*rest)
    if section in FILE_SECTIONS:
        return settings.data_path.joinpath(section, *rest)
    raise BackupRefused(f"{member} is not a file of the data directory")


def write_file(dest: Path, stream: IO[bytes]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("xb") as out:  # a file already there was not cleared: never overwritten
        shutil.copyfileobj(stream, out, 1 << 20)


def files_present(settings: Settings) -> dict[str, int]:
    """Files per place a restore writes to, for the places that hold any."""
    places = {str(settings.data_path / s): settings.data_path / s for s in FILE_SECTIONS}
    if settings.training.artifact_store == "local":
        places[str(artifacts_root(settings))] = artifacts_root(settings)
    counts = {name: _count_files(path) for name, path in places.items()}
    return {name: n for name, n in counts.items() if n}


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0


def clear_files(settings: Settings) -> None:
    for section in FILE_SECTIONS:
        shutil.rmtree(settings.data_path / section, ignore_errors=True)
    if settings.training.artifact_store == "local":
        shutil.rmtree(artifacts_root(settings), ignore_errors=True)
