"""`python -m services.<name>`: run one service's app factory under uvicorn."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from byosc.settings import Settings
from services.common.logs import configure_logging
from services.common.startup import settings_or_exit


def serve(name: str, factory: Callable[[Settings], FastAPI], default_port: int) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    settings = settings_or_exit(name)
    configure_logging(name, settings.logs)
    # log_config=None: uvicorn keeps its hands off logging, so its access and error lines
    # go through the handler above, with the request ID.
    uvicorn.run(
        factory(settings),
        host=args.host,
        port=args.port,
        log_config=None,
        log_level=settings.logs.level.lower(),
    )
