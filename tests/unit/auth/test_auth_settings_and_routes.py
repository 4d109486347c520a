"""Auth settings and the gateway's route table: every route names its access and course."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from byosc.settings import Settings
from services.gateway.routes import ROUTES

PRODUCTION = {
    "index": {"kind": "qdrant"},
    "database": {"url": "postgresql+psycopg://byosc@db/byosc"},
}


@pytest.mark.parametrize("profile", ["compose", "k8s"])
def test_production_profiles_refuse_to_run_without_auth(profile: str) -> None:
    assert Settings(profile=profile, **PRODUCTION).auth.enabled  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"BYOSC_AUTH__ENABLED=false is refused"):
        Settings(profile=profile, auth={"enabled": False}, **PRODUCTION)  # type: ignore[arg-type]


def test_the_embedded_profile_may_turn_auth_off() -> None:
    assert not Settings(auth={"enabled": False}).auth.enabled  # type: ignore[arg-type]


def test_every_route_with_a_course_in_its_path_is_checked_against_that_course() -> None:
    for route in ROUTES:
        if "{course_id}" in route.path:
            assert route.course_in == "path", route.path
        elif "{job_id}" in route.path:
            assert route.course_in == "job", route.path


def test_routes_that_start_or_change_work_need_manage_or_admin_rights() -> None:
    for route in ROUTES:
        writes = set(route.methods) & {"POST", "DELETE", "PUT", "PATCH"}
        # Asking, and rating the answer, is what a student's key is for.
        asks = re.search(r"/(chat|chat/completions|quiz|quiz/grade|feedback)$", route.path)
        if writes and not asks:
            assert route.access in ("manage", "admin"), route.path
