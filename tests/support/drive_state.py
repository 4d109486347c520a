"""A Drive folder tree held in memory, and the Drive v3 responses a full listing of it gets,
in the order DriveSource asks: the root folder, the change log's start token when change
tracking is on, then each folder's pages breadth first, a shortcut's target read right
after the page that holds the shortcut."""

from __future__ import annotations

from typing import Any

from tests.support.drive import (
    FOLDER,
    ROOT_ID,
    SHORTCUT,
    Response,
    folder,
    not_found,
    ok,
    page,
    start_token,
)

Item = dict[str, Any]


class DriveState:
    def __init__(self, root: Item | None = None, page_size: int = 1000) -> None:
        self.root = root or folder(ROOT_ID, "Course")
        self.page_size = page_size
        self.items: dict[str, Item] = {}

    def put(self, item: Item, parent: str = ROOT_ID) -> Item:
        """Adds or replaces an item under `parent`; returns it as Drive now reports it."""
        placed = {**item, "parents": [parent]}
        if "driveId" in self.root and "driveId" not in item:
            placed["driveId"] = self.root["driveId"]
        self.items[item["id"]] = placed
        return placed

    def trash(self, item_id: str) -> Item:
        self.items[item_id] = {**self.items[item_id], "trashed": True}
        return self.items[item_id]

    def full_listing(self, token: str | None = None) -> list[Response]:
        responses = [ok(self.root)]
        if token is not None:
            responses.append(start_token(token))
        pending, seen = [self.root["id"]], {self.root["id"]}
        while pending:
            folder_id = pending.pop(0)
            children = [
                i
                for i in self.items.values()
                if folder_id in i.get("parents", []) and not i.get("trashed")
            ]
            pages = [
                children[n : n + self.page_size] for n in range(0, len(children), self.page_size)
            ]
            for n, files in enumerate(pages or [[]]):
                last = n + 1 >= len(pages)
                responses.append(page(files, next_token=None if last else f"page-{n + 1}"))
                for child in files:
                    responses += self._followed(child, pending, seen)
        return responses

    def _followed(self, child: Item, pending: list[str], seen: set[str]) -> list[Response]:
        """Queues a folder the child is or leads to; the target read a shortcut needs."""
        responses: list[Response] = []
        target = child
        if child["mimeType"] == SHORTCUT:
            target_id = child["shortcutDetails"]["targetId"]
            target = self.items.get(target_id, {})
            responses.append(ok(target) if target else not_found(target_id))
        folder_id = str(target.get("id"))
        if target.get("mimeType") == FOLDER and not target.get("trashed") and folder_id not in seen:
            seen.add(folder_id)
            pending.append(folder_id)
        return responses
