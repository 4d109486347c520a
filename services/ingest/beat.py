"""The beat: one process that starts the courses' scheduled refreshes.

Celery beat with a single entry: every `schedules.tick_s` seconds it sends the task
`ingest.scheduled_refreshes`, which a `cpu` worker runs: it reads the due schedules from the
metadata DB, claims each, and starts its refresh as a manual refresh starts. Because the
schedules are read on every tick, setting or clearing one applies without a restart, and
beat keeps nothing of its own (an in-memory schedule, no state file). A tick not taken
within one interval expires: a worker that was down does not run a pile of stale ticks.

Run one beat per deployment; a second one by mistake only sends more ticks, and the claim
in the database still starts each run once.

Each turn of beat's loop touches a heartbeat file (`heartbeat_path()`), which the k8s liveness
probe checks for freshness: beat serves no HTTP and answers no `celery inspect ping`.

`python -m services.ingest.beat` (or `byosc beat`) runs it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from celery import Celery
from celery.beat import Scheduler

from byosc.settings import Settings
from services.common.jobqueue import QUEUE_OF, SCHEDULED_REFRESHES, configure_celery
from services.ingest import process_start

ENTRY = "scheduled-refreshes"
# The loop wakes at least this often whatever the tick, so the heartbeat stays fresh for a
# probe that allows two minutes even with a tick of an hour.
HEARTBEAT_EVERY_S = 30.0


def heartbeat_path() -> Path:
    """In the temporary directory (TMPDIR, else /tmp): the one writable path of the pod."""
    return Path(tempfile.gettempdir()) / "byosc-beat.heartbeat"


class HeartbeatScheduler(Scheduler):
    """Celery's in-memory scheduler, touching the heartbeat after each turn of the loop. A
    send that fails (broker down) is logged by Celery and the loop goes on, so an outage
    does not restart beat: the tick after the broker is back starts what is overdue."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval: float = super().tick(*args, **kwargs)
        heartbeat_path().touch()
        return interval


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    tick = settings.schedules.tick_s
    options = {"queue": QUEUE_OF[SCHEDULED_REFRESHES], "expires": tick}
    return {ENTRY: {"task": SCHEDULED_REFRESHES, "schedule": tick, "options": options}}


def create_beat_app(settings: Settings) -> Celery:
    app = configure_celery(Celery("byosc-beat"), settings)
    app.conf.update(
        beat_schedule=beat_schedule(settings),
        # In memory: the schedules live in the metadata DB, so beat needs no state file.
        beat_scheduler=f"{__name__}:HeartbeatScheduler",
        # Wake at least once a tick, however the clock moves, and often enough to keep the
        # heartbeat fresh.
        beat_max_loop_interval=min(settings.schedules.tick_s, HEARTBEAT_EVERY_S),
    )
    return app


def run_beat(settings: Settings, *, loglevel: str = "INFO") -> None:
    """Runs beat in this process until it is stopped (SIGTERM or Ctrl-C)."""
    process_start.prepare("beat", settings, loglevel)
    create_beat_app(settings).Beat(loglevel=loglevel).run()


def main() -> None:
    process_start.main("beat", run_beat)


if __name__ == "__main__":
    main()
