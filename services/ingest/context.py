"""Composition root of an ingest worker process: adapters built on first use, once per process.

A forked pool process builds its own (an Edge shard, model weights and DB connections do
not survive a fork), and closes them when the pool retires it.
"""

from __future__ import annotations

from byosc.adapters import Adapters


class WorkerContext(Adapters):
    @property
    def max_attempts(self) -> int:
        return self.settings.queue.max_attempts
