"""A worker for the length of one CLI command, when none is running (embedded profile).

`byosc refresh` goes through Celery in every profile. With the embedded filesystem broker
and no worker on the data directory, it starts one as a child process, which then owns the
Edge shard (the CLI never opens it meanwhile), and stops it when the job ends. A worker
already running (`make up`, `byosc worker`) is used instead and left alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from byosc.errors import ByoscError
from byosc.settings import Settings
from services.common.jobqueue import uses_filesystem_broker
from services.ingest.presence import worker_running

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0


class EmbeddedWorker:
    """`always`: start one even with a server broker or a worker running (benchmarks)."""

    def __init__(self, settings: Settings, *, always: bool = False) -> None:
        self.settings = settings
        self.always = always
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path = settings.data_path / "logs" / "worker.log"

    def __enter__(self) -> EmbeddedWorker:
        embedded = uses_filesystem_broker(self.settings)
        if self.always or (embedded and not worker_running(self.settings)):
            self._start()
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    @property
    def started(self) -> bool:
        """True when this command started the worker: no other worker was running."""
        return self.process is not None

    def alive(self) -> bool:
        """False once no worker will take the command's job: the one it started has exited,
        or (embedded) the one already running on the data directory is gone."""
        if self.process is not None:
            return self.process.poll() is None
        return not uses_filesystem_broker(self.settings) or worker_running(self.settings)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # SIGTERM is Celery's warm shutdown: the current task finishes, unstarted ones
        # go back to the queue for the next worker.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "BYOSC_DATA_DIR": str(self.settings.data_path)}
        with self.log_path.open("ab") as log:
            # A session of its own: Ctrl-C reaches the command, which stops the worker
            # warmly, instead of reaching both at once.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.ingest.worker", "--loglevel", "WARNING"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not worker_running(self.settings):
            if not self.alive() or time.monotonic() > deadline:
                self.stop()
                raise ByoscError(f"the job worker did not start; see {self.log_path}")
            time.sleep(0.1)
