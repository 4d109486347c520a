"""Whether jobs sent now will be worked on: the `workers` check of the ingest service's
/readyz. Optional there (the service still takes uploads and queues refreshes), so a dead
worker makes it, and through it the gateway, degraded with the reason, not unavailable.

Embedded: one worker consumes every queue, and its presence lock says whether it runs.
Redis broker: workers answer a broadcast with the queues they consume; a queue that holds
messages nobody consumes fails the check. A queue with no worker and nothing waiting is
fine: the GPU queues' workers are scaled to zero when idle.
"""

from __future__ import annotations

from typing import Any

from byosc.jobs.settings import QUEUES
from byosc.settings import Settings
from services.common.readiness import PROBE_TIMEOUT_S, Probe
from services.ingest.presence import worker_running

# How long workers get to answer the broadcast; the probe waits this long every time.
BROADCAST_WAIT_S = 1.0
# kombu's Redis transport keeps a queue's prioritised messages in lists named after it,
# with this separator and the step (its default steps are 0, 3, 6, 9).
PRIORITY_LISTS = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class NoWorker(Exception):
    """Jobs are waiting and no worker takes them."""


def workers(settings: Settings, celery_app: Any) -> Probe:
    if settings.queue.broker_url is None:
        return lambda: _embedded(settings)
    return lambda: _redis(settings.queue.broker_url or "", celery_app)


def _embedded(settings: Settings) -> None:
    if not worker_running(settings):
        raise NoWorker("no worker is running: refresh jobs wait in the queue")


def _redis(broker_url: str, celery_app: Any) -> None:
    import redis

    replies = celery_app.control.inspect(timeout=BROADCAST_WAIT_S).active_queues() or {}
    consumed = {queue["name"] for queues in replies.values() for queue in queues or []}
    client = redis.Redis.from_url(
        broker_url, socket_timeout=PROBE_TIMEOUT_S, socket_connect_timeout=PROBE_TIMEOUT_S
    )
    try:
        unserved = {
            queue: waiting
            for queue in QUEUES
            if queue not in consumed
            and (waiting := sum(int(client.llen(queue + step)) for step in PRIORITY_LISTS))
        }
    finally:
        client.close()
    if unserved:
        listed = ", ".join(f"{queue} ({n} waiting)" for queue, n in sorted(unserved.items()))
        raise NoWorker(f"no worker consumes queue {listed}")
