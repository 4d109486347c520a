"""What a course's material does not cover, as students ask it: open questions (answered
not covered, or rated down) grouped by meaning, largest and most recent groups first.

Grouping is greedy: questions are read oldest first, and each joins the group whose centre
(the normalised mean of its members' embeddings) is closest, when that cosine reaches the
threshold, else starts a group of its own. Reading in time order keeps a group's
representative steady as new questions arrive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from byosc.errors import NotFound
from byosc.feedback.models import GapGroup, Gaps, OpenQuestion
from byosc.feedback.store import SqlFeedbackStore
from byosc.ports import Catalog, Embedder

# MiniLM cosine at which two questions ask about the same missing thing. Chosen on the
# handwritten pairs of tests/unit/feedback/test_gap_threshold.py: paraphrases of one topic
# score 0.56-0.90 there, questions on different topics of one course 0.02-0.54 ("virtual
# machine monitors" against "containers versus virtual machines" is the 0.54); 0.55 keeps
# every different pair apart. A paraphrase by synonym alone ("hypervisor" against "virtual
# machine monitor", 0.47) then stays a group of its own: two small groups for one topic
# mislead an instructor less than one group hiding a second topic.
THRESHOLD = 0.55
EXAMPLES = 5


def course_gaps(
    catalog: Catalog, store: SqlFeedbackStore, embedder: Embedder, course_id: str, limit: int
) -> Gaps:
    """The course's `limit` newest open questions, grouped."""
    if catalog.get_course(course_id) is None:
        raise NotFound(f"course {course_id} does not exist")
    questions = store.open_questions(course_id, limit)
    groups = group_questions(questions, embedder)
    return Gaps(course_id=course_id, threshold=THRESHOLD, questions=len(questions), groups=groups)


def group_questions(
    questions: Sequence[OpenQuestion], embedder: Embedder, threshold: float = THRESHOLD
) -> list[GapGroup]:
    if not questions:
        return []
    ordered = sorted(questions, key=lambda q: (q.asked_at, q.id))
    vectors = _unit(np.asarray(embedder.embed_documents([q.question for q in ordered])))
    members: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        if sums:
            closeness = _unit(np.stack(sums)) @ vector
            best = int(np.argmax(closeness))
            if closeness[best] >= threshold:
                members[best].append(i)
                sums[best] = sums[best] + vector
                continue
        members.append([i])
        sums.append(vector.copy())
    groups = [
        _group([ordered[i] for i in group], vectors[group], _unit(total))
        for group, total in zip(members, sums, strict=True)
    ]
    return sorted(groups, key=lambda g: (g.count, g.last_asked), reverse=True)


def _group(questions: list[OpenQuestion], vectors: np.ndarray, centre: np.ndarray) -> GapGroup:
    representative = questions[int(np.argmax(vectors @ centre))]
    newest = sorted(questions, key=lambda q: q.asked_at, reverse=True)
    sources = Counter(q.source for q in questions)
    return GapGroup(
        representative=representative.question,
        count=len(questions),
        examples=_distinct([q.question for q in newest])[:EXAMPLES],
        reasons=_distinct([q.reason for q in newest if q.reason]),
        sources=dict(sources),
        last_asked=newest[0].asked_at,
        question_ids=[q.id for q in newest],
    )


def _distinct(texts: list[str]) -> list[str]:
    """In order, each text once (case and surrounding blanks ignored)."""
    seen: set[str] = set()
    kept = []
    for text in texts:
        key = text.strip().casefold()
        if key not in seen:
            seen.add(key)
            kept.append(text)
    return kept


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
