"""The pages a launch answers with: the hand-over page that carries the session token into
the web app, and the refusal page. Both under the web app's Content-Security-Policy (no
inline script: the hand-over's script is web/js/lti.js), framable by the registered
platforms only, never cached, and never putting the token in a URL."""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from byosc.request_ids import current_request_id
from services.gateway.webapp import headers_for

# Where a launch may land in the web app: a fixed set, so a page never navigates elsewhere.
LANDINGS = ("#student", "#instructor", "#lti-setup", "#lti-deep-link")

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - BYOSC</title>
  <link rel="stylesheet" href="/web/style.css">
{head}</head>
<body>
  <main id="main">
    <h1>{title}</h1>
{body}  </main>
</body>
</html>
"""


async def page(
    app: FastAPI, status: int, title: str, head: str, body: str, form_to: str | None = None
) -> HTMLResponse:
    """`form_to`: an origin its forms may post to besides this one (a platform's return URL)."""
    headers = await headers_for(app)
    if form_to is not None:
        csp = headers["content-security-policy"]
        headers["content-security-policy"] = csp.replace(
            "form-action 'self'", f"form-action 'self' {form_to}"
        )
    # The hand-over page holds a token: no cache may keep it.
    headers["cache-control"] = "no-store"
    html = _PAGE.format(title=escape(title), head=head, body=body)
    return HTMLResponse(html, status_code=status, headers=headers)


async def session_page(app: FastAPI, token: str, landing: str) -> HTMLResponse:
    assert landing in LANDINGS
    head = (
        f'  <meta name="byosc-session" content="{escape(token)}">\n'
        f'  <meta name="byosc-landing" content="{escape(landing)}">\n'
        '  <script type="module" src="/web/js/lti.js"></script>\n'
    )
    body = (
        "    <p>Signing you in to your course…</p>\n"
        "    <noscript><p>BYOSC needs JavaScript in this page.</p></noscript>\n"
    )
    return await page(app, 200, "Opening BYOSC", head, body)


async def message_page(app: FastAPI, status: int, title: str, reason: str) -> HTMLResponse:
    """A page with a short reason and the request ID, under which the log holds the detail."""
    request_id = current_request_id()
    body = f'    <p role="alert">{escape(reason)}</p>\n'
    if request_id:
        body += (
            '    <p class="muted">If you ask for help, give this reference: '
            f"<code>{escape(request_id)}</code></p>\n"
        )
    return await page(app, status, title, "", body)
