"""QuizMaker: retrieve chunks, mine their facts, one question per distinct fact.

Extractive and deterministic: the same course, topic and n give the same questions, and
every answer is a phrase of the chunk its question cites. Each quiz made is stored under a
new ID, and grading reads it back from there.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import zip_longest

from byosc.domain import ScoredChunk
from byosc.errors import NotFound
from byosc.facts import Fact, distinct_facts, mine_facts, same_fact
from byosc.ports import Catalog, Embedder
from byosc.quiz.grade import grade_answers
from byosc.quiz.models import (
    GradeRequest,
    GradeResult,
    NotEnoughMaterial,
    QuestionKind,
    Quiz,
    QuizQuestion,
    QuizRequest,
    new_quiz_id,
)
from byosc.quiz.questions import build_question
from byosc.quiz.store import SqlQuizStore
from byosc.text import content_words

Retrieve = Callable[[str, str, int], list[ScoredChunk]]
Picked = tuple[ScoredChunk, Fact]

CHUNKS_PER_DOCUMENT = 30  # searched per document title; only that document's chunks are kept
MIN_TOPIC_CHUNKS = 12
KIND_ORDER = {"definition": 0, "list": 1, "figure": 2}


class QuizMaker:
    def __init__(
        self, catalog: Catalog, embedder: Embedder, retrieve: Retrieve, quizzes: SqlQuizStore
    ) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.retrieve = retrieve
        self.quizzes = quizzes

    def make(self, course_id: str, request: QuizRequest) -> Quiz:
        topic = (request.topic or "").strip() or None
        if topic:
            groups, extra = self._topic_chunks(course_id, topic, request.n)
        else:
            groups, extra = self._course_chunks(course_id, request.n), []
        facts = _pick_facts([_interleave([_facts_of(hit) for hit in g]) for g in groups], request.n)
        if not facts:
            about = f' about "{topic}"' if topic else ""
            raise NotEnoughMaterial(f"the material of {course_id} states no facts to ask{about}")
        seen = [hit for group in groups for hit in group] + extra
        questions = _questions(facts, seen, f"{course_id}|{topic or ''}")
        note = None
        if len(questions) < request.n:
            note = (
                f"The material holds {len(questions)} distinct facts to ask about, not {request.n}."
            )
        quiz = Quiz(
            quiz_id=new_quiz_id(), course_id=course_id, topic=topic, questions=questions, note=note
        )
        self.quizzes.add(quiz)
        return quiz

    def grade(self, course_id: str, request: GradeRequest) -> GradeResult:
        if self.catalog.get_course(course_id) is None:
            raise NotFound(f"course {course_id} does not exist")
        quiz = self.quizzes.get(course_id, request.quiz_id)
        result = grade_answers(self.embedder, quiz, request.answers)
        self.quizzes.record_grade(result)
        return result

    def _topic_chunks(
        self, course_id: str, topic: str, n: int
    ) -> tuple[list[list[ScoredChunk]], list[ScoredChunk]]:
        """Hits that name the topic, best first, as one group: nearest neighbours that never
        name it would take the quiz off topic. The other hits only supply distractors."""
        hits = self.retrieve(course_id, topic, max(MIN_TOPIC_CHUNKS, 3 * n))
        wanted = set(content_words(topic))
        naming = [h for h in hits if wanted & set(content_words(h.chunk.text))]
        return [naming], [h for h in hits if h not in naming]

    def _course_chunks(self, course_id: str, n: int) -> list[list[ScoredChunk]]:
        """One group per document: its chunks, searched by its title, best first."""
        if self.catalog.get_course(course_id) is None:
            raise NotFound(f"course {course_id} does not exist")
        groups = []
        for document in self.catalog.list_documents(course_id):
            hits = self.retrieve(course_id, document.title, max(CHUNKS_PER_DOCUMENT, 2 * n))
            groups.append([h for h in hits if h.chunk.document_id == document.id])
        return groups


def _facts_of(hit: ScoredChunk) -> list[tuple[ScoredChunk, Fact]]:
    facts = sorted(distinct_facts(mine_facts(hit.chunk)), key=lambda f: KIND_ORDER[f.kind])
    return [(hit, fact) for fact in facts]


def _interleave(lists: list[list[Picked]]) -> list[Picked]:
    """The first fact of every chunk, then the second of every chunk, and so on."""
    return [item for turn in zip_longest(*lists) for item in turn if item is not None]


def _pick_facts(groups: list[list[Picked]], n: int) -> list[Picked]:
    """One new fact from each group (document) in turn, so the quiz covers all of them."""
    picked: list[Picked] = []
    queues = [list(group) for group in groups]
    while len(picked) < n and any(queues):
        for queue in queues:
            while queue and len(picked) < n:
                hit, fact = queue.pop(0)
                if not any(same_fact(fact, other) for _, other in picked):
                    picked.append((hit, fact))
                    break
    return picked


def _questions(picked: list[Picked], chunks: list[ScoredChunk], seed: str) -> list[QuizQuestion]:
    """Alternates multiple choice and short answer; distractors come from every fact seen."""
    pool = distinct_facts([f for hit in chunks for f in mine_facts(hit.chunk)])
    questions = []
    for number, (hit, fact) in enumerate(picked):
        kind: QuestionKind = "multiple_choice" if number % 2 == 0 else "short_answer"
        question = build_question(fact, kind, hit, pool, seed)
        questions.append(question or build_question(fact, "short_answer", hit, pool, seed))
    return [q for q in questions if q is not None]
