"""Where course files come from (the Source port). Importing this package loads no Google code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from byosc.errors import SourceRefused

if TYPE_CHECKING:
    from byosc.domain import SourceSpec
    from byosc.ports import Source
    from byosc.settings import Settings
    from byosc.sources.cursors import SqlSourceCursors


def upload_dir(settings: Settings, course_id: str) -> Path:
    """The folder that keeps a course's uploaded files: data_path/uploads/<course_id>."""
    uploads = settings.data_path / "uploads"
    folder = uploads / course_id
    if course_id in {"", ".", ".."} or folder.parent != uploads or "\\" in course_id:
        raise SourceRefused(f"{course_id!r} is not a course ID")
    return folder


def open_source(
    spec: SourceSpec,
    settings: Settings,
    course_id: str | None = None,
    cursors: SqlSourceCursors | None = None,
) -> Source:
    """The source `spec` describes. Uploads need `course_id`: their folder is created here.
    A Drive source given `course_id` and `cursors` lists from the changes since its last
    listing."""
    if spec.kind == "local":
        from byosc.sources.local import LocalFolderSource

        if spec.path is None:
            raise ValueError("a local source needs path")
        return LocalFolderSource(
            spec.path, settings.sources.allowed_roots, max_bytes=settings.max_upload_bytes
        )
    if spec.kind == "gdrive":
        from byosc.sources.drive import DriveSource

        return DriveSource.from_settings(spec, settings, cursors=cursors, course_id=course_id)
    if course_id is None:
        raise ValueError("an upload source needs the course ID")
    return _upload_source(settings, course_id)


def _upload_source(settings: Settings, course_id: str) -> Source:
    from byosc.sources.local import LocalFolderSource

    folder = upload_dir(settings, course_id)
    folder.mkdir(parents=True, exist_ok=True)
    # The uploads folder is the platform's own, so it is its own allowed root.
    return LocalFolderSource(folder, [folder], max_bytes=settings.max_upload_bytes)
