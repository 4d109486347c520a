"""Who reaches feedback and gaps through the gateway: students of a course rate its
answers, its instructors read and resolve its gaps, and another course's key finds nothing."""

from __future__ import annotations

from tests.unit.gateway.conftest import MakeGateway

RATING = {"question": "What is a TLB?", "answer": "A cache [1].", "rating": "down"}
RESOLVE = {"question_ids": ["q1"]}


def test_a_client_key_rates_its_course_but_neither_reads_nor_resolves_its_gaps(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway()
    client = gateway.key("client", ("c1",))
    assert gateway.http.post("/courses/c1/feedback", json=RATING, headers=client).is_success
    assert gateway.http.get("/courses/c1/gaps", headers=client).status_code == 403
    resolve = gateway.http.post("/courses/c1/gaps/resolve", json=RESOLVE, headers=client)
    assert resolve.status_code == 403
    assert [path for path, _ in gateway.upstream.received] == ["/courses/c1/feedback"]


def test_an_instructor_reads_and_resolves_the_gaps_of_its_own_course(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway()
    instructor = gateway.key("instructor", ("c1",))
    assert gateway.http.get("/courses/c1/gaps", headers=instructor).is_success
    resolve = gateway.http.post("/courses/c1/gaps/resolve", json=RESOLVE, headers=instructor)
    assert resolve.is_success
    assert [p for p, _ in gateway.upstream.received] == [
        "/courses/c1/gaps",
        "/courses/c1/gaps/resolve",
    ]


def test_a_key_of_another_course_gets_404_and_nothing_is_forwarded(
    make_gateway: MakeGateway,
) -> None:
    gateway = make_gateway()
    instructor = gateway.key("instructor", ("c1",))
    assert (
        gateway.http.post("/courses/c2/feedback", json=RATING, headers=instructor).status_code
        == 404
    )
    assert gateway.http.get("/courses/c2/gaps", headers=instructor).status_code == 404
    resolve = gateway.http.post("/courses/c2/gaps/resolve", json=RESOLVE, headers=instructor)
    assert resolve.status_code == 404
    assert gateway.upstream.received == []
