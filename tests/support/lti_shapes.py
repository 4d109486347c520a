"""Launch claims as Moodle and as Canvas send them, from their documentation and launches
they make: the same LTI 1.3 core, each with its own extras (Moodle's `ext` claim and
numeric IDs; Canvas's azp, hashed IDs, custom Canvas variables, `lis`, its placement claim
and the `errors`/`validation_context` members it puts in every object)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]


@dataclass(frozen=True)
class LmsUser:
    sub: str
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class LmsCourse:
    id: str
    label: str
    title: str


class MoodleShape:
    product = "moodle"
    roles: ClassVar[dict[str, tuple[str, ...]]] = {
        "instructor": (f"{MEMBERSHIP}#Instructor",),
        # A site administrator who teaches the course: Moodle adds the institution and
        # system Administrator roles.
        "site_admin": (
            f"{INSTITUTION}#Administrator",
            f"{MEMBERSHIP}#Instructor",
            f"{SYSTEM}#Administrator",
        ),
        "learner": (f"{MEMBERSHIP}#Learner",),
    }

    def claims(self, base: str, user: LmsUser, course: LmsCourse, link_id: str) -> dict[str, Any]:
        return {
            "given_name": user.name.split()[0],
            "family_name": user.name.split()[-1],
            "name": user.name,
            "email": f"user{user.sub}@example.edu",
            LTI + "context": {
                "id": course.id,
                "label": course.label,
                "title": course.title,
                "type": ["CourseSection"],
            },
            LTI + "resource_link": {"title": "Study buddy", "description": "", "id": link_id},
            LTI + "lis": {"person_sourcedid": "", "course_section_sourcedid": ""},
            LTI + "launch_presentation": {
                "locale": "en",
                "document_target": "iframe",
                "return_url": f"{base}/mod/lti/return.php?course={course.id}&instanceid={link_id}",
            },
            LTI + "ext": {"user_username": f"user{user.sub}", "lms": "moodle-2"},
            LTI + "tool_platform": {
                "product_family_code": "moodle",
                "version": "2024100700",
                "guid": "moodle.example.edu",
                "name": "Example University",
                "description": "Example University Moodle",
            },
            LTI + "custom": {"topic": "scheduling"},
            AGS: {
                "scope": AGS_SCOPES,
                "lineitems": f"{base}/mod/lti/services.php/{course.id}/lineitems?type_id=1",
                "lineitem": f"{base}/mod/lti/services.php/{course.id}/lineitems/{link_id}/lineitem",
            },
            NRPS: {
                "context_memberships_url": f"{base}/mod/lti/services.php/CourseSection/"
                f"{course.id}/bindings/1/memberships",
                "service_versions": ["1.0", "2.0"],
            },
        }


def _canvas(value: dict[str, Any]) -> dict[str, Any]:
    """Canvas's serializer adds these two members to every claim object."""
    return value | {"validation_context": None, "errors": {"errors": {}}}


class CanvasShape:
    product = "canvas"
    roles: ClassVar[dict[str, tuple[str, ...]]] = {
        "instructor": (
            f"{INSTITUTION}#Instructor",
            f"{MEMBERSHIP}#Instructor",
            f"{SYSTEM}#User",
        ),
        "teaching_assistant": (
            f"{INSTITUTION}#Student",
            f"{MEMBERSHIP}/Instructor#TeachingAssistant",
            f"{SYSTEM}#User",
        ),
        "learner": (f"{INSTITUTION}#Student", f"{MEMBERSHIP}#Learner", f"{SYSTEM}#User"),
        # A member of staff enrolled as a student: a learner in this course.
        "staff_learner": (f"{INSTITUTION}#Instructor", f"{MEMBERSHIP}#Learner", f"{SYSTEM}#User"),
        "observer": (f"{MEMBERSHIP}#Mentor", f"{SYSTEM}#User"),
    }

    def claims(self, base: str, user: LmsUser, course: LmsCourse, link_id: str) -> dict[str, Any]:
        return {
            "azp": None,  # set by the platform to its client ID
            "locale": "en",
            "name": user.name,
            "given_name": user.name.split()[0],
            "family_name": user.name.split()[-1],
            "picture": "https://canvas.instructure.com/images/messages/avatar-50.png",
            "errors": {"errors": {}},
            LTI + "context": _canvas(
                {
                    "id": course.id,
                    "label": course.label,
                    "title": course.title,
                    "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
                }
            ),
            LTI + "resource_link": _canvas({"id": link_id, "description": None, "title": None}),
            LTI + "tool_platform": _canvas(
                {
                    "guid": "Ym9YqGn2KmFWNJzv8XwWbGJRkfNmH5tHMFG3FbUc:canvas-lms",
                    "name": "Example University",
                    "version": "cloud",
                    "product_family_code": "canvas",
                }
            ),
            LTI + "launch_presentation": _canvas(
                {
                    "document_target": "iframe",
                    "return_url": f"{base}/courses/7/external_content/success/external_tool",
                    "locale": "en",
                    "height": 400,
                    "width": 800,
                }
            ),
            LTI + "custom": {
                "canvas_course_id": "7",
                "canvas_user_id": user.sub[:6],
                "canvas_api_domain": "example.instructure.com",
                "canvas_user_prefers_high_contrast": "false",
            },
            LTI + "lis": _canvas(
                {
                    "person_sourcedid": f"sis-{user.sub[:6]}",
                    "course_offering_sourcedid": "CS140-F26",
                }
            ),
            AGS: _canvas(
                {"scope": AGS_SCOPES, "lineitems": f"{base}/api/lti/courses/7/line_items"}
            ),
            NRPS: _canvas(
                {
                    "context_memberships_url": f"{base}/api/lti/courses/7/names_and_roles",
                    "service_versions": ["2.0"],
                }
            ),
            "https://www.instructure.com/placement": "course_navigation",
        }


def deep_linking_settings(base: str) -> dict[str, Any]:
    return {
        "deep_link_return_url": f"{base}/deep_linking_response",
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_media_types": "application/vnd.ims.lti.v1.ltilink",
        "auto_create": True,
        "accept_multiple": False,
        "data": "opaque-platform-data-7f3a",
    }
