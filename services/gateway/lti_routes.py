"""The LTI 1.3 tool's routes on the gateway: login and launch (lti_launch), the tool's keys
and configuration (lti_config), platform registrations (lti_admin), the setup of an LMS
course's BYOSC course (lti_contexts), deep linking (lti_deep_link) and grades for the LMS
gradebook (lti_grades, sent by lti_score_sender). State is built on first use (lti_state)."""

from __future__ import annotations

from fastapi import FastAPI

from services.gateway import (
    lti_admin,
    lti_config,
    lti_contexts,
    lti_deep_link,
    lti_grades,
    lti_launch,
)


def install_lti(app: FastAPI) -> None:
    for module in (lti_launch, lti_config, lti_admin, lti_contexts, lti_deep_link, lti_grades):
        app.include_router(module.router)
