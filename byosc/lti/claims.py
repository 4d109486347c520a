"""The LTI 1.3 claims the tool reads, and how LMS roles become BYOSC roles.

Role URIs are from the LIS vocabulary LTI 1.3 uses (LTI 1.3 core, appendix A.2): context
(membership) roles say what the user is in this LMS course, institution and system roles
what they are in the LMS as a whole. The course-level ones decide when present: a member of
staff taking a course as a learner is a learner there."""

from __future__ import annotations

from collections.abc import Iterable

from byosc.auth.models import Role

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
CUSTOM = LTI + "custom"
TOOL_PLATFORM = LTI + "tool_platform"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"

LTI_VERSION = "1.3.0"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

# The scopes a platform grants for Assignment and Grade Services (AGS 2.0).
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

# Administrator gets no more than an instructor: admin work in BYOSC needs an API key.
_TEACHING = {"Instructor", "TeachingAssistant", "Administrator"}
_LEARNING = {"Learner", "Student"}
_INSTITUTION_TEACHING = {"Instructor", "Faculty", "Administrator"}
_SYSTEM_TEACHING = {"Administrator", "SysAdmin"}


def context_principal(role: str) -> str | None:
    """The principal role of a context role: `...membership#Instructor` and the sub-role
    `...membership/Instructor#TeachingAssistant` are both Instructor's; a bare name
    (`Learner`, which LTI 1.3 still allows for context roles) is itself."""
    if role.startswith(MEMBERSHIP + "#"):
        return role.removeprefix(MEMBERSHIP + "#")
    if role.startswith(MEMBERSHIP + "/"):
        return role.removeprefix(MEMBERSHIP + "/").partition("#")[0]
    if role.isalnum():
        return role
    return None


def byosc_role(roles: Iterable[str]) -> Role | None:
    """instructor, client, or None when no role the tool serves is present (an observer,
    a mentor, a guest). A sub-role counts as its principal: `Learner#Instructor` (a
    learner who teaches elsewhere) is a learner."""
    roles = list(roles)
    in_context = {p for r in roles if (p := context_principal(r)) is not None}
    if in_context:
        if in_context & _TEACHING:
            return "instructor"
        return "client" if in_context & _LEARNING else None
    institution = {r.removeprefix(INSTITUTION) for r in roles if r.startswith(INSTITUTION)}
    system = {r.removeprefix(SYSTEM) for r in roles if r.startswith(SYSTEM)}
    if institution & _INSTITUTION_TEACHING or system & _SYSTEM_TEACHING:
        return "instructor"
    return "client" if institution & _LEARNING else None
