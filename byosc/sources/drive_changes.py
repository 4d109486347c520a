"""Drive's changes API: what changed in a course's folder tree since its last listing.

Drive keeps a change log per user and per shared drive. A start page token marks a point
in it; `changes.list` from that token returns every file changed since (its state now,
or `removed`) and, on the last page, the token to start from next time. One call covers
up to 1000 changes, against one call per folder and page for a full listing.

`apply_changes` updates a `DriveTree` with them: files added, edited, renamed, moved or
trashed inside the tree, and shortcuts (retargeted, or their target edited or trashed).
A change it cannot follow cheaply raises `FullListingNeeded`: any change to a folder of
the tree (the root folder moved or trashed, a subfolder renamed or moved, whose files
bring no changes of their own), a folder added to it, or a change of the shared drive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from googleapiclient.errors import HttpError

from byosc.sources.drive_errors import drive_errors
from byosc.sources.drive_tree import FILE_FIELDS, FOLDER, SHORTCUT, DriveTree, Entry, Item

CHANGE_FIELDS = (
    "nextPageToken, newStartPageToken, "
    f"changes(changeType, removed, fileId, driveId, file({FILE_FIELDS}))"
)
# Drive refuses a page token it no longer accepts (expired, or of another change log) with
# 400 (invalid value), 404 or 410; the client is then to start again from a new token.
TOKEN_REFUSED = frozenset({400, 404, 410})

Resolve = Callable[[str], Item | None]


class FullListingNeeded(Exception):
    """The changes cannot bring the tree up to date: the folder is to be listed again."""


@dataclass
class ChangeLog:
    """The change log that covers a folder: its shared drive's, or the user's (My Drive and
    files shared with the service account)."""

    service: Any
    drive_id: str | None
    num_retries: int = 5
    page_size: int = 1000

    def start_token(self) -> str:
        """The point of the log now: changes after it are listed from this token."""
        request = self.service.changes().getStartPageToken(**self._scope())
        with drive_errors("the change log's start token"):
            answer = request.execute(num_retries=self.num_retries)
        return str(answer["startPageToken"])

    def since(self, token: str) -> tuple[list[Item], str]:
        """The changes after `token`, page by page, and the token that follows the last."""
        changes: list[Item] = []
        page_token = token
        while True:
            request = self.service.changes().list(
                pageToken=page_token,
                pageSize=self.page_size,
                spaces="drive",
                includeItemsFromAllDrives=True,
                fields=CHANGE_FIELDS,
                **self._scope(),
            )
            page = self._execute(request)
            changes.extend(page.get("changes", []))
            if page.get("newStartPageToken"):
                return changes, str(page["newStartPageToken"])
            if not page.get("nextPageToken"):
                raise FullListingNeeded("the change log ended without a new start token")
            page_token = page["nextPageToken"]

    def _execute(self, request: Any) -> Item:
        with drive_errors("the change log"):
            try:
                page: Item = request.execute(num_retries=self.num_retries)
            except HttpError as e:
                if e.status_code in TOKEN_REFUSED:
                    reason = f"Drive refused the change token ({e.status_code}: {e.reason})"
                    raise FullListingNeeded(reason) from e
                raise
        return page

    def _scope(self) -> dict[str, Any]:
        scope: dict[str, Any] = {"supportsAllDrives": True}
        if self.drive_id is not None:
            scope["driveId"] = self.drive_id
        return scope


def apply_changes(tree: DriveTree, changes: list[Item], resolve: Resolve) -> None:
    """Brings `tree` up to date with `changes`; `resolve` reads a shortcut's target (None
    when it is gone, trashed or not shared)."""
    for change in changes:
        if change.get("changeType") == "drive":
            if tree.drive_id is not None and change.get("driveId") == tree.drive_id:
                raise FullListingNeeded(f"shared drive {tree.drive_id} changed")
            continue
        item = None if change.get("removed") else change.get("file")
        _apply(tree, str(change["fileId"]), item, resolve)


def _apply(tree: DriveTree, file_id: str, item: Item | None, resolve: Resolve) -> None:
    if file_id in tree.folders or file_id in tree.links:
        raise FullListingNeeded(f"folder {file_id} of the tree changed")
    gone = item is None or bool(item.get("trashed"))
    for entry in _shortcuts_to(tree, file_id):
        entry.file = None if gone else item
    holder = None if gone or item is None else tree.holder(item)
    if holder is None or item is None:
        tree.entries.pop(file_id, None)  # deleted, trashed, moved out, or never inside
        return
    if item["mimeType"] == FOLDER:
        raise FullListingNeeded(f"folder {item.get('name')!r} was added to the tree")
    if item["mimeType"] != SHORTCUT:
        tree.entries[file_id] = Entry(holder, item["name"], file_id, item)
        return
    details = item.get("shortcutDetails") or {}
    target_id = details.get("targetId")
    if details.get("targetMimeType") == FOLDER:
        raise FullListingNeeded(f"shortcut {item.get('name')!r} to a folder changed")
    if not target_id:
        tree.entries.pop(file_id, None)
        return
    target = resolve(target_id)
    tree.note_drive(target)
    tree.entries[file_id] = Entry(holder, item["name"], target_id, target)


def _shortcuts_to(tree: DriveTree, file_id: str) -> list[Entry]:
    return [e for item_id, e in tree.entries.items() if e.target_id == file_id != item_id]
