"""Rate limits and body limits on the real stack: two more gateway processes in front of the
stack's services, 10 chat-class requests per key and minute, counted in one Redis DB they
share, as gateway replicas do in production."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
import redis

from services.stack import Stack
from tests.e2e.conftest import JWT_ENV, free_port

REDIS_URL = "redis://127.0.0.1:6379/8"
LIMITED_ENV = {
    **JWT_ENV,
    "BYOSC_GATEWAY__RATE_LIMITS__PER_CLASS": '{"chat": 10}',
    "BYOSC_GATEWAY__RATE_LIMITS__REDIS_URL": REDIS_URL,
}
COURSE = "limits101"
NewKey = Callable[[], str]


@pytest.fixture(scope="module")
def counters() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def gateways(stack: Stack, counters: redis.Redis) -> Iterator[list[str]]:
    """The URLs of two limited gateways."""
    replicas: list[Stack] = []
    try:
        for _ in range(2):
            ports = {**stack.ports, "gateway": free_port()}
            replicas.append(Stack(data_dir=stack.data_dir, ports=ports, extra_env=LIMITED_ENV))
            replicas[-1].start("gateway")
        yield [replica.url("gateway") for replica in replicas]
    finally:
        for replica in replicas:
            replica.stop("gateway")


@pytest.fixture(scope="module")
def new_key(api: httpx.Client) -> NewKey:
    """A new client key for the course, as a bearer token."""
    created = api.post("/courses", json={"id": COURSE, "name": "Limits"})
    assert created.status_code == 201, created.text

    def make() -> str:
        body = {"name": "limits test", "role": "client", "courses": [COURSE]}
        issued = api.post("/keys", json=body)
        assert issued.status_code == 201, issued.text
        return str(issued.json()["token"])

    return make


def _search(gateway: str, token: str) -> httpx.Response:
    return httpx.get(
        f"{gateway}/courses/{COURSE}/search",
        params={"q": "page table"},
        headers={"authorization": f"Bearer {token}"},
        timeout=60.0,
    )


def test_the_eleventh_rapid_search_of_a_key_is_refused_and_others_still_pass(
    gateways: list[str], new_key: NewKey, counters: redis.Redis
) -> None:
    counters.flushdb()
    gateway = gateways[0]
    first, second = new_key(), new_key()
    answers = [_search(gateway, first) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert answers[-1].json()["detail"].startswith("rate limit: 10 chat requests per 60 s")
    # Another key, and another route class for the same key, at the same moment.
    assert _search(gateway, second).status_code == 200
    listing = httpx.get(f"{gateway}/courses", headers={"authorization": f"Bearer {first}"})
    assert listing.status_code == 200
    assert [c["id"] for c in listing.json()] == [COURSE]


def test_replicas_share_one_count_through_redis(
    gateways: list[str], new_key: NewKey, counters: redis.Redis
) -> None:
    counters.flushdb()
    token = new_key()
    codes = [_search(gateways[0], token).status_code for _ in range(6)]
    codes += [_search(gateways[1], token).status_code for _ in range(5)]
    assert codes == [200] * 10 + [429]


def _chat_body(size: int) -> bytes:
    head = f'{{"course_id": "{COURSE}", "messages": [{{"role": "user", "content": "'.encode()
    tail = b'"}]}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def _chunked(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


def test_an_oversized_chat_body_gets_413_through_the_gateway(
    stack: Stack, admin_token: str, new_key: NewKey
) -> None:
    limit = 1024 * 1024  # the default gateway.max_body_bytes
    body = _chat_body(limit + 100 * 1024)
    over = {"detail": f"request body over {limit} bytes"}
    with httpx.Client(base_url=stack.url("gateway"), timeout=60.0) as gateway:
        # By its Content-Length; then chunked, streamed on to the inference service (admin
        # key) or read by the guard for its course (client key) when the limit is crossed.
        for token, content in [
            (admin_token, body),
            (admin_token, _chunked(body)),
            (new_key(), _chunked(body)),
        ]:
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            refused = gateway.post("/chat", content=content, headers=headers)
            assert (refused.status_code, refused.json()) == (413, over)
        # The gateway and the connection pool to its services took no harm.
        search = gateway.get(
            f"/courses/{COURSE}/search",
            params={"q": "x"},
            headers={"authorization": f"Bearer {admin_token}"},
        )
        assert search.status_code == 200
