"""The tree of a Drive folder as the last listing found it, kept between refreshes.

A full listing builds it and the changes API updates it (`drive_changes`). It keeps what
rebuilding the listing needs without asking Drive again: the path of each folder, each
file or shortcut with the folder it sits in and the name it is listed under, and the
metadata of the file it stands for. `DriveSource.list_files` describes `listed()`, so a
listing updated from changes and a full one give the same files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FOLDER = "application/vnd.google-apps.folder"
SHORTCUT = "application/vnd.google-apps.shortcut"
FILE_FIELDS = (
    "id, name, mimeType, md5Checksum, size, modifiedTime, version, trashed, parents, driveId, "
    "shortcutDetails(targetId, targetMimeType)"
)

# What describing a file needs, and what is kept of it between refreshes.
KEPT_FIELDS = ("id", "mimeType", "md5Checksum", "size", "modifiedTime", "version", "driveId")

Item = dict[str, Any]


@dataclass
class Entry:
    """A file in the tree, or a shortcut there that stands for a file anywhere."""

    parent_id: str
    name: str
    target_id: str  # the file's own ID, or the shortcut's target
    file: Item | None = None  # the target's metadata; None: a shortcut whose target is gone


@dataclass
class DriveTree:
    root_id: str
    drive_id: str | None = None  # the shared drive of the root folder; None: My Drive
    folders: dict[str, str] = field(default_factory=dict)  # folder ID -> path prefix
    links: set[str] = field(default_factory=set)  # shortcuts that stand for folders
    entries: dict[str, Entry] = field(default_factory=dict)  # file or shortcut ID -> entry
    # An item of another drive than the root's: that drive's change log does not show it.
    mixed: bool = False

    @classmethod
    def rooted(cls, root: Item) -> DriveTree:
        return cls(root_id=root["id"], drive_id=root.get("driveId"), folders={root["id"]: ""})

    def add_folder(self, folder: Item, parent_id: str, name: str) -> bool:
        """Places a folder under `parent_id`; False when it is in the tree already."""
        self.note_drive(folder)
        if folder["id"] in self.folders:
            return False
        self.folders[folder["id"]] = self.folders[parent_id] + _component(name) + "/"
        return True

    def note_drive(self, item: Item | None) -> None:
        if item is not None and self.drive_id is not None and item.get("driveId") != self.drive_id:
            self.mixed = True

    def holder(self, item: Item) -> str | None:
        """The folder of the tree `item` sits in; None when it is outside the tree."""
        return next((p for p in item.get("parents") or [] if p in self.folders), None)

    def listed(self) -> list[tuple[str, Item]]:
        """(path, metadata) of every file once: one reached twice keeps its shallowest path."""
        placed = [
            (self.folders[e.parent_id] + _component(e.name), item_id, e)
            for item_id, e in self.entries.items()
            if e.file is not None and e.parent_id in self.folders
        ]
        placed.sort(key=lambda p: (p[0].count("/"), p[0], p[1]))
        seen: set[str] = set()
        listed = []
        for path, _, entry in placed:
            if entry.target_id not in seen and entry.file is not None:
                seen.add(entry.target_id)
                listed.append((path, entry.file))
        return listed

    def to_json(self) -> dict[str, Any]:
        return {
            "root_id": self.root_id,
            "drive_id": self.drive_id,
            "folders": self.folders,
            "links": sorted(self.links),
            "entries": {
                item_id: [e.parent_id, e.name, e.target_id, _kept(e.file)]
                for item_id, e in self.entries.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DriveTree:
        return cls(
            root_id=data["root_id"],
            drive_id=data.get("drive_id"),
            folders=dict(data["folders"]),
            links=set(data["links"]),
            entries={item_id: Entry(*fields) for item_id, fields in data["entries"].items()},
        )


def _kept(item: Item | None) -> Item | None:
    return None if item is None else {k: item[k] for k in KEPT_FIELDS if k in item}


def _component(name: str) -> str:
    return name.replace("/", "_")
