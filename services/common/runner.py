"""`python -m services.<name>`: run one service's app factory under uvicorn."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from byosc.settings import Settings


def serve(name: str, factory: Callable[[Settings], FastAPI], default_port: int) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {name} %(levelname)s %(message)s")
    uvicorn.run(factory(Settings()), host=args.host, port=args.port, log_level="info")
