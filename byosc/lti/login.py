"""OIDC third-party login initiation (LTI 1.3 security framework 5.1.1): the platform names
itself and the user; the tool answers with the authentication request, a redirect to the
platform's auth URL carrying a fresh state and nonce, kept server-side."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from byosc.lti.launch import LaunchRefused
from byosc.lti.models import origin_of
from byosc.lti.platforms import AmbiguousIssuer, SqlPlatformStore
from byosc.lti.states import SqlLaunchStates

REQUIRED = ("iss", "login_hint", "target_link_uri")


def login_redirect(
    params: Mapping[str, str],
    launch_url: str,
    platforms: SqlPlatformStore,
    states: SqlLaunchStates,
    ttl_s: float,
) -> str:
    """The URL to send the browser to, or LaunchRefused. Blocking: call from a thread."""
    for name in REQUIRED:
        if not params.get(name):
            raise LaunchRefused(
                400,
                "The LMS's sign-in request is incomplete (tell your LMS administrator).",
                f"login without {name}",
            )
    issuer, client_id = params["iss"], params.get("client_id") or None
    try:
        platform = platforms.find(issuer, client_id)
    except AmbiguousIssuer as exc:
        raise LaunchRefused(
            400,
            "The LMS's sign-in request does not say which registration it is for (no client_id).",
            str(exc),
        ) from exc
    if platform is None:
        raise LaunchRefused(
            400,
            "This LMS is not registered with BYOSC (tell your LMS administrator).",
            f"no platform with issuer {issuer!r} and client_id {client_id!r}",
        )
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in platform.deployment_ids:
        raise LaunchRefused(
            403,
            "This deployment of BYOSC in the LMS is not registered (tell your LMS administrator).",
            f"login for deployment {deployment!r} of platform {platform.id}",
        )
    target = params["target_link_uri"]
    # The launch always lands on our launch URL; a target elsewhere means the platform holds
    # another URL for the tool than this gateway's (gateway.lti.public_url unset behind a
    # proxy, or a registration with a typo).
    if origin_of(target) != origin_of(launch_url):
        raise LaunchRefused(
            400,
            "The LMS knows BYOSC under another address than this one "
            "(tell your LMS administrator).",
            f"target_link_uri {target!r} is not on {origin_of(launch_url)}",
        )
    issued = states.issue(platform.id, ttl_s)
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "login_hint": params["login_hint"],
        "state": issued.state,
        "nonce": issued.nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_url else "?"
    return f"{platform.auth_url}{separator}{urlencode(query)}"
