"""The student's web app in headless Chromium, against the real stack: ask, watch the answer
stream, open its sources at the cited page and second, take a quiz, rate an answer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.stack import Stack
from tests.e2e.test_jwt import mint
from tests.support.browser import (
    DESKTOP,
    PHONE,
    fits_width,
    screenshot,
    serious_violations,
    sign_in,
)

pytestmark = pytest.mark.slow
MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
COURSE = "web101"
# Records how the answer's text grows, to tell a streamed answer from one that arrives whole.
WATCH_ANSWER = """() => {
  window.answerLengths = [];
  new MutationObserver(() => {
    const text = document.querySelector('.answer:last-of-type .text');
    if (text) window.answerLengths.push(text.textContent.length);
  }).observe(document.querySelector('.log'), {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def student_token(api: httpx.Client) -> str:
    """A client key for a course holding a PDF and a recording."""
    created = api.post("/courses", json={"id": COURSE, "name": "Memory & <Deadlocks>"})
    assert created.status_code == 201, created.text
    files = [
        ("files", (name, (MATERIAL / name).read_bytes(), "application/octet-stream"))
        for name in ("03-memory-management.pdf", "04-deadlocks-lecture.mp3")
    ]
    uploaded = api.post(f"/courses/{COURSE}/documents", files=files, params={"wait_s": 240})
    assert uploaded.status_code == 200 and uploaded.json()["job"]["state"] == "succeeded"
    issued = api.post("/keys", json={"name": "student", "role": "client", "courses": [COURSE]})
    assert issued.status_code == 201, issued.text
    return str(issued.json()["token"])


@pytest.fixture
def page(browser: Any, stack: Stack, student_token: str) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, stack.url("gateway"), student_token)
    page.get_by_label("Course").locator("option").first.wait_for(state="attached")
    yield page
    context.close()


def ask(page: Any, question: str) -> Any:
    """Asks and waits for the answer to finish; returns the answer's element."""
    count = page.locator(".answer").count()
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    answer = page.locator(".answer").nth(count)
    answer.and_(page.locator("[aria-busy=false]")).wait_for(timeout=180_000)
    return answer


def test_an_answer_streams_in_and_its_pdf_citation_opens_the_file_at_the_cited_page(
    page: Any,
) -> None:
    assert page.get_by_label("Course").input_value() == COURSE
    # Names are shown as text, never parsed as markup.
    assert "Memory & <Deadlocks> (web101)" in page.get_by_label("Course").inner_text()
    page.evaluate(WATCH_ANSWER)
    answer = ask(page, "What does the TLB cache, and what is its hit ratio used for?")
    lengths = [n for n in page.evaluate("window.answerLengths") if n > 0]
    assert len(set(lengths)) > 1, "the answer arrived in one piece, not streamed"
    assert not answer.locator(".kind").count(), answer.inner_text()
    link = answer.locator("a.citation[data-url*='#page=']").first
    url = link.get_attribute("data-url")
    match = re.fullmatch(r"/courses/web101/documents/[^/]+/file#page=(\d+)", url)
    assert match, url
    with page.expect_response(lambda r: r.url.endswith(url.split("#")[0])) as served:
        link.click()
    assert served.value.status == 200
    assert served.value.headers["content-type"] == "application/pdf"
    frame = page.locator("iframe.pdf")
    frame.wait_for()
    assert re.fullmatch(rf"blob:.+#page={match.group(1)}", frame.get_attribute("src"))
    assert not serious_violations(page)
    screenshot(page, "student-desktop")


def test_a_recording_citation_starts_the_player_at_the_cited_second(page: Any) -> None:
    answer = ask(page, "What are the four conditions for a deadlock?")
    link = answer.locator("a.citation[data-url*='#t=']").first
    start = float(link.get_attribute("data-url").split("#t=")[1].split(",")[0])
    link.click()
    player = page.locator("audio.player")
    player.wait_for()
    page.wait_for_function(
        "start => Math.abs(document.querySelector('audio.player').currentTime - start) < 1.5",
        arg=start,
        timeout=30_000,
    )


def test_a_question_the_material_does_not_cover_is_marked_and_rated_down_with_a_reason(
    page: Any, api: httpx.Client
) -> None:
    answer = ask(page, "Who painted the Mona Lisa in Florence?")
    assert "not-covered" in (answer.get_attribute("class") or "")
    assert "Not in the course material" in answer.locator(".kind").inner_text()
    answer.get_by_role("button", name="Not helpful").click()
    answer.get_by_label("Reason").fill("nothing about painters")
    answer.get_by_role("button", name="Send").click()
    answer.get_by_text("your feedback was saved").wait_for()
    groups = api.get(f"/courses/{COURSE}/gaps").json()["groups"]
    mona_lisa = [g for g in groups if "Mona Lisa" in g["representative"]]
    assert mona_lisa and "nothing about painters" in mona_lisa[0]["reasons"], groups


def test_a_quiz_is_made_answered_and_graded_with_its_sources(page: Any) -> None:
    page.get_by_role("button", name="Take a quiz").click()
    page.get_by_label("Topic").fill("deadlock")
    page.get_by_label("Questions").fill("2")
    page.get_by_role("button", name="Make a quiz").click()
    questions = page.locator("fieldset.question")
    questions.first.wait_for(timeout=120_000)
    for i in range(questions.count()):
        question = questions.nth(i)
        if question.locator("input[type=radio]").count():
            question.locator("input[type=radio]").first.check()
        else:
            question.get_by_label("Your answer").fill("mutual exclusion")
    page.get_by_role("button", name="Grade my answers").click()
    page.get_by_text(re.compile(r"Score: [\d.]+ of \d|Not graded")).wait_for(timeout=60_000)
    assert re.search(rf"Score: [\d.]+ of {questions.count()}", page.inner_text(".quiz-form"))
    assert page.locator(".grade").count() == questions.count()
    assert page.locator(".grade a.citation").count() >= 1
    assert not serious_violations(page)


def test_a_cut_stream_keeps_what_arrived_and_offers_a_retry(page: Any) -> None:
    partial = 'event: delta\ndata: {"text": "Partial answer so far"}\n\n'
    page.route(
        "**/chat",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=partial),
    )
    answer = ask(page, "What is paging?")
    assert "Partial answer so far" in answer.inner_text()
    assert "cut" in (answer.get_attribute("class") or "")
    page.unroute("**/chat")
    answer.get_by_role("button", name="Retry").click()
    retried = page.locator(".answer").last
    retried.and_(page.locator("[aria-busy=false]")).wait_for(timeout=180_000)
    assert "cut" not in (retried.get_attribute("class") or "")
    assert retried.locator("a.citation").count() >= 1


def test_a_revoked_key_sends_the_student_back_to_sign_in_with_a_reason(
    browser: Any, stack: Stack, api: httpx.Client, student_token: str
) -> None:
    issued = api.post("/keys", json={"name": "phone", "role": "client", "courses": [COURSE]})
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, stack.url("gateway"), issued.json()["token"])
    page.get_by_label("Course").locator("option").first.wait_for(state="attached")
    ask(page, "What is Belady's anomaly?")
    assert fits_width(page)
    screenshot(page, "student-phone")
    assert not serious_violations(page)
    assert api.delete(f"/keys/{issued.json()['key']['id']}").status_code == 200
    page.get_by_role("button", name="Take a quiz").click()  # any request now meets the revoked key
    page.get_by_role("button", name="Make a quiz").click()
    message = page.locator("#sign-in-message")
    message.wait_for()
    assert "refused the key" in message.inner_text()
    assert page.evaluate("sessionStorage.getItem('byosc.token')") is None
    context.close()


def test_the_page_is_served_with_a_strict_content_security_policy(stack: Stack) -> None:
    page = httpx.get(stack.url("gateway") + "/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    script = httpx.get(stack.url("gateway") + "/web/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert httpx.get(stack.url("gateway") + "/web/../byosc.db").status_code == 404


def test_an_lms_token_signs_the_student_in_to_its_course_and_an_expired_one_is_refused(
    browser: Any, stack: Stack, student_token: str
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, stack.url("gateway"), mint(courses=[COURSE]))
    page.get_by_label("Course").locator("option").first.wait_for(state="attached")
    assert page.get_by_label("Course").locator("option").all_inner_texts() == [
        "Memory & <Deadlocks> (web101)"
    ]
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key or token").fill(mint(exp=int(time.time()) - 60))
    page.get_by_role("button", name="Sign in").click()
    message = page.locator("#sign-in-message").filter(has_text="refused the key")
    message.wait_for()
    assert "expired" in message.inner_text().lower()
    context.close()
