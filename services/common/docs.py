"""/docs (Swagger UI) and /redoc with their scripts, styles and icon served by the service
itself, from the fastapi-offline package: FastAPI's own pages load them from CDNs (and
ReDoc's fonts from Google), so they stay blank offline or behind a strict proxy. Swagger UI
5 there, not the 4.x of swagger-ui-bundle, which cannot show OpenAPI 3.1 documents."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Replaces the pages FastAPI made at app.docs_url and app.redoc_url."""
    pages = {app.docs_url, app.redoc_url} - {None}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in pages]
    assets = str(files("fastapi_offline") / "static")
    app.mount(ASSETS_URL, StaticFiles(directory=assets), name="docs-assets")

    def root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    if app.docs_url and app.openapi_url:

        async def swagger_ui(request: Request) -> HTMLResponse:
            prefix, redirect = root(request), app.swagger_ui_oauth2_redirect_url
            return get_swagger_ui_html(
                openapi_url=f"{prefix}{app.openapi_url}",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{prefix}{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{prefix}{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{prefix}{ASSETS_URL}/favicon.png",
                oauth2_redirect_url=f"{prefix}{redirect}" if redirect else None,
                swagger_ui_parameters=app.swagger_ui_parameters,
            )

        app.add_route(app.docs_url, swagger_ui, include_in_schema=False)

    if app.redoc_url and app.openapi_url:

        async def redoc(request: Request) -> HTMLResponse:
            prefix = root(request)
            return get_redoc_html(
                openapi_url=f"{prefix}{app.openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{prefix}{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{prefix}{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )

        app.add_route(app.redoc_url, redoc, include_in_schema=False)
