"""DriveSource: the Source port over a Google Drive folder, through the Drive API v3.

The folder tree is listed recursively, page by page. Google Docs, Slides, Sheets and
Drawings have no bytes of their own, so they are exported to PDF; other files are
downloaded in chunks. Transient failures (429, 5xx, rate-limit 403s, dropped connections)
are retried by google-api-python-client with exponential backoff.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseDownload

from byosc.domain import SourceFile
from byosc.errors import BadFile, NotFound, SourceRefused, SourceUnavailable

if TYPE_CHECKING:
    from byosc.domain import SourceSpec
    from byosc.settings import Settings

SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
GOOGLE_APPS = "application/vnd.google-apps."
PDF = "application/pdf"
# Google-native types that export to PDF; forms, sites, maps and scripts cannot.
EXPORTED_TO_PDF = frozenset(
    GOOGLE_APPS + kind for kind in ("document", "presentation", "spreadsheet", "drawing")
)
FILE_FIELDS = (
    "id, name, mimeType, md5Checksum, size, modifiedTime, version, trashed, "
    "shortcutDetails(targetId, targetMimeType)"
)
LIST_FIELDS = f"nextPageToken, files({FILE_FIELDS})"
# Drive IDs are URL-safe base64; checking them keeps the listing query well-formed.
_DRIVE_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_RATE_LIMITS = {"rateLimitExceeded", "userRateLimitExceeded"}


class DriveSource:
    """Files under a Drive folder; `source_id` is the Drive file ID.

    `name` is the path inside the folder ("Week 1/Slides.pdf"). `checksum` is Drive's
    `md5Checksum` for stored files; Google-native files have none, so theirs is built from
    `modifiedTime` and `version`, which change on every edit. `size` is Drive's size for
    stored files (unknown before export for native ones), so callers can refuse large
    files before reading them; `read` also stops a download that passes `max_bytes`.
    """

    def __init__(
        self,
        folder_id: str,
        service: Any,
        *,
        max_bytes: int | None = None,
        num_retries: int = 5,
        page_size: int = 1000,
        chunk_size: int = 8 * 1024 * 1024,
    ) -> None:
        if not _DRIVE_ID.match(folder_id):
            raise SourceRefused(f"{folder_id!r} is not a Drive folder ID")
        self.folder_id = folder_id
        self.service = service
        self.max_bytes = max_bytes
        self.num_retries = num_retries
        self.page_size = page_size
        self.chunk_size = chunk_size
        self._exported: dict[str, bool] = {}

    @classmethod
    def from_settings(cls, spec: SourceSpec, settings: Settings) -> DriveSource:
        """A source for `spec.folder_id`, read with the service-account key in settings."""
        if not spec.folder_id:
            raise SourceRefused("a gdrive source needs folder_id")
        key = settings.sources.gdrive_credentials
        if key is None:
            raise SourceRefused(
                "Drive sources need a service-account key: set BYOSC_SOURCES__GDRIVE_CREDENTIALS "
                "(sources.gdrive_credentials) to its JSON key file"
            )
        service = drive_service(key.expanduser())
        return cls(spec.folder_id, service, max_bytes=settings.max_upload_bytes)

    def list_files(self) -> list[SourceFile]:
        self._check_folder()
        self._exported = {}
        files = [self._describe(path, item) for path, item in self._walk()]
        return sorted((f for f in files if f is not None), key=lambda f: (f.name, f.source_id))

    def read(self, file: SourceFile) -> bytes:
        files = self.service.files()
        if self._is_exported(file.source_id):
            request = files.export_media(fileId=file.source_id, mimeType=PDF)
        else:
            request = files.get_media(fileId=file.source_id, supportsAllDrives=True)
        with _drive_errors(f"file {file.name}", filename=file.name):
            return self._download(request, file.name)

    def _check_folder(self) -> None:
        folder = self._get(self.folder_id, "id, name, mimeType, trashed", "folder")
        if folder.get("trashed"):
            raise NotFound(f"Drive folder {self.folder_id} is in the trash")
        if folder.get("mimeType") != FOLDER:
            raise SourceRefused(f"Drive item {self.folder_id} is not a folder")

    def _walk(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(path, metadata) of every file in the tree, breadth first, each file once."""
        pending = [(self.folder_id, "")]
        seen_folders = {self.folder_id}
        seen_files: set[str] = set()
        while pending:
            folder_id, prefix = pending.pop(0)
            for child in self._children(folder_id):
                item = self._followed(child)
                if item is None:
                    continue
                path = prefix + item["name"].replace("/", "_")
                if item["mimeType"] == FOLDER:
                    if item["id"] not in seen_folders:
                        seen_folders.add(item["id"])
                        pending.append((item["id"], path + "/"))
                elif item["id"] not in seen_files:
                    seen_files.add(item["id"])
                    yield path, item

    def _children(self, folder_id: str) -> Iterator[dict[str, Any]]:
        query = f"'{folder_id}' in parents and trashed=false"
        token: str | None = None
        while True:
            request = self.service.files().list(
                q=query,
                fields=LIST_FIELDS,
                pageSize=self.page_size,
                pageToken=token,
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
            )
            with _drive_errors(f"folder {folder_id}"):
                page = request.execute(num_retries=self.num_retries)
            yield from page.get("files", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def _followed(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """A shortcut stands for its target, under the shortcut's name; broken ones vanish."""
        if item["mimeType"] != SHORTCUT:
            return item
        target_id = item.get("shortcutDetails", {}).get("targetId")
        if not target_id:
            return None
        try:
            target = self._get(target_id, FILE_FIELDS, "shortcut target")
        except (NotFound, SourceRefused):
            return None
        if target.get("trashed"):
            return None
        return {**target, "name": item["name"]}

    def _describe(self, path: str, item: dict[str, Any]) -> SourceFile | None:
        mime = item["mimeType"]
        exported = mime in EXPORTED_TO_PDF
        if mime.startswith(GOOGLE_APPS) and not exported:
            return None
        self._exported[item["id"]] = exported
        modified = item.get("modifiedTime")
        return SourceFile(
            source_id=item["id"],
            name=_pdf_name(path) if exported else path,
            checksum=_revision(item) if exported else item.get("md5Checksum") or _revision(item),
            modified=datetime.fromisoformat(modified) if modified else None,
            size=None if exported or "size" not in item else int(item["size"]),
            mime_type=PDF if exported else mime,
        )

    def _is_exported(self, file_id: str) -> bool:
        # A worker may read a file another process listed, so ask Drive when it is unknown.
        if file_id not in self._exported:
            mime = self._get(file_id, "mimeType", "file")["mimeType"]
            self._exported[file_id] = mime in EXPORTED_TO_PDF
        return self._exported[file_id]

    def _get(self, file_id: str, fields: str, what: str) -> dict[str, Any]:
        request = self.service.files().get(fileId=file_id, fields=fields, supportsAllDrives=True)
        with _drive_errors(f"{what} {file_id}"):
            result: dict[str, Any] = request.execute(num_retries=self.num_retries)
        return result

    def _download(self, request: Any, name: str) -> bytes:
        buffer = io.BytesIO()
        downloader = MediaIoBaseDownload(buffer, request, chunksize=self.chunk_size)
        done = False
        while not done:
            _, done = downloader.next_chunk(num_retries=self.num_retries)
            if self.max_bytes is not None and buffer.tell() > self.max_bytes:
                raise BadFile(name, f"larger than the limit of {self.max_bytes} bytes")
        return buffer.getvalue()


def drive_service(key_file: Path) -> Any:
    """A Drive v3 client authorised by a service-account key; builds offline."""
    from google.oauth2 import service_account
    from googleapiclient.discovery import build

    if not key_file.is_file():
        raise SourceRefused(
            f"Drive service-account key not found: {key_file} (sources.gdrive_credentials)"
        )
    try:
        credentials = service_account.Credentials.from_service_account_file(
            str(key_file), scopes=SCOPES
        )
    except (ValueError, KeyError) as e:
        raise SourceRefused(f"{key_file} is not a service-account JSON key: {e}") from e
    return build("drive", "v3", credentials=credentials, cache_discovery=False)


@contextmanager
def _drive_errors(what: str, filename: str | None = None) -> Iterator[None]:
    """Drive's failures as the platform's errors, so callers need no Google imports."""
    try:
        yield
    except HttpError as e:
        translated = _translated(e, what, filename or what)
        if translated is e:
            raise
        raise translated from e
    except RefreshError as e:
        raise SourceRefused(f"Google refused the service-account key: {e}") from e
    except (TransportError, httplib2.HttpLib2Error, OSError) as e:
        raise SourceUnavailable(f"Google Drive could not be reached for {what}: {e}") from e


def _translated(error: HttpError, what: str, filename: str) -> Exception:
    status = error.status_code
    reasons = _reasons(error)
    if status == 404:
        return NotFound(f"Drive {what} not found, or not shared with the service account")
    if "exportSizeLimitExceeded" in reasons:
        return BadFile(filename, "too large for Google to export as PDF")
    if status == 429 or status >= 500 or reasons & _RATE_LIMITS:
        return SourceUnavailable(f"Google Drive is busy ({status}) for {what}; try again later")
    if status in (401, 403):
        return SourceRefused(f"Google Drive refused access to {what}: {error.reason}")
    return error


def _reasons(error: HttpError) -> set[str]:
    details = error.error_details if isinstance(error.error_details, list) else []
    return {d.get("reason", "") for d in details if isinstance(d, dict)}


def _revision(item: dict[str, Any]) -> str:
    return f"rev:{item.get('modifiedTime', '')}:v{item.get('version', '')}"


def _pdf_name(path: str) -> str:
    return path if path.lower().endswith(".pdf") else path + ".pdf"
