"""The gateway's OpenAPI document: each routed operation as its service documents it, the
bearer scheme, the gateway's own answers, schema names kept apart, and examples that hold."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from byosc.auth.models import KeyRequest
from byosc.domain import ChatRequest, ChatResponse
from byosc.openai_compat import ChatCompletionRequest
from byosc.settings import Settings
from services.gateway.app import create_app
from services.gateway.openapi import SchemaClash, assemble
from services.gateway.routes import ROUTES, Route
from services.inference.app import create_app as create_inference
from services.ingest.app import create_app as create_ingest
from services.ingest.routes import NewCourse
from services.trainer.app import create_app as create_trainer
from services.trainer.train_routes import TrainRequest

Json = dict[str, Any]
SERVICES = {"ingest": create_ingest, "inference": create_inference, "trainer": create_trainer}
EXAMPLE_MODELS: list[type[BaseModel]] = [
    ChatRequest,
    ChatResponse,
    NewCourse,
    KeyRequest,
    ChatCompletionRequest,
    TrainRequest,
]


@pytest.fixture(scope="module")
def service_apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FastAPI]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("services"))
    return {name: make(settings) for name, make in SERVICES.items()}


@pytest.fixture(scope="module")
def document(service_apps: dict[str, FastAPI], tmp_path_factory: pytest.TempPathFactory) -> Json:
    gateway = create_app(Settings(data_dir=tmp_path_factory.mktemp("gateway")))
    return assemble(gateway.openapi(), {n: app.openapi() for n, app in service_apps.items()})


def _operations(document: Json) -> Iterator[tuple[str, str, Json]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _unprefixed(node: Any, service: str) -> Any:
    """`node` with the names of schemas renamed for a clash given back their own."""
    text = json.dumps(node).replace(f'"#/components/schemas/{service}_', '"#/components/schemas/')
    return json.loads(text)


def _routed(document: Json) -> Iterator[tuple[Route, Json]]:
    for route in ROUTES:
        for method in route.methods:
            yield route, document["paths"][route.path][method.lower()]


def test_every_routed_operation_is_the_services_own_with_the_bearer_scheme(
    document: Json, service_apps: dict[str, FastAPI]
) -> None:
    for route, operation in _routed(document):
        own = service_apps[route.service].openapi()["paths"][route.path]
        method = next(m for m in own if m.upper() in route.methods)
        assert operation["security"] == [{"HTTPBearer": []}], route.path
        for part in ("parameters", "requestBody"):
            assert _unprefixed(operation.get(part), route.service) == own[method].get(part)
        assert operation["summary"] == route.summary
    chat = document["paths"]["/chat"]["post"]
    assert chat["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ChatRequest"
    }
    scheme = document["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path in ("/healthz", "/readyz", "/metrics"):
        assert "security" not in document["paths"][path]["get"]
    assert document["paths"]["/keys"]["post"]["security"] == [{"HTTPBearer": []}]


def test_operation_ids_are_unique_and_every_reference_resolves(document: Json) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids)) > len(ROUTES)
    names = set(document["components"]["schemas"])
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document))
    assert refs and set(refs) <= names


def test_routed_operations_document_the_gateways_own_answers(document: Json) -> None:
    for route, operation in _routed(document):
        codes = set(operation["responses"])
        assert {"401", "403", "413", "429", "503", "504"} <= codes, route.path
        if route.course_in is not None:
            assert "404" in codes, route.path
        assert "Retry-After" in operation["responses"]["429"]["headers"]
    search = document["paths"]["/courses/{course_id}/search"]["get"]["responses"]
    assert search["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorMessage"
    }
    # The guard's 422 (no course in the body) beside the service's validation errors.
    chat_422 = document["paths"]["/chat"]["post"]["responses"]["422"]
    assert len(chat_422["content"]["application/json"]["schema"]["anyOf"]) == 2


def test_openai_routes_document_their_refusals_in_openai_shape(document: Json) -> None:
    responses = document["paths"]["/v1/chat/completions"]["post"]["responses"]
    refusals = {code: answer for code, answer in responses.items() if code[0] == "4"}
    assert {"400", "401", "404", "422", "429"} <= set(refusals)
    for answer in refusals.values():
        assert answer["content"]["application/json"]["schema"] == _ref("ErrorBody")
    # A service that is down is answered by the proxy itself, in OpenAI's shape too.
    assert responses["503"]["content"]["application/json"]["schema"] == _ref("ErrorBody")


def _service_doc(item: Json, extra: Json | None = None) -> Json:
    schemas = {"Item": item, "Box": {"properties": {"item": {"$ref": "#/components/schemas/Item"}}}}
    operation = {
        "operationId": "read",
        "responses": {"200": {"content": {"application/json": {"schema": _ref("Box")}}}},
    }
    return {
        "paths": {"/things": {"get": operation}},
        "components": {"schemas": {**schemas, **(extra or {})}},
    }


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _two_routes() -> tuple[Json, list[Route]]:
    bare = {"operationId": "forward", "responses": {}}
    base = {"paths": {"/things": {"get": bare}, "/others": {"get": dict(bare)}}}
    routes = [
        Route("/things", ["GET"], "ingest", "Things", "read", None),
        Route("/others", ["GET"], "trainer", "Others", "read", None),
    ]
    return base, routes


def test_a_schema_name_two_services_define_differently_is_prefixed_where_it_differs() -> None:
    base, routes = _two_routes()
    ingest = _service_doc({"type": "string"})
    trainer = _service_doc({"type": "integer"})
    trainer["paths"]["/others"] = trainer["paths"].pop("/things")
    document = assemble(base, {"ingest": ingest, "trainer": trainer}, routes)
    schemas = document["components"]["schemas"]
    assert schemas["Item"] == {"type": "string"}
    assert schemas["trainer_Item"] == {"type": "integer"}
    # Box refers to the clashing name, so it differs too and takes the prefix as well.
    assert schemas["trainer_Box"]["properties"]["item"] == _ref("trainer_Item")
    answer = document["paths"]["/others"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == _ref("trainer_Box")
    assert document["paths"]["/others"]["get"]["operationId"] == "trainer_read"
    # The same schema under the same name is shared, not copied.
    same = copy.deepcopy(ingest)
    same["paths"]["/others"] = same["paths"].pop("/things")
    shared = assemble(base, {"ingest": ingest, "trainer": same}, routes)
    assert "trainer_Item" not in shared["components"]["schemas"]


def test_a_clash_the_prefix_cannot_resolve_fails_loudly() -> None:
    base, routes = _two_routes()
    ingest = _service_doc({"type": "string"}, {"trainer_Item": {"type": "boolean"}})
    ingest["paths"]["/things"]["get"]["responses"]["201"] = {
        "content": {"application/json": {"schema": _ref("trainer_Item")}}
    }
    trainer = _service_doc({"type": "integer"})
    trainer["paths"]["/others"] = trainer["paths"].pop("/things")
    with pytest.raises(SchemaClash, match="trainer_Item"):
        assemble(base, {"ingest": ingest, "trainer": trainer}, routes)


def _examples(node: Any) -> Iterator[tuple[Json, Any]]:
    """(schema, example) for every example in the document: a schema's own, a media type's."""
    if isinstance(node, dict):
        examples = node.get("examples")
        if isinstance(node.get("schema"), dict):  # a media type or a parameter
            named = examples.values() if isinstance(examples, dict) else []
            yield from ((node["schema"], example.get("value")) for example in named)
            if "example" in node:
                yield node["schema"], node["example"]
        elif isinstance(examples, list):  # a schema (OpenAPI 3.1: JSON Schema's examples)
            yield from ((node, example) for example in examples)
        for value in node.values():
            yield from _examples(value)
    elif isinstance(node, list):
        for item in node:
            yield from _examples(item)


def test_every_example_in_the_document_validates_against_its_schema(document: Json) -> None:
    components = {"components": document["components"]}
    found = list(_examples(document))
    for schema, example in found:
        validator = jsonschema_rs.Draft202012Validator({**schema, **components})
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, (schema, example, errors)
    with_examples = {
        name for name, schema in document["components"]["schemas"].items() if "examples" in schema
    }
    assert {model.__name__ for model in EXAMPLE_MODELS} <= with_examples
    assert len(found) >= len(EXAMPLE_MODELS)


@pytest.mark.parametrize("model", EXAMPLE_MODELS, ids=lambda m: m.__name__)
def test_every_model_example_builds_its_model(model: type[BaseModel]) -> None:
    examples = model.model_json_schema()["examples"]
    assert examples
    for example in examples:
        model.model_validate(example)  # validators the JSON schema cannot express too


class ServiceApps(httpx.AsyncBaseTransport):
    """Sends each request to the service app its host names; a service not in `up` refuses
    the connection, as a stopped one does."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps
        self.up = set(apps)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host not in self.up:
            raise httpx.ConnectError("connection refused", request=request)
        transport = httpx.ASGITransport(app=self.apps[request.url.host])
        return await transport.handle_async_request(request)


@pytest.fixture
def gateway(tmp_path: Path, service_apps: dict[str, FastAPI]) -> Iterator[tuple[TestClient, Any]]:
    urls = {name: f"http://{name}" for name in SERVICES}
    app = create_app(Settings(data_dir=tmp_path, services=urls))  # type: ignore[arg-type]
    with TestClient(app) as http:
        services = ServiceApps(service_apps)
        app.state.http = httpx.AsyncClient(transport=services)
        yield http, services


def test_openapi_json_retries_a_down_service_and_is_cached_once_all_answered(
    gateway: tuple[TestClient, ServiceApps],
) -> None:
    http, services = gateway
    services.up = {"ingest", "inference"}
    partial = http.get("/openapi.json").json()
    train = partial["paths"]["/courses/{course_id}/train"]["post"]
    assert "requestBody" not in train and train["security"] == [{"HTTPBearer": []}]
    assert "requestBody" in partial["paths"]["/chat"]["post"]
    services.up = set(SERVICES)
    whole = http.get("/openapi.json").json()
    assert "requestBody" in whole["paths"]["/courses/{course_id}/train"]["post"]
    services.up = set()
    assert http.get("/openapi.json").json() == whole  # cached: no service asked again
    docs = http.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


def _check_documented(document: Json, path: str, method: str, status: int, body: Any) -> None:
    documented = document["paths"][path][method]["responses"][str(status)]
    schema = documented["content"]["application/json"]["schema"]
    validator = jsonschema_rs.Draft202012Validator(
        {**schema, **{"components": document["components"]}}
    )
    assert validator.is_valid(body), (path, status, body)


def test_the_gateways_own_answers_are_the_documented_ones(
    gateway: tuple[TestClient, ServiceApps],
) -> None:
    http, services = gateway
    document = http.get("/openapi.json").json()
    store = http.app.state.key_store  # type: ignore[attr-defined]
    admin = store.create(KeyRequest(name="admin", role="admin"))
    client = store.create(KeyRequest(name="lms", role="client", courses=["c1"]))
    as_admin = {"authorization": f"Bearer {admin.token}"}
    as_client = {"authorization": f"Bearer {client.token}"}
    search, completions = "/courses/{course_id}/search", "/v1/chat/completions"
    asked = {"model": "c2", "messages": [{"role": "user", "content": "hi"}]}
    services.up = set()
    answers = [
        (search, "get", http.get("/courses/c1/search", params={"q": "x"}), 401),
        (completions, "post", http.post(completions, json=asked), 401),
        (search, "get", http.get("/courses/c2/search?q=x", headers=as_client), 404),
        (completions, "post", http.post(completions, json=asked, headers=as_client), 404),
        ("/chat", "post", http.post("/chat", content=b"{", headers=as_client), 422),
        (search, "get", http.get("/courses/c1/search?q=x", headers=as_admin), 503),
        (completions, "post", http.post(completions, json=asked, headers=as_admin), 503),
    ]
    for path, method, answer, status in answers:
        assert answer.status_code == status, (path, answer.text)
        _check_documented(document, path, method, status, answer.json())
