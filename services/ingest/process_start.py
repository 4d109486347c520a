"""What the ingest service's long-running processes (the worker, the beat) do before they
start: their log format, a schema check, and their command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from celery import signals

from byosc.settings import Settings
from services.common.logs import configure_logging
from services.common.startup import settings_or_exit
from services.ingest.context import WorkerContext


def prepare(role: str, settings: Settings, loglevel: str) -> None:
    configure_logging(role, settings.logs.model_copy(update={"level": loglevel}))
    # The schema is checked before any work: against an older one the process stops here,
    # naming `byosc db upgrade`, instead of failing every task it takes or sends.
    with WorkerContext(settings) as context:
        _ = context.catalog

    def keep_our_logging(**_: object) -> None:
        """Connected, this tells Celery to leave logging as configure_logging set it."""

    signals.setup_logging.connect(keep_our_logging, weak=False)


def main(role: str, run: Callable[..., None]) -> None:
    """`python -m services.ingest.<role> [--loglevel LEVEL]`: `run(settings, loglevel=...)`."""
    parser = argparse.ArgumentParser(prog=f"python -m services.ingest.{role}")
    parser.add_argument("--loglevel", help="default: the settings' logs.level")
    args = parser.parse_args()
    settings = settings_or_exit(role)
    run(settings, loglevel=args.loglevel or settings.logs.level)
