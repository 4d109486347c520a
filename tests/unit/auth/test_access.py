"""The permission rules: scope first (404), then role (403)."""

from __future__ import annotations

import pytest

from byosc.auth.access import Access, decide, needs_course_lookup, visible
from byosc.auth.models import ApiKey, Role


def _key(role: Role, courses: list[str] | None = None) -> ApiKey:
    return ApiKey(id="k1", name=role, role=role, courses=courses or [])


@pytest.mark.parametrize("access", ["list", "read", "chat", "manage", "admin"])
def test_an_admin_may_do_everything_on_every_course(access: Access) -> None:
    assert decide(_key("admin"), access, "any-course") == "allow"
    assert decide(_key("admin"), access) == "allow"


@pytest.mark.parametrize("role", ["instructor", "client"])
@pytest.mark.parametrize("access", ["list", "read", "chat", "manage", "admin"])
def test_a_course_outside_the_scope_is_not_found_whatever_the_access(
    role: Role, access: Access
) -> None:
    assert decide(_key(role, ["cs140"]), access, "ee101") == "not_found"


def test_an_instructor_manages_its_courses_but_does_not_administer_them() -> None:
    instructor = _key("instructor", ["cs140"])
    for access in ("read", "chat", "manage"):
        assert decide(instructor, access, "cs140") == "allow"
    assert decide(instructor, "admin", "cs140") == "forbidden"  # deleting the course
    assert decide(instructor, "admin") == "forbidden"  # creating courses, keys


def test_a_client_reads_and_asks_but_may_not_manage_its_own_course() -> None:
    client = _key("client", ["cs140"])
    assert decide(client, "read", "cs140") == "allow"
    assert decide(client, "chat", "cs140") == "allow"
    assert decide(client, "manage", "cs140") == "forbidden"
    assert decide(client, "list") == "allow"


def test_a_key_without_courses_reaches_none() -> None:
    assert decide(_key("client"), "read", "cs140") == "not_found"
    assert visible(_key("client"), ["cs140", "ee101"]) == set()


def test_a_listing_keeps_only_the_courses_in_scope_except_for_admins() -> None:
    assert visible(_key("client", ["cs140", "gone"]), ["cs140", "ee101"]) == {"cs140"}
    assert visible(_key("admin"), ["cs140", "ee101"]) == {"cs140", "ee101"}


def test_only_scoped_keys_need_the_course_of_a_request() -> None:
    assert not needs_course_lookup(_key("admin"))
    assert needs_course_lookup(_key("instructor", ["cs140"]))
