"""The permission rules: which role may do what, on which courses.

Every gateway route belongs to one class of access. A key reaches a course only if the
course is in its scope; outside it the course does not exist for that key (404, not 403,
so course IDs cannot be probed). Inside it, the role decides (403 when it may not)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from byosc.auth.models import ApiKey, Role

# list: the course list, filtered to the scope. read: a course's documents, datasets,
# adapters and jobs. chat: answers, search and quizzes. manage: uploads, refreshes,
# dataset generation, training, promotion, cancelling jobs. admin: creating and deleting
# courses, API keys.
Access = Literal["list", "read", "chat", "manage", "admin"]
Decision = Literal["allow", "not_found", "forbidden"]

ALLOWED: dict[Role, frozenset[Access]] = {
    "admin": frozenset({"list", "read", "chat", "manage", "admin"}),
    "instructor": frozenset({"list", "read", "chat", "manage"}),
    "client": frozenset({"list", "read", "chat"}),
}


def reaches(key: ApiKey, course_id: str) -> bool:
    return key.role == "admin" or course_id in key.courses


def needs_course_lookup(key: ApiKey) -> bool:
    """Whether the course of a request must be known to decide: not for admins, who reach
    every course, so their requests are not slowed by finding it."""
    return key.role != "admin"


def decide(key: ApiKey, access: Access, course_id: str | None = None) -> Decision:
    """The rule for one request; course_id is the course it touches, None for routes on no
    single course."""
    if course_id is not None and not reaches(key, course_id):
        return "not_found"
    return "allow" if access in ALLOWED[key.role] else "forbidden"


def visible(key: ApiKey, course_ids: Iterable[str]) -> set[str]:
    """The courses of a listing the key may see."""
    return {c for c in course_ids if reaches(key, c)}
