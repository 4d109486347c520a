"""The gateway's OpenAPI document. The gateway forwards requests it does not parse, so its
own routes say nothing of bodies or answers: each routed operation is taken from the owning
service's /openapi.json instead, with the schemas it refers to, the bearer scheme, and the
answers the gateway itself gives (refusals, limits, a service down)."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Mapping
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.openapi.utils import validation_error_definition, validation_error_response_definition
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from byosc.openai_compat import ErrorBody
from services.gateway.routes import ROUTES, Route

log = logging.getLogger(__name__)

Json = dict[str, Any]
REF_PREFIX = "#/components/schemas/"
SECURITY: list[dict[str, list[str]]] = [{"HTTPBearer": []}]
FETCH_TIMEOUT_S = 5.0


class ErrorMessage(BaseModel):
    """This API's error body; validation errors carry a list of problems instead."""

    detail: str


# The answers the gateway gives before or instead of the service's.
GATEWAY_ANSWERS: dict[str, str] = {
    "400": "The body could not be read (e.g. JSON that is not UTF-8).",
    "401": "No API key, or an unknown, expired or revoked one.",
    "403": "The key's role may not do this.",
    "404": "No such course or job, or one outside the key's course scope (the same answer).",
    "413": "The body is larger than the gateway accepts.",
    "422": "The body is not JSON naming the course.",
    "429": "Too many requests for this key; retry after Retry-After seconds.",
    "503": "The service behind this route is unreachable.",
    "504": "The service behind this route did not answer in time.",
}
# Every secured route may get these; routes that name a course also get 404, those that
# name it in the body get 422, and every route with a body 400 (from FastAPI, here or in the
# service).
AUTH_ANSWERS = ("401", "403", "413", "429")
SERVICE_DOWN_ANSWERS = ("503", "504")
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the key may send again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}
UNPROCESSABLE = {
    "anyOf": [{"$ref": REF_PREFIX + "HTTPValidationError"}, {"$ref": REF_PREFIX + "ErrorMessage"}]
}
WWW_AUTHENTICATE = {"WWW-Authenticate": {"schema": {"type": "string", "example": "Bearer"}}}


class SchemaClash(ValueError):
    """Two documents define different schemas under a name that cannot be told apart."""


def install_openapi(app: FastAPI, service_urls: Mapping[str, str]) -> None:
    """Serves the assembled document at the app's openapi_url, which /docs reads."""
    url = app.openapi_url or "/openapi.json"
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != url]

    async def openapi_json(request: Request) -> JSONResponse:
        return JSONResponse(await gateway_openapi(request.app, service_urls))

    app.add_api_route(url, openapi_json, include_in_schema=False)


async def gateway_openapi(app: FastAPI, service_urls: Mapping[str, str]) -> Json:
    """Cached once every service has answered; until then each request asks again."""
    cached: Json | None = getattr(app.state, "openapi_document", None)
    if cached is not None:
        return cached
    names = sorted({route.service for route in ROUTES})
    client: httpx.AsyncClient = app.state.http
    fetched = await asyncio.gather(*(_fetch(client, service_urls[n]) for n in names))
    service_docs = {name: doc for name, doc in zip(names, fetched, strict=True) if doc}
    document = assemble(app.openapi(), service_docs)
    if len(service_docs) == len(names):
        app.state.openapi_document = document
    return document


async def _fetch(client: httpx.AsyncClient, base_url: str) -> Json | None:
    try:
        response = await client.get(f"{base_url}/openapi.json", timeout=FETCH_TIMEOUT_S)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("no OpenAPI document from %s: %s", base_url, exc)
        return None
    return document if isinstance(document, dict) else None


def assemble(base: Json, service_docs: Mapping[str, Json], routes: list[Route] = ROUTES) -> Json:
    """The gateway's own document (`base`) with each route's operation from its service's
    document when there is one; a route whose service did not answer keeps its bare entry."""
    document = copy.deepcopy(base)
    paths: Json = document["paths"]
    schemas: Json = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _error_schemas().items():
        _add_schema(schemas, name, schema)
    routed = {(route.path, method.lower()) for route in routes for method in route.methods}
    own = [op for path, item in paths.items() for m, op in item.items() if (path, m) not in routed]
    taken = {op.get("operationId") for op in own}
    for route in routes:
        service_doc = service_docs.get(route.service, {})
        for method in (m.lower() for m in route.methods):
            operation = paths[route.path][method]
            found = service_doc.get("paths", {}).get(route.path, {}).get(method)
            if found is not None:
                operation = _imported(found, service_doc, route.service, schemas)
                operation["summary"] = route.summary
            operation["operationId"] = _unique(operation.get("operationId"), route.service, taken)
            operation["security"] = SECURITY
            _add_gateway_answers(operation, route)
            paths[route.path][method] = operation
    for operation in own:
        if operation.get("security"):  # /keys: the guard's answers, no service behind
            codes = ("401", "403", "413", "400") if "requestBody" in operation else ("401", "403")
            _add_answers(operation, codes, _ref("ErrorMessage"))
    document["components"].setdefault("securitySchemes", {}).setdefault(
        "HTTPBearer", {"type": "http", "scheme": "bearer"}
    )
    return document


def _unique(operation_id: str | None, service: str, taken: set[str | None]) -> str:
    chosen = operation_id or f"{service}_operation"
    if chosen in taken:
        chosen = f"{service}_{chosen}"
    counter = 2
    while chosen in taken:
        chosen, counter = f"{chosen}_{counter}", counter + 1
    taken.add(chosen)
    return chosen


def _imported(operation: Json, service_doc: Json, service: str, schemas: Json) -> Json:
    """The service's operation, with the schemas it refers to merged into `schemas`. A name
    another document defines differently is prefixed with the service's name."""
    components: Json = service_doc.get("components", {}).get("schemas", {})
    needed = _referenced(operation, components)
    renames: dict[str, str] = {}
    changed = True
    while changed:  # a renamed schema changes those that refer to it: repeat until stable
        changed = False
        for name in needed:
            if name in renames or name not in schemas:
                continue
            if schemas[name] != _renamed(components[name], renames):
                renames[name] = f"{service}_{name}"
                changed = True
    for name in needed:
        _add_schema(schemas, renames.get(name, name), _renamed(components[name], renames))
    imported: Json = _renamed(operation, renames)
    return imported


def _add_schema(schemas: Json, name: str, schema: Json) -> None:
    if name in schemas and schemas[name] != schema:
        raise SchemaClash(f"two different schemas are named {name}")
    schemas[name] = schema


def _referenced(node: Any, components: Json) -> list[str]:
    """Names of the component schemas `node` refers to, directly or through others."""
    found: list[str] = []
    pending = [node]
    while pending:
        for name in _refs(pending.pop()):
            if name not in found and name in components:
                found.append(name)
                pending.append(components[name])
    return found


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        name = _ref_name(node.get("$ref"))
        own = [name] if name else []
        return own + [found for value in node.values() for found in _refs(value)]
    if isinstance(node, list):
        return [found for item in node for found in _refs(item)]
    return []


def _renamed(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _renamed(v, renames) for k, v in node.items()}
        if name := _ref_name(node.get("$ref")):
            out["$ref"] = _ref(renames.get(name, name))["$ref"]
        return out
    if isinstance(node, list):
        return [_renamed(item, renames) for item in node]
    return node


def _ref_name(ref: Any) -> str | None:
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):
        return ref[len(REF_PREFIX) :]
    return None


def _ref(name: str) -> Json:
    return {"$ref": f"{REF_PREFIX}{name}"}


def _error_schemas() -> Json:
    schemas: Json = {
        "HTTPValidationError": validation_error_response_definition,
        "ValidationError": validation_error_definition,
    }
    for model in (ErrorMessage, ErrorBody):
        schema = model.model_json_schema(ref_template=REF_PREFIX + "{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _add_gateway_answers(operation: Json, route: Route) -> None:
    codes: tuple[str, ...] = AUTH_ANSWERS
    if route.course_in is not None:
        codes += ("404",)
    if route.course_in in ("body", "model"):
        codes += ("422",)
    if "requestBody" in operation or route.protocol == "openai":
        codes += ("400",)  # the inference service's OpenAI routes: any malformed request
    # The services' errors have the gateway's shape: OpenAI's on OpenAI routes (the services'
    # own included), else {"detail": ...} where the service documents no body; a 422 may
    # also be FastAPI's list of validation problems.
    error = _ref("ErrorBody" if route.protocol == "openai" else "ErrorMessage")
    for code, answer in operation.get("responses", {}).items():
        if code[0] in "45" and (route.protocol == "openai" or "content" not in answer):
            schema = error if code != "422" or route.protocol == "openai" else UNPROCESSABLE
            answer["content"] = {"application/json": {"schema": schema}}
    # The proxy answers a service that is down or slow itself, in the route's shape.
    _add_answers(operation, codes + SERVICE_DOWN_ANSWERS, error)


def _add_answers(operation: Json, codes: tuple[str, ...], schema: Json) -> None:
    responses: Json = operation.setdefault("responses", {})
    for code in codes:
        answer = responses.setdefault(code, {})
        answer.setdefault("description", GATEWAY_ANSWERS.get(code, "A malformed request."))
        media = answer.setdefault("content", {}).setdefault("application/json", {})
        known = media.get("schema")
        if known is None or known == {}:
            media["schema"] = schema
        elif known != schema and schema not in known.get("anyOf", []):
            media["schema"] = {"anyOf": [known, schema]}
        if code == "429":
            answer.setdefault("headers", {}).update(RETRY_AFTER)
        if code == "401":
            answer.setdefault("headers", {}).update(WWW_AUTHENTICATE)
