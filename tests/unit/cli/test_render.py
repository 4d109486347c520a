import pytest

from byosc.domain import ChatResponse, Citation
from cli.render import show_answer


def _cited(relevance: float | None) -> ChatResponse:
    citation = Citation(
        n=1,
        document_id="d1",
        title="Lecture 1",
        filename="01-processes.md",
        snippet="The five states of a process are...",
        score=0.2053,
        relevance=relevance,
    )
    return ChatResponse(answer="New, ready [1].", citations=[citation], model="m")


def test_a_cited_source_shows_its_relevance_labelled_not_the_fused_rank_score(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show_answer(_cited(relevance=0.6377))
    shown = capsys.readouterr().out
    assert "relevance 0.64" in shown
    assert "0.21" not in shown


def test_a_source_without_a_relevance_says_its_number_is_a_rank_score(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show_answer(_cited(relevance=None))
    assert "rank score 0.21" in capsys.readouterr().out
