"""DriveSource: the Source port over a Google Drive folder, through the Drive API v3.

The folder tree is listed recursively, page by page. With a cursor store and a course, a
listing also keeps a start token of Drive's change log and the tree it found; the next one
asks only for the changes since (`drive_changes`), and lists everything again when there
is no token yet, Drive refuses it, or a folder of the tree changed. Either way it returns
the same files. Google Docs, Slides, Sheets and Drawings have no bytes of their own, so
they are exported to PDF; other files are downloaded in chunks. Transient failures (429,
5xx, rate-limit 403s, dropped connections) are retried by google-api-python-client with
exponential backoff and random jitter, a bounded number of times.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from googleapiclient.http import MediaIoBaseDownload

from byosc.domain import SourceFile
from byosc.errors import BadFile, NotFound, SourceRefused
from byosc.sources.cursors import SourceCursor
from byosc.sources.drive_changes import ChangeLog, FullListingNeeded, apply_changes
from byosc.sources.drive_errors import drive_errors
from byosc.sources.drive_tree import FILE_FIELDS, FOLDER, SHORTCUT, DriveTree, Entry, Item

if TYPE_CHECKING:
    from byosc.domain import SourceSpec
    from byosc.settings import Settings
    from byosc.sources.cursors import SqlSourceCursors

log = logging.getLogger(__name__)

SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
GOOGLE_APPS = "application/vnd.google-apps."
PDF = "application/pdf"
KIND = "gdrive"
# Google-native types that export to PDF; forms, sites, maps and scripts cannot.
EXPORTED_TO_PDF = frozenset(
    GOOGLE_APPS + kind for kind in ("document", "presentation", "spreadsheet", "drawing")
)
LIST_FIELDS = f"nextPageToken, files({FILE_FIELDS})"
ROOT_FIELDS = "id, name, mimeType, trashed, driveId"
# Drive IDs are URL-safe base64; checking them keeps the listing query well-formed.
_DRIVE_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


@dataclass(frozen=True)
class Listing:
    """How the last listing was made: `changes` (from the change log) or `full`."""

    how: str
    changes: int = 0
    reason: str | None = None


class DriveSource:
    """Files under a Drive folder; `source_id` is the Drive file ID.

    `name` is the path inside the folder ("Week 1/Slides.pdf"). `checksum` is Drive's
    `md5Checksum` for stored files; Google-native files have none, so theirs is built from
    `modifiedTime` and `version`, which change on every edit. `size` is Drive's size for
    stored files (unknown before export for native ones), so callers can refuse large
    files before reading them; `read` also stops a download that passes `max_bytes`.
    With `cursors` and `course_id`, listings follow Drive's change log (module docstring).
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
        cursors: SqlSourceCursors | None = None,
        course_id: str | None = None,
    ) -> None:
        if not _DRIVE_ID.match(folder_id):
            raise SourceRefused(f"{folder_id!r} is not a Drive folder ID")
        self.folder_id = folder_id
        self.service = service
        self.max_bytes = max_bytes
        self.num_retries = num_retries
        self.page_size = page_size
        self.chunk_size = chunk_size
        self.cursors = cursors
        self.course_id = course_id
        self.last_listing: Listing | None = None
        self._exported: dict[str, bool] = {}

    @classmethod
    def from_settings(
        cls,
        spec: SourceSpec,
        settings: Settings,
        *,
        cursors: SqlSourceCursors | None = None,
        course_id: str | None = None,
    ) -> DriveSource:
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
        return cls(
            spec.folder_id,
            service,
            max_bytes=settings.max_upload_bytes,
            cursors=cursors,
            course_id=course_id,
        )

    def list_files(self) -> list[SourceFile]:
        tree = self._tracked_tree() if self._tracking else self._full_tree(self._check_folder())
        self._exported = {}
        files = [self._describe(path, item) for path, item in tree.listed()]
        return sorted((f for f in files if f is not None), key=lambda f: (f.name, f.source_id))

    def read(self, file: SourceFile) -> bytes:
        files = self.service.files()
        if self._is_exported(file.source_id):
            request = files.export_media(fileId=file.source_id, mimeType=PDF)
        else:
            request = files.get_media(fileId=file.source_id, supportsAllDrives=True)
        with drive_errors(f"file {file.name}", filename=file.name):
            return self._download(request, file.name)

    @property
    def _tracking(self) -> bool:
        return self.cursors is not None and self.course_id is not None

    def _tracked_tree(self) -> DriveTree:
        """The tree now: the stored one updated from the change log when it can be, else a
        full listing. The new token and tree are stored only once all of it succeeded, so a
        listing that fails leaves the token where it was and its changes come again."""
        assert self.cursors is not None and self.course_id is not None
        saved = self.cursors.get(self.course_id)
        try:
            if saved is None or (saved.kind, saved.folder_id) != (KIND, self.folder_id):
                raise FullListingNeeded("no change token for this folder yet")
            tree = _stored_tree(saved.state)
            changes, token = self._change_log(tree.drive_id).since(saved.cursor)
            apply_changes(tree, changes, self._target)
            self.last_listing = Listing("changes", changes=len(changes))
        except FullListingNeeded as why:
            log.info("Drive folder %s listed in full: %s", self.folder_id, why)
            root = self._check_folder()
            # Taken before the listing: what changes during it comes again next time.
            token = self._change_log(root.get("driveId")).start_token()
            tree = self._full_tree(root)
            self.last_listing = Listing("full", reason=str(why))
        if tree.mixed:
            log.info("Drive folder %s reaches into other drives: listed in full", self.folder_id)
            self.cursors.delete(self.course_id)
        else:
            state = tree.to_json()
            self.cursors.put(SourceCursor(self.course_id, KIND, self.folder_id, token, state))
        return tree

    def _change_log(self, drive_id: str | None) -> ChangeLog:
        return ChangeLog(self.service, drive_id, self.num_retries, self.page_size)

    def _check_folder(self) -> Item:
        folder = self._get(self.folder_id, ROOT_FIELDS, "folder")
        if folder.get("trashed"):
            raise NotFound(f"Drive folder {self.folder_id} is in the trash")
        if folder.get("mimeType") != FOLDER:
            raise SourceRefused(f"Drive item {self.folder_id} is not a folder")
        return folder

    def _full_tree(self, root: Item) -> DriveTree:
        """Every folder, file and shortcut under the root, listed breadth first."""
        tree = DriveTree.rooted({**root, "id": self.folder_id})
        pending = [self.folder_id]
        while pending:
            folder_id = pending.pop(0)
            for child in self._children(folder_id):
                pending.extend(self._place(tree, folder_id, child))
        return tree

    def _place(self, tree: DriveTree, folder_id: str, child: Item) -> list[str]:
        """Puts `child` of `folder_id` in the tree; returns the folders still to list."""
        if child["mimeType"] == FOLDER:
            return [child["id"]] if tree.add_folder(child, folder_id, child["name"]) else []
        if child["mimeType"] != SHORTCUT:
            tree.entries[child["id"]] = Entry(folder_id, child["name"], child["id"], child)
            return []
        target_id = (child.get("shortcutDetails") or {}).get("targetId")
        if not target_id:
            return []
        # A shortcut stands for its target, under the shortcut's name; broken ones list nothing.
        target = self._target(target_id)
        tree.note_drive(target)
        if target is None or target["mimeType"] != FOLDER:
            tree.entries[child["id"]] = Entry(folder_id, child["name"], target_id, target)
            return []
        tree.links.add(child["id"])
        return [target_id] if tree.add_folder(target, folder_id, child["name"]) else []

    def _children(self, folder_id: str) -> Iterator[Item]:
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
            with drive_errors(f"folder {folder_id}"):
                page = request.execute(num_retries=self.num_retries)
            yield from page.get("files", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def _target(self, target_id: str) -> Item | None:
        """A shortcut's target; None when it is gone, trashed or not shared."""
        try:
            target = self._get(target_id, FILE_FIELDS, "shortcut target")
        except (NotFound, SourceRefused):
            return None
        return None if target.get("trashed") else target

    def _describe(self, path: str, item: Item) -> SourceFile | None:
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

    def _get(self, file_id: str, fields: str, what: str) -> Item:
        request = self.service.files().get(fileId=file_id, fields=fields, supportsAllDrives=True)
        with drive_errors(f"{what} {file_id}"):
            result: Item = request.execute(num_retries=self.num_retries)
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


def _stored_tree(state: dict[str, Any]) -> DriveTree:
    try:
        return DriveTree.from_json(state)
    except (KeyError, TypeError, ValueError) as e:
        raise FullListingNeeded(f"the stored folder tree is unreadable ({e!r})") from e


def _revision(item: Item) -> str:
    return f"rev:{item.get('modifiedTime', '')}:v{item.get('version', '')}"


def _pdf_name(path: str) -> str:
    return path if path.lower().endswith(".pdf") else path + ".pdf"
