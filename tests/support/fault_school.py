"""A class under load while something breaks: shared by the fault suites.

A `School` is a running stack, a course the class studies (3 documents and a dataset
version), an admin client and a key per student. `run_fault` starts the class (16 students
chatting and searching) and a refresh of 30 documents of a new course, breaks something,
watches the gateway's /readyz while it is broken, mends it, and then checks what every fault
must leave: the refresh has ended (succeeded, or partial/failed with a reason and then
succeeds when asked again), the index holds every chunk of every document exactly once, no
key, course, job or dataset row is gone, chats during the fault were answered 200 (degraded
allowed) or 503 within CHAT_PATIENCE_S, a normal answer came within RECOVERY_LIMIT_S once
the class stopped, and /readyz is ok after."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.common import write_result
from services.stack import Stack
from tests.support.class_load import ClassLoad

CLASS_COURSE = "faultclass"
STUDENTS = 16
DOCUMENTS = 30
RECOVERY_LIMIT_S = 60.0
MODEL_WAIT_S = 20
# A chat queued behind the embedded bound (4 running, 8 waiting) waits up to two rounds of
# MODEL_WAIT_S before its own: past this it counts as hung.
CHAT_PATIENCE_S = 90.0
JOB_LIMIT_S = 120.0
DEAD_FOR_S = 4.0  # how long a killed process stays dead while /readyz is watched
TOPICS = [
    "pipelining", "caching", "paging", "deadlocks", "semaphores", "scheduling", "interrupts",
    "filesystems", "journaling", "virtualisation", "containers", "sockets", "routing",
    "congestion", "consensus", "replication", "sharding", "indexing", "transactions",
    "isolation", "compilers", "parsing", "registers", "linkers", "loaders", "garbage",
    "hashing", "sorting", "graphs", "heaps",
]  # fmt: skip


def lecture(n: int, topic: str) -> bytes:
    """A short note of its own: distinct words, so no two documents share a chunk."""
    paragraphs = [
        f"# Lecture {n}: {topic}\n",
        f"Lecture {n} introduces {topic}. Students of {topic} first meet the idea of "
        f"{topic} number {n} and the reasons engineers reach for it.\n",
        f"A worked example of {topic} ({n}) follows, with the costs of {topic} in time "
        f"and space, and the trade-offs that lecture {n} asks students to weigh.\n",
    ]
    return "\n".join(paragraphs).encode()


# A chat waits at most this long for the model server, then answers degraded: on two cores
# 16 students queue long enough on it to pass any client's patience. 429s are not what the
# faults are about, so per-key limits are off.
STACK_ENV = {
    "BYOSC_GATEWAY__RATE_LIMITS__ENABLED": "false",
    "BYOSC_LLM__TIMEOUT_S": str(MODEL_WAIT_S),
}


@dataclass
class School:
    stack: Stack
    admin: httpx.Client
    tokens: list[str]
    questions: list[str]
    job_ids: list[str] = field(default_factory=list)
    recovery: dict[str, dict[str, Any]] = field(default_factory=dict)


@contextmanager
def open_school(stack: Stack, admin_token: str, results: str) -> Iterator[School]:
    """The class's course, a key for each student and a dataset version, on a running stack;
    the recovery figures of the faults run on it go to bench/results/`results`.json."""
    headers = {"authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=stack.url("gateway"), headers=headers, timeout=120) as admin:
        made = admin.post("/courses", json={"id": CLASS_COURSE, "name": "Class"})
        assert made.status_code == 201, made.text
        files = [("files", (f"{t}.md", lecture(n, t), "text/markdown")) for n, t in
                 enumerate(TOPICS[:3])]  # fmt: skip
        uploaded = admin.post(
            f"/courses/{CLASS_COURSE}/documents", files=files, params={"wait_s": 300}
        )
        assert uploaded.json()["job"]["state"] == "succeeded", uploaded.text
        tokens = [
            admin.post(
                "/keys",
                json={"name": f"student {n}", "role": "client", "courses": [CLASS_COURSE]},
            ).json()["token"]
            for n in range(STUDENTS)
        ]
        questions = [f"What are the costs of {t}?" for t in TOPICS[:3]]
        school = School(stack, admin, tokens, questions, [uploaded.json()["job_id"]])
        # A dataset version too: its row is one a fault must not lose.
        dataset = admin.post(f"/courses/{CLASS_COURSE}/datasets")
        assert dataset.status_code == 202, dataset.text
        school.job_ids.append(dataset_job := dataset.json()["job_id"])
        assert wait_for(school, dataset_job, finished, JOB_LIMIT_S)["state"] == "succeeded"
        try:
            yield school
        finally:
            if school.recovery:
                figures = {"recovery_limit_s": RECOVERY_LIMIT_S, "faults": school.recovery}
                write_result(results, figures)


def upload_thirty(school: School, course_id: str) -> str:
    """A new course and its 30 documents, uploaded without waiting: the refresh runs on."""
    made = school.admin.post("/courses", json={"id": course_id, "name": course_id})
    assert made.status_code == 201, made.text
    files = [("files", (f"{t}.md", lecture(n, t), "text/markdown")) for n, t in enumerate(TOPICS)]
    uploaded = school.admin.post(f"/courses/{course_id}/documents", files=files)
    assert uploaded.status_code == 202, uploaded.text
    school.job_ids.append(job_id := uploaded.json()["job_id"])
    return str(job_id)


def job(school: School, job_id: str) -> dict[str, Any]:
    response = school.admin.get(f"/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_for(school: School, job_id: str, done: Any, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while not done(state := job(school, job_id)):
        assert time.monotonic() < deadline, f"job {job_id} still {state['state']}: {state}"
        time.sleep(0.2)
    return state


def finished(state: dict[str, Any]) -> bool:
    return state["state"] in ("succeeded", "partial", "failed", "cancelled")


def rows(school: School) -> dict[str, set[str]]:
    """The rows a fault must not lose: keys, courses, the jobs made so far, dataset versions."""
    keys = {k["id"] for k in school.admin.get("/keys").json()}
    courses = {c["id"] for c in school.admin.get("/courses").json()}
    jobs = {j for j in school.job_ids if school.admin.get(f"/jobs/{j}").status_code == 200}
    listed = school.admin.get(f"/courses/{CLASS_COURSE}/datasets").json()
    datasets = {str(d["version"]) for d in listed}
    assert datasets, "no dataset version to keep"
    return {"keys": keys, "courses": courses, "jobs": jobs, "datasets": datasets}


def assert_every_chunk_once(school: School, course_id: str) -> int:
    """Each document's passages are the ones its row counts, each position once (a chunk
    indexed twice repeats its position), and no two documents share a passage."""
    documents = school.admin.get(f"/courses/{course_id}/documents").json()
    assert len(documents) == DOCUMENTS
    texts: list[str] = []
    for document in documents:
        path = f"/courses/{course_id}/documents/{document['id']}/chunks"
        chunks = school.admin.get(path).json()
        assert document["chunks"] > 0, document["filename"]
        positions = sorted(c["index"] for c in chunks)
        assert positions == list(range(document["chunks"])), document["filename"]
        texts += [c["text"] for c in chunks]
    assert len(texts) == len(set(texts)), "a passage is indexed twice"
    return len(texts)


def watch_readiness(school: School, seconds: float) -> list[dict[str, Any]]:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = httpx.get(f"{school.stack.url('gateway')}/readyz", timeout=10)
        seen.append({"code": response.status_code, **response.json()})
        time.sleep(0.5)
    return seen


def seconds_to_a_normal_answer(school: School) -> float | None:
    started = time.monotonic()
    body = {
        "course_id": CLASS_COURSE,
        "messages": [{"role": "user", "content": school.questions[0]}],
        "max_tokens": 8,
    }
    while time.monotonic() - started < RECOVERY_LIMIT_S:
        response = school.admin.post("/chat", json=body)
        if response.status_code == 200 and not response.json().get("degraded"):
            return round(time.monotonic() - started, 2)
        time.sleep(0.5)
    return None


def run_fault(
    school: School,
    name: str,
    course_id: str,
    break_it: Callable[[], object],
    mend_it: Callable[[], object],
) -> dict[str, Any]:
    """Breaks something (`break_it`) once the refresh runs, under load, watches /readyz for
    DEAD_FOR_S, mends it; then checks what every fault must leave behind and records."""
    before = rows(school)
    gateway = school.stack.url("gateway")
    students = ClassLoad(gateway, school.tokens, CLASS_COURSE, school.questions, CHAT_PATIENCE_S)
    with students as load:
        job_id = upload_thirty(school, course_id)
        wait_for(school, job_id, lambda s: s["state"] == "running" or finished(s), 60)
        time.sleep(1.0)  # the refresh is under way
        killed = time.monotonic()
        break_it()
        readiness = watch_readiness(school, DEAD_FOR_S)
        mend_it()
        restarted = time.monotonic()
        time.sleep(2.0)  # the class goes on a moment with the service back
    during = load.between(killed, time.monotonic())
    # Measured with the class gone: on two cores 16 students keep the model server too busy
    # to answer within its timeout, and their chats are degraded with or without a fault.
    class_gone = time.monotonic()
    recovery_s = seconds_to_a_normal_answer(school)
    ended = wait_for(school, job_id, finished, JOB_LIMIT_S)
    if ended["state"] != "succeeded":
        # A document that could not be indexed while the fault lasted says why, and a
        # refresh after it indexes the rest.
        unexplained = [
            i["filename"] for i in ended["items"] if i["state"] == "failed" and not i["error"]
        ]
        assert ended["error"] or (ended["state"] == "partial" and not unexplained), ended
        again = school.admin.post(f"/courses/{course_id}/refresh").json()["job_id"]
        school.job_ids.append(again)
        assert wait_for(school, again, finished, JOB_LIMIT_S)["state"] == "succeeded"
    chunks = assert_every_chunk_once(school, course_id)
    after = rows(school)
    for kind, ids in before.items():
        assert ids <= after[kind], f"{kind} lost: {ids - after[kind]}"
    after_ready = httpx.get(f"{school.stack.url('gateway')}/readyz", timeout=10).json()
    record = {
        "restart_s": round(restarted - killed - DEAD_FOR_S, 2),
        # From the restart: the class's last requests drain first.
        "normal_answer_after_restart_s": recovery_s
        and round(class_gone - restarted + recovery_s, 2),
        "normal_answer_after_class_stopped_s": recovery_s,
        "job": ended["state"],
        "documents_failed_during": ended["progress"].get("failed", 0),
        "chunks": chunks,
        "chats_during": len([a for a in during if a.route == "chat"]),
        "statuses_during": sorted({f"{a.route} {a.status or a.error}" for a in during}),
        "degraded_during": sum(bool(a.degraded) for a in during),
        "readyz_while_dead": [(r["code"], r["status"]) for r in readiness],
        "readyz_after": after_ready["status"],
    }
    school.recovery[name] = record
    print(name, record)
    assert recovery_s is not None, f"no normal answer within {RECOVERY_LIMIT_S}s of the restart"
    unexpected = [a for a in during if a.status not in (200, 503)]
    assert unexpected == [], f"answers other than 200 or 503: {unexpected[:5]}"
    assert after_ready["status"] == "ok", after_ready
    return {"readiness": readiness, "record": record}
