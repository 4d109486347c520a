"""A fake Hugging Face Hub: the few HTTP endpoints an adapter publication calls, served by
uvicorn in a thread of the test process. It is a fake because no hub is reachable here.

What huggingface_hub (2.x) calls for `create_repo` and `create_commit`, and the fake answers:
- POST /api/repos/create: makes the repository (409 with its URL when it exists);
- POST /api/validate-yaml: the card's metadata must be a YAML mapping;
- POST /api/models/{repo}/preupload/{revision}: every file is to be sent "regular" (inline,
  base64, in the commit), so neither the LFS nor the Xet storage path is taken;
- POST /api/models/{repo}/commit/{revision}: the NDJSON commit, whose files are kept;
- GET /api/models/{repo}[/revision/{revision}]: the repository's info.
Every request needs the fake's token as a bearer token (401 otherwise). `fail_with` makes
every endpoint answer that status instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.support.threaded_server import served_in_thread

TOKEN = "hf_fake_write_token"
USER = "fake-user"


@dataclass
class FakeRepo:
    repo_id: str
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[tuple[str, str]] = field(default_factory=list)  # (oid, summary)

    def text(self, path: str) -> str:
        return self.files[path].decode()


@dataclass
class FakeHub:
    url: str = ""
    repos: dict[str, FakeRepo] = field(default_factory=dict)
    fail_with: int | None = None
    calls: list[str] = field(default_factory=list)  # "METHOD /path", in order


def _app(hub: FakeHub) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Any:
        hub.calls.append(f"{request.method} {request.url.path}")
        if hub.fail_with is not None:
            return _error(hub.fail_with, "the fake hub was told to fail")
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _error(401, "Invalid credentials in Authorization header")
        return await call_next(request)

    @app.post("/api/repos/create")
    async def create_repo(request: Request) -> JSONResponse:
        body = await request.json()
        repo_id = f"{body.get('organization') or USER}/{body['name']}"
        url = f"{hub.url}/{repo_id}"
        if repo_id in hub.repos:
            return JSONResponse({"error": "You already created this model repo", "url": url}, 409)
        private = body.get("visibility", "private" if body.get("private") else "public")
        hub.repos[repo_id] = FakeRepo(repo_id, private == "private")
        return JSONResponse({"url": url, "name": repo_id})

    @app.post("/api/validate-yaml")
    async def validate_yaml(request: Request) -> JSONResponse:
        content = (await request.json())["content"]
        _, front, _ = content.split("---\n", 2)
        if not isinstance(yaml.safe_load(front), dict):
            return JSONResponse({"errors": [{"message": "metadata is not a mapping"}]}, 400)
        return JSONResponse({"errors": [], "warnings": []})

    @app.post("/api/models/{owner}/{name}/preupload/{revision}")
    async def preupload(owner: str, name: str, revision: str, request: Request) -> JSONResponse:
        if f"{owner}/{name}" not in hub.repos:
            return _error(404, "Repository not found")
        files = (await request.json())["files"]
        return JSONResponse(
            {
                "files": [
                    {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                    for f in files
                ]
            }
        )

    @app.post("/api/models/{owner}/{name}/commit/{revision}")
    async def commit(owner: str, name: str, revision: str, request: Request) -> JSONResponse:
        repo = hub.repos.get(f"{owner}/{name}")
        if repo is None:
            return _error(404, "Repository not found")
        lines = [json.loads(line) for line in (await request.body()).splitlines() if line]
        summary = ""
        for line in lines:
            if line["key"] == "header":
                summary = line["value"]["summary"]
            elif line["key"] == "file":
                value = line["value"]
                assert value["encoding"] == "base64", value
                repo.files[value["path"]] = base64.b64decode(value["content"])
            else:
                return _error(400, f"the fake hub takes no {line['key']} operations")
        oid = hashlib.sha1(f"{repo.repo_id}{len(repo.commits)}".encode()).hexdigest()
        repo.commits.append((oid, summary))
        url = f"{hub.url}/{repo.repo_id}/commit/{oid}"
        return JSONResponse({"commitUrl": url, "commitOid": oid, "pullRequestUrl": None})

    @app.get("/api/models/{owner}/{name}")
    @app.get("/api/models/{owner}/{name}/revision/{revision}")
    async def repo_info(owner: str, name: str, revision: str = "main") -> JSONResponse:
        repo = hub.repos.get(f"{owner}/{name}")
        if repo is None:
            return _error(404, "Repository not found")
        return JSONResponse(
            {
                "id": repo.repo_id,
                "private": repo.private,
                "sha": repo.commits[-1][0] if repo.commits else None,
                "siblings": [{"rfilename": path} for path in sorted(repo.files)],
            }
        )

    return app


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status, headers={"X-Error-Message": message})


@contextmanager
def running_fake_hub() -> Iterator[FakeHub]:
    hub = FakeHub()
    with served_in_thread(_app(hub)) as url:
        hub.url = url
        yield hub
