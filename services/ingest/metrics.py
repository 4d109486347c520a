"""What the job system holds, counted when /metrics is scraped: jobs by kind and state
(the metadata DB) and messages waiting on each queue (the broker).

A database or broker that does not answer leaves its metric out of that scrape and logs
why; the scrape itself, and the other metrics, still succeed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import get_args

import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from byosc.domain import JobKind, JobState
from byosc.jobs.tables import jobs
from byosc.settings import Settings
from services.common.filesystem_broker import is_message_of
from services.common.jobqueue import QUEUE_OF, broker_settings, uses_filesystem_broker

log = logging.getLogger(__name__)

QUEUES = sorted(set(QUEUE_OF.values()))
# Seconds a scrape waits for Redis before leaving queue depth out.
REDIS_TIMEOUT_S = 2.0


class JobsCollector(Collector):
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        query = sa.select(jobs.c.kind, jobs.c.state, sa.func.count()).group_by(
            jobs.c.kind, jobs.c.state
        )
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
        except Exception as exc:  # a scrape must not fail for it
            log.warning("byosc_jobs left out: the metadata DB did not answer: %s", exc)
            return
        # Every known kind and state shows, at 0 when there are none.
        counts = {(k, s): 0 for k in get_args(JobKind) for s in get_args(JobState)}
        counts.update({(kind, state): count for kind, state, count in rows})
        family = GaugeMetricFamily(
            "byosc_jobs", "Jobs in the metadata DB by kind and state", labels=["kind", "state"]
        )
        for (kind, state), count in sorted(counts.items()):
            family.add_metric([kind, state], count)
        yield family


class QueueDepthCollector(Collector):
    """`waiting(queue)`: messages on the queue that no worker has taken yet."""

    def __init__(self, waiting: Callable[[str], int], queues: list[str]) -> None:
        self.waiting = waiting
        self.queues = queues

    def collect(self) -> Iterator[Metric]:
        try:
            depths = {queue: self.waiting(queue) for queue in self.queues}
        except Exception as exc:  # a scrape must not fail for it
            log.warning("byosc_queue_depth left out: the broker did not answer: %s", exc)
            return
        family = GaugeMetricFamily(
            "byosc_queue_depth", "Messages waiting on the broker, by queue", labels=["queue"]
        )
        for queue, depth in depths.items():
            family.add_metric([queue], depth)
        yield family


def waiting_files(folder: Path) -> Callable[[str], int]:
    """The embedded broker keeps each waiting message as a file `<time>_<uuid>.<queue>.msg`
    and moves it away when a worker takes it (services/common/filesystem_broker.py)."""

    def waiting(queue: str) -> int:
        return sum(1 for name in os.listdir(folder) if is_message_of(name, queue))

    return waiting


class RedisWaiting:
    """kombu's Redis transport keeps a queue as a list named after it, plus one list per
    priority step above 0 (`<queue>\\x06\\x16<step>`); waiting messages are in those lists
    (taken but unacknowledged ones are kept elsewhere)."""

    def __init__(self, url: str) -> None:
        import redis
        from kombu.transport.redis import PRIORITY_STEPS, Channel

        self.client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        self.suffixes = [""] + [f"{Channel.sep}{step}" for step in PRIORITY_STEPS if step]

    def __call__(self, queue: str) -> int:
        with self.client.pipeline(transaction=False) as pipe:
            for suffix in self.suffixes:
                pipe.llen(f"{queue}{suffix}")
            return sum(int(n) for n in pipe.execute())

    def close(self) -> None:
        self.client.close()


@contextmanager
def job_metrics(
    registry: CollectorRegistry, settings: Settings, engine: sa.Engine
) -> Iterator[None]:
    """Registers the job and queue collectors for as long as the service runs."""
    collectors: list[Collector] = [JobsCollector(engine)]
    redis_waiting: RedisWaiting | None = None
    broker, options = broker_settings(settings)
    if uses_filesystem_broker(settings):
        collectors.append(
            QueueDepthCollector(waiting_files(Path(options["data_folder_in"])), QUEUES)
        )
    elif broker.startswith(("redis://", "rediss://")):
        redis_waiting = RedisWaiting(broker)
        collectors.append(QueueDepthCollector(redis_waiting, QUEUES))
    else:
        log.info("byosc_queue_depth is counted for Redis and filesystem brokers only")
    for collector in collectors:
        registry.register(collector)
    try:
        yield
    finally:
        for collector in collectors:
            registry.unregister(collector)
        if redis_waiting is not None:
            redis_waiting.close()
