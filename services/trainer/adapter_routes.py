"""The course's adapters: list, promote one (loaded into the model server), roll back."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from byosc.errors import NotFound
from byosc.ports import Catalog
from byosc.training.models import AdapterRecord
from byosc.training.publishing.models import AdapterView
from services.trainer.dependencies import CatalogDep, PublicationsDep, RegistryDep, ServingDep

router = APIRouter(tags=["adapters"])


class AdapterChange(BaseModel):
    active: AdapterRecord = Field(description="The course's active adapter now.")
    replaced: AdapterRecord | None = Field(
        default=None, description="The adapter that was active before, now retired."
    )


@router.get("/courses/{course_id}/adapters")
def list_adapters(
    course_id: str, catalog: CatalogDep, registry: RegistryDep, publications: PublicationsDep
) -> list[AdapterView]:
    """The course's adapters, newest first, with their training, evaluation and latest
    publication to the model hub (`publication.state` failed: `error` says why)."""
    _check_course(catalog, course_id)
    return publications.views(registry.list(course_id))


@router.post("/courses/{course_id}/adapters/{name}/promote")
def promote_adapter(
    course_id: str,
    name: str,
    catalog: CatalogDep,
    registry: RegistryDep,
    serving: ServingDep,
    force: bool = Query(default=False, description="Promote even if it failed its evaluation."),
) -> AdapterChange:
    """Loads a candidate or retired adapter into the model server and makes it the course's
    active one; the adapter it replaces is retired and unloaded."""
    _check_course(catalog, course_id)
    if registry.get(name).course_id != course_id:
        raise NotFound(f"adapter {name} does not belong to course {course_id}")
    active, replaced = serving.promote(name, force=force)
    return AdapterChange(active=active, replaced=replaced)


@router.post("/courses/{course_id}/rollback")
def rollback_adapter(course_id: str, catalog: CatalogDep, serving: ServingDep) -> AdapterChange:
    """Makes the adapter that was active before the current one active again."""
    _check_course(catalog, course_id)
    restored, demoted = serving.rollback(course_id)
    return AdapterChange(active=restored, replaced=demoted)


def _check_course(catalog: Catalog, course_id: str) -> None:
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
