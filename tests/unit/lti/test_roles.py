"""LMS roles to BYOSC roles: the role in the course decides; institution and system roles
only when the launch carries no course role; an administrator is no more than an
instructor; roles the tool does not serve give none."""

from __future__ import annotations

import pytest

from byosc.lti.claims import byosc_role, context_principal
from byosc.lti.contexts import course_id_from

M = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INST = "http://purl.imsglobal.org/vocab/lis/v2/institution/person"
S = "http://purl.imsglobal.org/vocab/lis/v2/system/person"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([f"{M}#Instructor"], "instructor"),
        ([f"{M}/Instructor#TeachingAssistant", f"{INST}#Student"], "instructor"),
        ([f"{M}#Administrator"], "instructor"),
        ([f"{INST}#Administrator", f"{M}#Instructor", f"{S}#Administrator"], "instructor"),
        ([f"{M}#Learner"], "client"),
        ([f"{INST}#Instructor", f"{M}#Learner", f"{S}#User"], "client"),
        ([f"{M}/Learner#Instructor"], "client"),  # a sub-role counts as its principal
        (["Instructor"], "instructor"),  # short context role names, still allowed
        (["Learner"], "client"),
        ([f"{INST}#Faculty"], "instructor"),  # no course role: the institution's decides
        ([f"{INST}#Student", f"{S}#User"], "client"),
        ([f"{S}#SysAdmin"], "instructor"),
        ([f"{M}#Mentor", f"{S}#User"], None),
        ([f"{INST}#Guest"], None),
        ([], None),
    ],
)
def test_lms_roles_map_to_the_byosc_role_of_the_course(roles: list[str], expected: str) -> None:
    assert byosc_role(roles) == expected


def test_a_context_roles_principal_is_read_from_the_uri_or_the_short_name() -> None:
    assert context_principal(f"{M}#Learner") == "Learner"
    assert context_principal(f"{M}/Instructor#TeachingAssistant") == "Instructor"
    assert context_principal("Mentor") == "Mentor"
    assert context_principal(f"{INST}#Student") is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("CS 140 (Fall 2026)", "cs-140-fall-2026"),
        ("Mathématiques Avancées", "mathematiques-avancees"),
        ("??", "course-b6d44cbe"),
        ("x" * 80, "x" * 56),
    ],
)
def test_a_course_id_is_suggested_from_the_lms_course_label(label: str, expected: str) -> None:
    assert course_id_from(label, "ctx-1") == expected
