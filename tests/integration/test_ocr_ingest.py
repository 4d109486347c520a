"""A PDF with a scanned page goes through a real refresh job: the scan's text is indexed as
OCR on its own page number, and the job's report says which pages OCR read or skipped."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.test_refused_and_deleted_documents import (  # noqa: F401  (fixtures)
    _create,
    _upload,
    _Worker,
    course_settings,
    embedder,
    ingest,
    local_root,
    worker,
)
from tests.support.scans import HANDOUT, handout_image, scanned_pdf

pytest.importorskip("rapidocr_onnxruntime")
pytestmark = pytest.mark.slow


def test_a_scanned_page_is_indexed_as_ocr_and_reported_in_the_job(
    ingest: TestClient,  # noqa: F811
    worker: _Worker,  # noqa: F811
) -> None:
    _create(ingest, "ocr1")
    handout = scanned_pdf(["Scheduling policies and what they cost.", handout_image(HANDOUT)])
    job = worker.run(_upload(ingest, "ocr1", {"handout.pdf": handout}))

    [item] = job.items
    assert (item.state, item.note) == ("succeeded", "OCR read page 2")
    assert item.document_id is not None
    chunks = worker.index.chunks("ocr1", item.document_id)
    scanned = [c for c in chunks if c.ocr]
    assert {c.page for c in scanned} == {2}
    assert any("time quantum" in c.text for c in scanned)
    assert not any(c.ocr for c in chunks if c.page == 1)
