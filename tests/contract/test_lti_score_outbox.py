"""The score outbox, on SQLite and PostgreSQL: a recorded grade is due at once and taken by
one sender only, a retry waits, a grade recorded again is pending again, and the rows go
with their course."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from byosc.catalog.sql import SqlCatalog, open_engine
from byosc.domain import Course
from byosc.lti.score_outbox import ScoreToSend, SqlScoreOutbox


@pytest.fixture
def catalog(database_url: str) -> Iterator[SqlCatalog]:
    catalog = SqlCatalog(open_engine(database_url))
    catalog.create_course(Course(id="cs140", name="Operating Systems"))
    yield catalog
    catalog.close()


@pytest.fixture
def outbox(catalog: SqlCatalog) -> SqlScoreOutbox:
    return SqlScoreOutbox(catalog.engine)


def score(quiz_id: str = "q1", given: float = 3.0) -> ScoreToSend:
    return ScoreToSend(
        quiz_id=quiz_id,
        course_id="cs140",
        platform_id="p1",
        user_sub="s-1",
        resource_link_id="link-1",
        ags={"lineitems": "https://lms.example.edu/lineitems"},
        label="Practice quiz",
        score_given=given,
        score_maximum=4,
    )


def test_a_recorded_grade_is_pending_and_taken_by_one_sender_only(outbox: SqlScoreOutbox) -> None:
    entry = outbox.record(score())
    assert (entry.state, entry.attempts, entry.last_error) == ("pending", 0, None)
    [taken] = outbox.claim_due(lease_s=60)
    assert taken.quiz_id == "q1" and taken.ags["lineitems"].endswith("/lineitems")
    assert outbox.claim_due(lease_s=60) == []


def test_a_retry_waits_and_keeps_its_reason_and_tries(outbox: SqlScoreOutbox) -> None:
    outbox.record(score())
    outbox.claim_due(lease_s=60)
    outbox.retry("q1", "score: HTTP 503", attempts=1, delay_s=3600, line_item_url="https://l/1")
    assert outbox.claim_due(lease_s=60) == []
    entry = outbox.get("q1")
    assert (entry.state, entry.attempts, entry.last_error) == ("pending", 1, "score: HTTP 503")
    assert entry.line_item_url == "https://l/1"
    outbox.retry("q1", "score: timed out", attempts=2, delay_s=0, line_item_url="https://l/1")
    assert [e.attempts for e in outbox.claim_due(lease_s=60)] == [2]


def test_a_grade_recorded_again_is_sent_again_with_its_new_score(outbox: SqlScoreOutbox) -> None:
    outbox.record(score())
    outbox.failed("q1", "score: HTTP 400 bad user", attempts=1)
    assert outbox.claim_due(lease_s=60) == []
    again = outbox.record(score(given=4.0))
    assert (again.state, again.attempts, again.last_error, again.score_given) == (
        "pending",
        0,
        None,
        4.0,
    )
    outbox.sent("q1", "https://l/1", attempts=1)
    assert outbox.get("q1").state == "sent"


def test_the_outbox_lists_a_course_newest_first_and_goes_with_it(
    outbox: SqlScoreOutbox, catalog: SqlCatalog
) -> None:
    outbox.record(score("q1"))
    outbox.record(score("q2"))
    assert [e.quiz_id for e in outbox.for_course("cs140")] == ["q2", "q1"]
    assert outbox.for_course("ee101") == []
    catalog.delete_course("cs140")
    assert outbox.for_course("cs140") == []
