"""An Edge shard lent over the inference service's /internal/index routes, in a thread, so
the SearchIndex contract also runs against HttpIndex."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from byosc.index.edge import EdgeIndex
from byosc.index.http import HttpIndex
from services.inference import index_routes
from tests.support.modelserver import free_port


class ServedHttpIndex(HttpIndex):
    """HttpIndex whose close() also stops the server and closes the shard behind it."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.edge = EdgeIndex(path, dimension)
        app = FastAPI()
        app.include_router(index_routes.router)
        app.state.index = self.edge
        port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the index server did not start")
            time.sleep(0.01)
        super().__init__(f"http://127.0.0.1:{port}")

    def close(self) -> None:
        super().close()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.edge.close()
