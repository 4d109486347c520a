import json
from pathlib import Path

import pytest

from byosc.eval.beir import load_beir


def write_set(folder: Path, qrels: str) -> Path:
    (folder / "qrels").mkdir(parents=True)
    corpus = [
        {"_id": "p1", "title": "L1", "text": "Paging.", "metadata": {"heading": "Memory"}},
        {"_id": "p2", "title": "L2", "text": "Semaphores."},
    ]
    queries = [
        {"_id": "q1", "text": "what is paging", "metadata": {"kind": "definition"}},
        {"_id": "q2", "text": "and its cost?", "metadata": {"history": ["what is paging"]}},
        {"_id": "q3", "text": "who won the cup?", "metadata": {"kind": "unanswerable"}},
    ]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in corpus))
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(r) for r in queries))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + qrels)
    return folder


def test_a_beir_set_loads_passages_queries_and_graded_qrels(tmp_path: Path) -> None:
    dataset = load_beir(write_set(tmp_path / "s", "q1\tp1\t2\nq2\tp1\t1\nq2\tp2\t0\n"))
    assert dataset.corpus["p1"].heading == "Memory"
    assert dataset.qrels == {"q1": {"p1": 2}, "q2": {"p1": 1}}
    assert dataset.queries[1].history == ("what is paging",)
    assert [q.id for q in dataset.unanswerable] == ["q3"]
    assert [q.id for q in dataset.answerable] == ["q1", "q2"]


def test_qrels_naming_a_missing_passage_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing from the corpus"):
        load_beir(write_set(tmp_path / "s", "q1\tp9\t1\n"))


def test_qrels_naming_a_missing_query_are_refused_with_its_id(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"missing from queries.jsonl: \['q7', 'q8'\]"):
        load_beir(write_set(tmp_path / "s", "q1\tp1\t1\nq8\tp1\t1\nq7\tp2\t1\n"))


def test_a_folder_without_the_beir_files_is_named(tmp_path: Path) -> None:
    missing = r"missing corpus.jsonl, queries.jsonl, qrels/test\.tsv"
    with pytest.raises(FileNotFoundError, match=missing):
        load_beir(tmp_path)


def test_a_set_kept_in_an_eval_folder_is_named_after_its_material() -> None:
    assert load_beir(Path("examples/r-intro/eval")).name == "r-intro"
    assert load_beir(Path("examples/sample-course/eval/course")).name == "course"
