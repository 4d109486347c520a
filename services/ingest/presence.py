"""Whether an embedded worker is running on this data directory: a lock file it holds.

Workers hold a shared lock for their whole life; a caller that can take the lock
exclusively knows none is running. The kernel drops the lock when a worker dies, however
it dies, so a crashed worker never looks alive.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from byosc.settings import Settings


def _lock_path(settings: Settings) -> Path:
    settings.queue_path.mkdir(parents=True, exist_ok=True)
    return settings.queue_path / "worker.lock"


def hold_presence(settings: Settings) -> IO[bytes]:
    """Marks this process as a running worker until the returned file is closed."""
    handle = _lock_path(settings).open("ab")
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def worker_running(settings: Settings) -> bool:
    with _lock_path(settings).open("ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
