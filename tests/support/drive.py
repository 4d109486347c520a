"""Drive v3 responses shaped like the real API's, for googleapiclient's HttpMockSequence.

Only the fields DriveSource asks for are returned, as Drive does when `fields` is given;
int64 values (size, version) are JSON strings, as on the wire.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from googleapiclient.discovery import build
from googleapiclient.http import HttpMockSequence

Response = tuple[dict[str, str], bytes | str]

FOLDER = "application/vnd.google-apps.folder"
SLIDES = "application/vnd.google-apps.presentation"
FORM = "application/vnd.google-apps.form"
SHORTCUT = "application/vnd.google-apps.shortcut"
PDF = "application/pdf"
ROOT_ID = "1RootFolderAbcdefghij"


def drive_service(responses: list[Response]) -> tuple[Any, HttpMockSequence]:
    """A Drive v3 client built from the discovery document that ships with the library."""
    http = HttpMockSequence(responses)
    return build("drive", "v3", http=http, static_discovery=True, cache_discovery=False), http


def ok(body: dict[str, Any]) -> Response:
    return {"status": "200", "content-type": "application/json; charset=UTF-8"}, json.dumps(body)


def error(status: int, reason: str, message: str) -> Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
        }
    }
    return {"status": str(status), "content-type": "application/json; charset=UTF-8"}, json.dumps(
        body
    )


def not_found(file_id: str) -> Response:
    return error(404, "notFound", f"File not found: {file_id}.")


def folder(file_id: str, name: str) -> dict[str, Any]:
    return {"id": file_id, "name": name, "mimeType": FOLDER, "trashed": False}


def stored_file(
    file_id: str, name: str, data: bytes, *, mime: str = PDF, version: int = 1
) -> dict[str, Any]:
    return {
        "id": file_id,
        "name": name,
        "mimeType": mime,
        "md5Checksum": hashlib.md5(data).hexdigest(),
        "size": str(len(data)),
        "modifiedTime": f"2025-02-{10 + version:02d}T09:30:00.000Z",
        "version": str(version),
    }


def native_file(file_id: str, name: str, *, mime: str = SLIDES, version: int = 1) -> dict[str, Any]:
    # Editor files report a storage size, but not the size of their PDF export.
    return {
        "id": file_id,
        "name": name,
        "mimeType": mime,
        "size": "1024",
        "modifiedTime": f"2025-03-{10 + version:02d}T14:00:00.000Z",
        "version": str(version),
    }


def shortcut(file_id: str, name: str, target_id: str, target_mime: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "name": name,
        "mimeType": SHORTCUT,
        "shortcutDetails": {"targetId": target_id, "targetMimeType": target_mime},
    }


def page(files: list[dict[str, Any]], next_token: str | None = None) -> Response:
    body: dict[str, Any] = {"files": files}
    if next_token:
        body["nextPageToken"] = next_token
    return ok(body)


def media(data: bytes) -> Response:
    return {"status": "200", "content-type": PDF, "content-length": str(len(data))}, data


def media_part(data: bytes, start: int, total: int) -> Response:
    end = start + len(data) - 1
    return {"status": "206", "content-range": f"bytes {start}-{end}/{total}"}, data


def query(uri: str) -> dict[str, str]:
    """The query parameters of a request, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(uri).query).items()}


def path(uri: str) -> str:
    return urlsplit(uri).path


def start_token(token: str) -> Response:
    return ok({"kind": "drive#startPageToken", "startPageToken": token})


def changed(item: dict[str, Any]) -> dict[str, Any]:
    """A change entry carrying the file's state now, as changes.list gives it."""
    return {"changeType": "file", "fileId": item["id"], "removed": False, "file": item}


def removed(file_id: str) -> dict[str, Any]:
    """A file deleted for good, or no longer shared: the entry has no file."""
    return {"changeType": "file", "fileId": file_id, "removed": True}


def changes_page(
    changes: list[dict[str, Any]], *, new_token: str | None = None, next_token: str | None = None
) -> Response:
    """A changes.list page: the last one carries newStartPageToken, the others nextPageToken."""
    body: dict[str, Any] = {"kind": "drive#changeList", "changes": changes}
    if new_token:
        body["newStartPageToken"] = new_token
    if next_token:
        body["nextPageToken"] = next_token
    return ok(body)
