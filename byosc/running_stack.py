"""The data directory of the embedded stack (`make up`) running on this machine.

`make up` keeps its data in its own directory (var/stack), not the CLI's default, so a key
made by `byosc keys create` in the default directory would be unknown to its gateway. While
it runs, the stack announces its directory in a file in the BYOSC home, which the key
commands read when BYOSC_DATA_DIR does not name a directory."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ANNOUNCEMENT = "stack.json"


@contextmanager
def announced(home: Path, data_dir: Path) -> Iterator[None]:
    """Announces data_dir as the running stack's for as long as the block runs."""
    path = home.expanduser() / ANNOUNCEMENT
    path.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    path.write_text(json.dumps({"data_dir": str(data_dir.resolve()), "pid": pid}))
    try:
        yield
    finally:
        # Another stack started since then has announced itself: leave its announcement.
        if _read(path).get("pid") == pid:
            path.unlink(missing_ok=True)


def running_stack_dir(home: Path) -> Path | None:
    """The announced data directory, if the stack that announced it still runs."""
    announcement = _read(home.expanduser() / ANNOUNCEMENT)
    pid, data_dir = announcement.get("pid"), announcement.get("data_dir")
    if not isinstance(pid, int) or not isinstance(data_dir, str) or not _alive(pid):
        return None
    return Path(data_dir) if Path(data_dir).is_dir() else None


def _read(path: Path) -> dict[str, object]:
    try:
        announcement = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return announcement if isinstance(announcement, dict) else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
