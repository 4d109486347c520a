"""The retrieval evaluation sets under examples/ are well-formed BEIR sets: the sample
course's two (sample-course/eval/), the one on "An Introduction to R" (r-intro/eval/) and
the tuning set over real slide decks (real-decks/eval/)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EVAL = EXAMPLES / "sample-course" / "eval"
FOLDERS = {
    "course": EVAL / "course",
    "students": EVAL / "students",
    "r-intro": EXAMPLES / "r-intro" / "eval",
}
COURSE_KINDS = {
    "definition",
    "list",
    "figure",
    "recording",
    "slide",
    "paraphrase",
    "fact",
    "unanswerable",
}
STUDENT_KINDS = {"typo", "terse", "vague", "follow-up", "unanswerable"}
R_INTRO_KINDS = {
    "definition",
    "fact",
    "how-to",
    "list",
    "paraphrase",
    "code",
    "terse",
    "typo",
    "unanswerable",
}
KINDS = {"course": COURSE_KINDS, "students": STUDENT_KINDS, "r-intro": R_INTRO_KINDS}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def read_qrels(path: Path) -> list[tuple[str, str, int]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows[0] == ["query-id", "corpus-id", "score"]
    return [(query, passage, int(score)) for query, passage, score in rows[1:]]


def corpus(name: str) -> list[dict[str, Any]]:
    return read_jsonl(FOLDERS[name] / "corpus.jsonl")


def queries(name: str) -> list[dict[str, Any]]:
    return read_jsonl(FOLDERS[name] / "queries.jsonl")


def qrels(name: str) -> list[tuple[str, str, int]]:
    return read_qrels(FOLDERS[name] / "qrels" / "test.tsv")


def gold(name: str) -> dict[str, list[tuple[str, int]]]:
    by_query: dict[str, list[tuple[str, int]]] = {}
    for query, passage, score in qrels(name):
        by_query.setdefault(query, []).append((passage, score))
    return by_query


def kinds(name: str) -> Counter[str]:
    return Counter(q["metadata"]["kind"] for q in queries(name))


def test_both_sets_share_one_corpus_with_unique_location_ids() -> None:
    shared = corpus("course")
    assert corpus("students") == shared
    ids = [entry["_id"] for entry in shared]
    assert len(ids) == len(set(ids))
    for entry in shared:
        assert entry["_id"].startswith(entry["metadata"]["filename"] + "#")
        assert entry["title"] and entry["text"].strip()
        assert None not in entry["metadata"].values()


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_query_ids_are_unique_and_kinds_are_known(name: str) -> None:
    ids = [q["_id"] for q in queries(name)]
    assert len(ids) == len(set(ids))
    assert set(kinds(name)) == KINDS[name]


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_every_qrel_points_at_a_known_query_and_passage(name: str) -> None:
    passage_ids = {entry["_id"] for entry in corpus(name)}
    query_ids = {q["_id"] for q in queries(name)}
    for query, passage, score in qrels(name):
        assert query in query_ids
        assert passage in passage_ids
        assert score in (1, 2)


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_answerable_questions_have_one_best_passage_and_no_repeats(name: str) -> None:
    labels = gold(name)
    for q in queries(name):
        passages = labels.get(q["_id"], [])
        if q["metadata"]["kind"] == "unanswerable":
            assert passages == [], q["_id"]
            continue
        ids = [passage for passage, _ in passages]
        assert len(ids) == len(set(ids)), q["_id"]
        assert [score for _, score in passages].count(2) == 1, q["_id"]


def test_course_set_meets_its_floors() -> None:
    counts = kinds("course")
    assert sum(counts.values()) - counts["unanswerable"] >= 40
    assert counts["unanswerable"] >= 12
    assert counts["recording"] >= 4
    assert counts["slide"] >= 4
    assert counts["paraphrase"] >= 8


def test_course_recording_and_slide_questions_are_answered_by_that_medium() -> None:
    suffix = {"recording": ".mp3#", "slide": ".pptx#"}
    labels = gold("course")
    for q in queries("course"):
        wanted = suffix.get(q["metadata"]["kind"])
        if wanted:
            best = [passage for passage, score in labels[q["_id"]] if score == 2]
            assert wanted in best[0], q["_id"]


def test_students_set_meets_its_floors() -> None:
    counts = kinds("students")
    assert sum(counts.values()) - counts["unanswerable"] >= 30
    assert counts["follow-up"] >= 6
    assert counts["unanswerable"] >= 5


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_only_follow_ups_carry_a_history(name: str) -> None:
    for q in queries(name):
        history = q["metadata"].get("history")
        if q["metadata"]["kind"] == "follow-up":
            assert isinstance(history, list) and history, q["_id"]
            assert all(isinstance(turn, str) and turn.strip() for turn in history)
        else:
            assert history is None, q["_id"]


# Pages of "An Introduction to R" carry a running header naming their chapter or appendix
# ("Chapter 5: Arrays and matrices 23"); a chapter's first page has its number, then its title.
RUNNING_HEADER = re.compile(r"(?:Chapter (\d+)|Appendix ([A-F])):")
OPENING_TITLE = re.compile(r"(?:(\d+)|Appendix ([A-F])) \S")
# Appendices D and E are the book's indexes: page lists that answer no question.
R_INTRO_INDEXES = {"D", "E"}


def r_intro_part(text: str) -> str | None:
    """The chapter number or appendix letter of a page; None for the front matter."""
    lines = text.splitlines()
    match = RUNNING_HEADER.match(lines[0])
    if match is None and lines[0].isdigit() and len(lines) > 1:
        match = OPENING_TITLE.match(lines[1])
    return (match.group(1) or match.group(2)) if match else None


def test_r_intro_corpus_has_one_passage_per_page_of_the_manual() -> None:
    entries = corpus("r-intro")
    pages = [entry["metadata"]["page"] for entry in entries]
    assert pages == list(range(1, len(pages) + 1))
    assert len(pages) >= 100
    for entry in entries:
        assert entry["_id"] == f"R-intro.pdf#page={entry['metadata']['page']}"
        assert entry["metadata"]["filename"] == "R-intro.pdf"
        assert entry["title"] == "An Introduction to R"
        assert entry["text"].strip()


def test_r_intro_page_headers_name_every_chapter_and_appendix() -> None:
    parts = {r_intro_part(entry["text"]) for entry in corpus("r-intro")} - {None}
    assert parts == {str(n) for n in range(1, 15)} | set("ABCDEF")


def test_r_intro_set_meets_its_floors() -> None:
    counts = kinds("r-intro")
    assert sum(counts.values()) - counts["unanswerable"] >= 120
    assert counts["unanswerable"] >= 20
    assert min(counts.values()) >= 8


def test_r_intro_best_pages_cover_every_chapter_and_appendix_but_the_indexes() -> None:
    text = {entry["_id"]: entry["text"] for entry in corpus("r-intro")}
    covered = {r_intro_part(text[passage]) for _, passage, score in qrels("r-intro") if score == 2}
    assert covered >= {str(n) for n in range(1, 15)} | (set("ABCDEF") - R_INTRO_INDEXES)


def test_r_intro_answerable_questions_carry_a_reference_answer() -> None:
    for q in queries("r-intro"):
        answer = q["metadata"].get("answer")
        if q["metadata"]["kind"] == "unanswerable":
            assert answer is None, q["_id"]
        else:
            assert isinstance(answer, str) and len(answer.split()) >= 3, q["_id"]


# The tuning set over the real slide decks in examples/real-decks/ (one passage per page).
REAL_DECKS = Path(__file__).resolve().parents[2] / "examples" / "real-decks" / "eval"
REAL_DECK_PAGES = {"traits_ui_slides.pdf": 122, "blockwise-watersheds-slides.pdf": 20}
# What a question asks for, and how a student writes it when hurried.
REAL_DECK_CONTENT_KINDS = {"definition", "fact", "how-to", "list", "paraphrase", "code"}
# Follow-ups and new topics carry the earlier question in `history`.
REAL_DECK_KINDS = REAL_DECK_CONTENT_KINDS | {
    "terse",
    "typo",
    "unanswerable",
    "follow-up",
    "new-topic",
}


def real_decks() -> tuple[dict[str, str], list[dict[str, Any]], list[tuple[str, str, int]]]:
    """The set's page texts by ID, its queries and its qrels."""
    pages = {e["_id"]: e["text"] for e in read_jsonl(REAL_DECKS / "corpus.jsonl")}
    return (
        pages,
        read_jsonl(REAL_DECKS / "queries.jsonl"),
        read_qrels(REAL_DECKS / "qrels" / "test.tsv"),
    )


def test_real_decks_corpus_has_one_passage_per_page_of_each_deck() -> None:
    pages, _, _ = real_decks()
    expected = {
        f"{deck}#page={page}"
        for deck, count in REAL_DECK_PAGES.items()
        for page in range(1, count + 1)
    }
    assert set(pages) == expected


def test_real_decks_qrels_point_at_known_queries_and_pages() -> None:
    pages, questions, labels = real_decks()
    query_ids = [q["_id"] for q in questions]
    assert len(query_ids) == len(set(query_ids))
    assert len(labels) == len({(query, passage) for query, passage, _ in labels})
    for query, passage, score in labels:
        assert query in query_ids
        assert passage in pages, passage
        assert score in (1, 2)


def test_real_decks_questions_have_a_best_page_and_a_reference_answer() -> None:
    pages, questions, labels = real_decks()
    for q in questions:
        best = [passage for query, passage, score in labels if query == q["_id"] and score == 2]
        answer = q["metadata"].get("answer")
        if q["metadata"]["kind"] == "unanswerable":
            assert best == [] and answer is None, q["_id"]
            continue
        # Build-up slides repeat a page's text; only identical copies share the best score.
        assert len({pages[passage] for passage in best}) == 1, q["_id"]
        assert isinstance(answer, str) and len(answer.split()) >= 3, q["_id"]


def test_real_decks_set_meets_its_floors_over_both_decks() -> None:
    _, questions, labels = real_decks()
    counts = Counter(q["metadata"]["kind"] for q in questions)
    assert set(counts) == REAL_DECK_KINDS
    assert sum(counts.values()) - counts["unanswerable"] >= 60
    assert counts["unanswerable"] >= 10
    decks = Counter(passage.split("#")[0] for _, passage, score in labels if score == 2)
    assert set(decks) == set(REAL_DECK_PAGES)


def test_real_decks_follow_ups_and_new_topics_come_after_an_earlier_question() -> None:
    _, questions, _ = real_decks()
    for q in questions:
        history = q["metadata"].get("history", [])
        in_conversation = q["metadata"]["kind"] in {"follow-up", "new-topic"}
        assert bool(history) == in_conversation, q["_id"]
