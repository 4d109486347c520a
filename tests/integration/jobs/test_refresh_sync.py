"""Refresh through real Celery workers on Redis: the index follows the source folder."""

from __future__ import annotations

from pathlib import Path

from byosc.index.http import HttpIndex
from tests.support.jobs import Cluster
from tests.support.pdfs import make_pdf


def _folder(root: Path, name: str, files: dict[str, bytes]) -> Path:
    folder = root / name
    folder.mkdir()
    for filename, data in files.items():
        (folder / filename).parent.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_bytes(data)
    return folder


def _chunks(jobs_cluster: Cluster, course_id: str) -> int:
    return sum(d.chunks for d in jobs_cluster.catalog.list_documents(course_id))


def test_refreshing_after_an_edit_an_addition_and_a_deletion_changes_exactly_those_files(
    jobs_cluster: Cluster, index: HttpIndex, sources_root: Path
) -> None:
    folder = _folder(
        sources_root,
        "sync",
        {
            "keep.md": b"# Kept\n\nPaging splits memory into pages.\n",
            "edit.md": b"# Edited\n\nThe old text about frogs.\n",
            "gone.md": b"# Gone\n\nSegmentation is leaving the course.\n",
            "week2/slides.pdf": make_pdf(["Page one about caches.", "Page two about disks."]),
        },
    )
    course = jobs_cluster.local_course("sync", folder)
    first = jobs_cluster.refresh(course)
    assert first.state == "succeeded"
    assert first.changes.added == 4 and first.progress.done == 4

    (folder / "edit.md").write_bytes(b"# Edited\n\nThe new text about toads.\n")
    (folder / "new.md").write_bytes(b"# New\n\nInodes describe files.\n")
    (folder / "gone.md").unlink()
    second = jobs_cluster.refresh(course)

    assert second.state == "succeeded", second.errors
    c = second.changes
    assert (c.added, c.updated, c.deleted, c.unchanged) == (1, 1, 1, 2)
    assert {i.filename: i.action for i in second.items if i.action != "unchanged"} == {
        "edit.md": "changed",
        "new.md": "new",
        "gone.md": "deleted",
    }
    unchanged = [i for i in second.items if i.action == "unchanged"]
    assert all(i.attempts == 0 and not i.timings for i in unchanged)  # never read
    documents = jobs_cluster.catalog.list_documents(course)
    assert sorted(d.source_id or "" for d in documents) == [
        "edit.md",
        "keep.md",
        "new.md",
        "week2/slides.pdf",
    ]
    assert index.count(course) == _chunks(jobs_cluster, course)
    # A limit above the course's chunk count lists every chunk it holds.
    texts = [h.chunk.text for h in index.search(course, [1.0] * 384, "", 100)]
    assert any("toads" in t for t in texts) and not any("frogs" in t for t in texts)


def test_a_second_refresh_request_while_one_runs_returns_the_same_job(
    jobs_cluster: Cluster, sources_root: Path
) -> None:
    files = {f"lecture-{n}.md": f"# Lecture {n}\n\nTopic {n}.\n".encode() for n in range(4)}
    course = jobs_cluster.local_course("busy", _folder(sources_root, "busy", files))
    job, created = jobs_cluster.start_refresh(course)
    again, created_again = jobs_cluster.start_refresh(course)
    assert created and not created_again
    assert again.id == job.id
    assert jobs_cluster.wait(job.id).state == "succeeded"
    after, created_after = jobs_cluster.start_refresh(course)
    assert created_after and after.id != job.id
    jobs_cluster.wait(after.id)


def test_a_bad_file_among_good_ones_ends_the_job_partial_with_its_reason(
    jobs_cluster: Cluster, index: HttpIndex, sources_root: Path
) -> None:
    files = {
        "notes.md": b"# Threads\n\nA thread is a unit of execution.\n",
        "broken.pdf": b"%PDF-1.4 but nothing else",
        "slides.pdf": make_pdf(["Round robin gives each process a time slice."]),
    }
    course = jobs_cluster.local_course("mixed", _folder(sources_root, "mixed", files))
    job = jobs_cluster.refresh(course)
    assert job.state == "partial"
    assert [e.filename for e in job.errors] == ["broken.pdf"]
    assert "PDF" in job.errors[0].reason
    broken = next(i for i in job.items if i.filename == "broken.pdf")
    assert broken.attempts == 1  # a bad file is not retried
    indexed = sorted(d.filename for d in jobs_cluster.catalog.list_documents(course))
    assert indexed == ["notes.md", "slides.pdf"]
    assert index.count(course) == _chunks(jobs_cluster, course) > 0
