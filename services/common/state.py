"""FastAPI dependencies that hand a route what its service's lifespan put on `app.state`.

The names are the contract: a service that uses `CatalogDep` sets `app.state.catalog`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from byosc.jobs.sql import SqlJobStore
from byosc.ports import Catalog, JobQueue
from byosc.settings import Settings


def from_state(name: str) -> Callable[[Request], Any]:
    def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    get.__name__ = f"state_{name}"
    return get


CatalogDep = Annotated[Catalog, Depends(from_state("catalog"))]
JobsDep = Annotated[SqlJobStore, Depends(from_state("jobs"))]
QueueDep = Annotated[JobQueue, Depends(from_state("queue"))]
SettingsDep = Annotated[Settings, Depends(from_state("settings"))]
