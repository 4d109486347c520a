"""While the metadata database does not answer (a restart, a failover) every service answers
503 with Retry-After, in this API's shape and in OpenAI's on /v1/, instead of a 500; against
a real unreachable PostgreSQL address."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.web import DATABASE_RETRY_AFTER_S, install_common
from tests.support.modelserver import free_port


def _app() -> FastAPI:
    # Nothing listens on this port: connecting fails as it does while PostgreSQL restarts.
    engine = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    app = FastAPI()
    install_common(app, "probe")

    def read() -> dict[str, int]:
        with engine.connect() as connection:
            return {"n": connection.execute(sa.text("SELECT 1")).scalar_one()}

    app.get("/courses")(read)
    app.post("/v1/chat/completions")(read)
    return app


def test_an_unreachable_database_is_a_503_with_retry_after_not_a_500() -> None:
    with TestClient(_app(), raise_server_exceptions=False) as client:
        answered = client.get("/courses")
        assert answered.status_code == 503
        assert answered.headers["retry-after"] == str(DATABASE_RETRY_AFTER_S)
        assert "metadata database is not answering" in answered.json()["detail"]
        openai = client.post("/v1/chat/completions", json={})
        assert openai.status_code == 503
        assert openai.json()["error"]["type"] == "server_error"
