"""End to end through the gateway, over HTTP, against separately running services."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from byosc.domain import SLIDE_DECK
from services.stack import Stack
from tests.support.pdfs import make_pdf

PAGES = [
    "Course logistics. Lectures are on Mondays. The final exam is worth forty percent.",
    "Deadlocks need four conditions: mutual exclusion, hold and wait, no preemption and "
    "circular wait.",
    "The Zorbly cache is a small memory that stores recent address translations. "
    "A Zorbly hit takes two nanoseconds.",
    "Disk scheduling. The elevator algorithm serves requests in one direction first.",
]


@pytest.fixture(scope="module")
def course(api: httpx.Client) -> str:
    assert (
        api.post("/courses", json={"id": "os101", "name": "Operating Systems"}).status_code == 201
    )
    files = [
        ("files", ("handout.pdf", make_pdf(PAGES), "application/pdf")),
        (
            "files",
            ("notes.md", b"# Threads\n\nA thread is a unit of execution.\n", "text/markdown"),
        ),
        ("files", ("fake.pdf", b"this is plain text pretending", "application/pdf")),
        ("files", ("empty.txt", b"", "text/plain")),
    ]
    response = api.post("/courses/os101/documents", files=files, params={"wait_s": 120})
    assert response.status_code == 200, response.text
    # Content no refresh could ingest is refused at once, and never enters the course.
    assert {e["filename"] for e in response.json()["refused"]} == {"fake.pdf", "empty.txt"}
    assert response.json()["job"]["state"] == "succeeded"
    documents = api.get("/courses/os101/documents").json()
    assert sorted(d["filename"] for d in documents) == ["handout.pdf", "notes.md"]
    return "os101"


def _ask(question: str, **extra: object) -> dict[str, object]:
    return {
        "course_id": "os101",
        "messages": [{"role": "user", "content": question}],
        "max_tokens": 24,
        **extra,
    }


def test_the_gateway_and_every_service_report_healthy(stack: Stack, api: httpx.Client) -> None:
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == dict.fromkeys(
        ["database", "ingest", "inference", "trainer"], "ok"
    )
    expected = {
        "ingest": {"database", "broker", "index", "workers", "storage"},
        "inference": {"database", "index", "model_server", "adapters", "storage"},
        "trainer": {"database", "broker", "model_server"},
        "modelserver": {"engine"},
    }
    for service, dependencies in expected.items():
        assert httpx.get(f"{stack.url(service)}/healthz").status_code == 200
        body = httpx.get(f"{stack.url(service)}/readyz", timeout=10).json()
        assert body["status"] == "ok", body
        assert body["checks"] == dict.fromkeys(dependencies, "ok"), service


def test_chat_cites_the_pdf_page_that_holds_the_answer(api: httpx.Client, course: str) -> None:
    response = api.post("/chat", json=_ask("How long does a Zorbly hit take?"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"]
    first = body["citations"][0]
    assert (first["filename"], first["page"]) == ("handout.pdf", 3)
    assert "Zorbly" in first["snippet"]
    assert body["model"] == "smollm2-135m-instruct"
    # The citation opens the original through the gateway, whole or by range (viewers seek).
    path, _, place = first["url"].partition("#")
    assert (path, place) == (f"/courses/os101/documents/{first['document_id']}/file", "page=3")
    original = api.get(path)
    assert original.status_code == 200 and original.content == make_pdf(PAGES)
    assert original.headers["content-type"] == "application/pdf"
    head = api.get(path, headers={"range": "bytes=0-4"})
    assert (head.status_code, head.content) == (206, b"%PDF-")


def test_chat_streams_server_sent_events_through_the_gateway(
    api: httpx.Client, course: str
) -> None:
    events: list[tuple[str, str]] = []
    with api.stream(
        "POST", "/chat", json=_ask("What are the deadlock conditions?", stream=True)
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = ""
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((kind, line.removeprefix("data: ")))
    assert events[-1][0] == "done"
    deltas = "".join(json.loads(d)["text"] for k, d in events if k == "delta")
    done = json.loads(events[-1][1])
    assert deltas.strip() and done["answer"]
    assert done["citations"][0]["page"] == 2
    usage = done["usage"]
    assert usage["prompt_tokens"] > 50 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_search_ranks_the_matching_chunk_first(api: httpx.Client, course: str) -> None:
    hits = api.get("/courses/os101/search", params={"q": "elevator algorithm"}).json()
    assert hits[0]["chunk"]["page"] == 4


def test_unknown_courses_are_404_everywhere(api: httpx.Client, course: str) -> None:
    assert api.get("/courses/nope").status_code == 404
    assert api.get("/courses/nope/search", params={"q": "x"}).status_code == 404
    assert api.post("/chat", json={**_ask("hi"), "course_id": "nope"}).status_code == 404
    files = [("files", ("a.txt", b"hello", "text/plain"))]
    assert api.post("/courses/nope/documents", files=files).status_code == 404
    assert api.post("/courses/nope/refresh").status_code == 404
    assert api.get("/jobs/0123456789abcdef").status_code == 404


def test_uploading_the_same_file_again_changes_nothing(api: httpx.Client, course: str) -> None:
    before = api.get("/courses/os101/search", params={"q": "elevator", "limit": 100}).json()
    files = [("files", ("handout.pdf", make_pdf(PAGES), "application/pdf"))]
    again = api.post("/courses/os101/documents", files=files, params={"wait_s": 120})
    assert again.status_code == 200, again.text
    changes = again.json()["job"]["changes"]
    assert (changes["added"], changes["updated"], changes["unchanged"]) == (0, 0, 2)
    after = api.get("/courses/os101/search", params={"q": "elevator", "limit": 100}).json()
    assert len(after) == len(before)


def test_a_refresh_is_accepted_and_watched_through_the_gateway(
    api: httpx.Client, course: str
) -> None:
    job = _refreshed(api, "os101")
    assert job["progress"]["done"] == job["progress"]["total"] == 2
    assert job["changes"]["unchanged"] == 2 and job["state"] == "succeeded"
    assert all("attempts" in item and "timings" in item for item in job["items"])


def _refreshed(api: httpx.Client, course_id: str) -> dict[str, Any]:
    """The course's refresh, asked for through the gateway and watched until it ends."""
    accepted = api.post(f"/courses/{course_id}/refresh")
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    deadline = time.monotonic() + 120
    while (job := api.get(f"/jobs/{job_id}").json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    return dict(job)


def test_a_refused_upload_is_skipped_by_later_refreshes_and_deleted_through_the_gateway(
    api: httpx.Client,
) -> None:
    assert api.post("/courses", json={"id": "del101", "name": "Deletions"}).status_code == 201
    long_name = "lecture-" + "x" * 300 + ".md"
    files = [
        ("files", (long_name, b"# Paging\n\nA page table maps pages to frames.\n")),
        ("files", ("broken.pdf", b"%PDF-1.4\nnot the rest of a PDF\n", "application/pdf")),
    ]
    uploaded = api.post("/courses/del101/documents", files=files, params={"wait_s": 120})
    assert uploaded.status_code == 200, uploaded.text
    stored = uploaded.json()["renamed"][long_name]
    assert stored.endswith(".md") and len(stored) < len(long_name)
    [error] = uploaded.json()["job"]["errors"]
    assert error["filename"] == "broken.pdf" and error["document_id"]

    again = _refreshed(api, "del101")
    assert again["state"] == "succeeded" and not again["errors"]

    for document_id in (error["document_id"], api.get("/courses/del101/documents").json()[0]["id"]):
        deleted = api.delete(f"/courses/del101/documents/{document_id}")
        assert deleted.status_code == 204, deleted.text
    assert api.get("/courses/del101/documents").json() == []
    assert api.get("/courses/del101/search", params={"q": "page table"}).json() == []
    assert _refreshed(api, "del101")["progress"]["total"] == 0


def test_courses_take_a_source_and_refuse_folders_outside_the_allowed_roots(
    api: httpx.Client,
) -> None:
    local = {"kind": "local", "path": "/etc"}
    refused = api.post("/courses", json={"id": "etc", "name": "Etc", "source": local})
    assert refused.status_code == 422
    assert "local folder sources are disabled" in refused.json()["detail"]
    drive = {"kind": "gdrive", "folder_id": "1AbCdEfGhIjKlMnOpQrStUv"}
    created = api.post("/courses", json={"id": "drive", "name": "Drive", "source": drive})
    assert created.status_code == 201, created.text
    assert created.json()["source"]["folder_id"] == drive["folder_id"]
    url = {"kind": "gdrive", "folder_id": "https://drive.google.com/drive/folders/x"}
    assert api.post("/courses", json={"id": "url", "name": "Url", "source": url}).status_code == 422


def test_chat_answers_with_cited_passages_when_the_model_server_is_down(
    stack: Stack, api: httpx.Client, course: str
) -> None:
    stack.stop("modelserver")
    try:
        response = api.post("/chat", json=_ask("What is a thread?"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["degraded"] is True and body["model"] == "none"
        assert "unavailable" in body["answer"] and body["citations"]
        streamed = api.post("/chat", json=_ask("What is a thread?", stream=True))
        assert streamed.status_code == 200
        done = streamed.text.split("event: done\ndata: ", 1)[1]
        assert json.loads(done)["degraded"] is True
    finally:
        stack.start("modelserver")
    deadline = time.monotonic() + 180  # the chat's circuit breaker may still be open
    while (answered := api.post("/chat", json=_ask("What is a thread?")).json())["degraded"]:
        assert time.monotonic() < deadline, "chat stayed degraded after the server came back"
        time.sleep(1.0)
    assert answered["model"] != "none"


def test_chat_cites_a_recording_by_time_span_and_a_deck_by_slide(api: httpx.Client) -> None:
    material = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
    assert api.post("/courses", json={"id": "cs140", "name": "OS"}).status_code == 201
    files = [
        ("files", (name, (material / name).read_bytes(), "application/octet-stream"))
        for name in ("04-deadlocks-lecture.mp3", "05-file-systems.pptx")
    ]
    uploaded = api.post("/courses/cs140/documents", files=files, params={"wait_s": 240})
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["job"]["state"] == "succeeded"

    def cited(question: str, filename: str) -> dict[str, object]:
        body = {**_ask(question), "course_id": "cs140"}
        response = api.post("/chat", json=body)
        assert response.status_code == 200, response.text
        matching = [c for c in response.json()["citations"] if c["filename"] == filename]
        assert matching, response.json()["citations"]
        return matching[0]

    spoken = cited("What are the four conditions for a deadlock?", "04-deadlocks-lecture.mp3")
    assert isinstance(spoken["start_s"], float) and isinstance(spoken["end_s"], float)
    assert spoken["start_s"] < 20.0 < spoken["end_s"]  # the conditions are spoken from 0:20
    slide = cited(
        "How large is the free-space bitmap of a 1 TB disk with 4 KB blocks?",
        "05-file-systems.pptx",
    )
    assert slide["page"] == 5
    assert slide["media_type"] == SLIDE_DECK


def test_a_quiz_through_the_gateway_is_cited_and_grades_its_own_answers(
    api: httpx.Client, course: str, bearer_client: Callable[[str], httpx.Client]
) -> None:
    key = api.post("/keys", json={"name": "quiz", "role": "client", "courses": [course]})
    client = bearer_client(key.json()["token"])
    response = client.post(f"/courses/{course}/quiz", json={"n": 3})
    assert response.status_code == 200, response.text
    quiz = response.json()
    questions = quiz["questions"]
    # This small course states few facts cleanly: fewer questions than asked, and a note.
    assert 1 <= len({q["question"] for q in questions}) == len(questions) < 3
    assert quiz["note"]
    assert all(q["citations"] and q["answer"] for q in questions)
    grade = f"/courses/{course}/quiz/grade"
    banana = {q["id"]: "banana" for q in questions}
    forged = [{**q, "answer": "banana"} for q in questions]
    assert client.post(grade, json={"questions": forged, "answers": banana}).status_code == 422
    graded = client.post(grade, json={"quiz_id": quiz["quiz_id"], "answers": banana})
    assert graded.status_code == 200 and graded.json()["score"] == 0
    answers = {q["id"]: q["answer"] for q in questions}
    graded = client.post(grade, json={"quiz_id": quiz["quiz_id"], "answers": answers})
    assert graded.status_code == 200, graded.text
    assert graded.json()["score"] == graded.json()["max_score"] == len(questions)
    assert api.post("/courses/nope/quiz", json={"n": 2}).status_code == 404


def test_an_instruction_dataset_is_generated_listed_and_exported_through_the_gateway(
    api: httpx.Client, course: str
) -> None:
    started = api.post(f"/courses/{course}/datasets")
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    deadline = time.monotonic() + 120
    while (job := api.get(f"/jobs/{job_id}").json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.25)
    assert job["kind"] == "dataset" and job["state"] == "succeeded", job
    versions = api.get(f"/courses/{course}/datasets").json()
    latest = versions[0]
    assert latest["pairs"] > 0 and latest["report"]["kept"] + latest["report"]["reused"] > 0
    detail = api.get(f"/courses/{course}/datasets/{latest['version']}").json()
    assert detail["sample"] and all(p["course_id"] == course for p in detail["sample"])
    exported = api.get(f"/courses/{course}/datasets/{latest['version']}/export")
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in exported.text.splitlines()]
    assert len(records) == latest["pairs"]
    assert [m["role"] for m in records[0]["messages"]] == ["system", "user", "assistant"]
    assert api.get(f"/courses/{course}/datasets/99").status_code == 404
    assert api.post("/courses/nope/datasets").status_code == 404


def test_training_requests_reach_the_trainer_through_the_gateway(
    api: httpx.Client, course: str
) -> None:
    bad = api.post(f"/courses/{course}/train", json={"hyperparameters": {"rank": 0}})
    assert bad.status_code == 422 and "rank" in bad.text
    assert api.post("/courses/nope/train", json={}).status_code == 404
    assert api.get(f"/courses/{course}/adapters").json() == []
