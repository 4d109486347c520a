from byosc.domain import Chunk, ScoredChunk
from byosc.rag.citations import cite, cite_all, snippet


def _source(i: int, page: int | None = None) -> ScoredChunk:
    chunk = Chunk(
        id=f"id{i}",
        course_id="cs",
        document_id=f"doc{i}",
        index=i,
        text=f"Source number {i} talks about topic {i}. " * 3,
        title=f"Lecture {i}",
        filename=f"l{i}.pdf",
        page=page,
    )
    return ScoredChunk(chunk=chunk, score=1.0 / (i + 1))


def test_markers_in_the_answer_become_citations_in_the_order_they_appear() -> None:
    sources = [_source(1, page=1), _source(2, page=3), _source(3, page=5)]
    answer, citations = cite("Paging splits memory [2]. Also see [1].", sources, 80)
    assert answer == "Paging splits memory [2]. Also see [1]."
    assert [(c.n, c.page) for c in citations] == [(2, 3), (1, 1)]


def test_a_marker_pointing_at_no_source_is_removed_not_cited() -> None:
    sources = [_source(1), _source(2)]
    answer, citations = cite("Made up [7]. Real [2].", sources, 80)
    assert "[7]" not in answer
    assert [c.n for c in citations] == [2]


def test_grouped_markers_are_split_and_filtered() -> None:
    sources = [_source(1), _source(2)]
    answer, citations = cite("Both say so [1, 2, 9].", sources, 80)
    assert answer == "Both say so [1][2]."
    assert [c.n for c in citations] == [1, 2]


def test_only_the_sources_an_answer_marks_are_cited() -> None:
    sources = [_source(1), _source(2), _source(3), _source(4)]
    _, citations = cite("Paging splits memory into pages [3].", sources, 80)
    assert [c.document_id for c in citations] == ["doc3"]


def test_an_answer_without_markers_cites_nothing() -> None:
    sources = [_source(1), _source(2)]
    _, citations = cite("An answer with no markers.", sources, 80)
    assert citations == []


def test_an_answer_not_written_from_the_sources_points_to_all_of_them() -> None:
    citations = cite_all([_source(1), _source(2)], 80)
    assert [(c.n, c.document_id) for c in citations] == [(1, "doc1"), (2, "doc2")]


def test_snippets_are_cut_at_a_word_boundary() -> None:
    text = "alpha beta gamma delta epsilon"
    assert snippet(text, 14) == "alpha beta…"
    assert snippet(text, 100) == text
