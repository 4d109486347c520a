"""The instructor's web app in headless Chromium, against the real stack: a course created,
files uploaded and refused, the refresh watched, documents read, a search tried, the gaps
acted on, an adapter promoted, a key issued. Nothing here uses the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from byosc.bootstrap import open_artifact_store, open_metadata_db
from byosc.models import bundled_models
from byosc.settings import BASE_MODEL_NAME, Settings
from byosc.training.models import AdapterRecord, EvalReport, Hyperparameters, ModelScores
from byosc.training.registry import SqlAdapterRegistry
from services.stack import Stack
from tests.support.browser import DESKTOP, PHONE, fits_width, screenshot, serious_violations
from tests.support.browser import sign_in as sign_in_page
from tests.support.lora import make_lora_adapter
from tests.support.pdfs import make_pdf

pytestmark = pytest.mark.slow
COURSE = "web202"
NOTES = b"# Disk scheduling\n\nThe elevator algorithm serves requests in one direction first.\n"
# Enough material for the instruction generator to find pairs to train on.
MATERIAL = Path(__file__).resolve().parents[2] / "examples" / "sample-course" / "material"
LECTURE = MATERIAL / "02-cpu-scheduling.md"
HANDOUT = make_pdf(["Deadlocks need mutual exclusion, hold and wait and circular wait."])


@pytest.fixture(scope="module")
def page(browser: Any, stack: Stack, admin_token: str) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in_page(page, stack.url("gateway"), admin_token)
    page.get_by_role("link", name="Course admin").click()
    yield page
    context.close()


def tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_an_instructor_creates_a_course_uploads_files_and_watches_the_refresh(page: Any) -> None:
    page.get_by_label("Course ID").fill(COURSE)
    page.get_by_label("Name", exact=True).fill("Web course <b>two</b>")
    page.get_by_role("button", name="Create course").click()
    page.get_by_role("heading", name=f"Web course <b>two</b> ({COURSE})").wait_for()
    files = [
        {"name": "notes.md", "mimeType": "text/markdown", "buffer": NOTES},
        {"name": "handout.pdf", "mimeType": "application/pdf", "buffer": HANDOUT},
        {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
        {"name": LECTURE.name, "mimeType": "text/markdown", "buffer": LECTURE.read_bytes()},
    ]
    page.get_by_label("Files to upload").set_input_files(files)
    refused = page.locator(".upload-results .refused")
    refused.wait_for()
    assert "empty.txt" in refused.inner_text() and "refused:" in refused.inner_text()
    page.locator(".job-state[data-state=succeeded]").wait_for(timeout=180_000)
    rows = page.locator(".documents tbody tr")
    rows.nth(2).wait_for()
    assert [row.split("\t")[0] for row in sorted(rows.all_inner_texts())] == [
        LECTURE.name,
        "handout.pdf",
        "notes.md",
    ]
    page.get_by_role("button", name="notes.md").click()
    page.locator(".chunk-list").get_by_text("elevator algorithm").wait_for()
    assert not serious_violations(page)
    screenshot(page, "instructor-desktop")


def test_a_search_shows_the_ranked_chunks(page: Any) -> None:
    tab(page, "Try a search")
    page.get_by_label("Search the course").fill("elevator")
    page.get_by_role("button", name="Search").click()
    first = page.locator(".search-results li").first
    first.wait_for()
    assert "notes.md" in first.inner_text()


def test_questions_the_material_misses_are_grouped_and_resolved(
    page: Any, api: httpx.Client
) -> None:
    for question in (
        "Who painted the Mona Lisa?",
        "Which artist painted the Mona Lisa?",
        "What is the boiling point of water at sea level?",
    ):
        body = {"course_id": COURSE, "messages": [{"role": "user", "content": question}]}
        assert api.post("/chat", json=body).json()["covered"] is False
    tab(page, "What students miss")
    groups = page.locator("article.gap")
    groups.first.wait_for()
    assert groups.count() == 2
    assert "2 asked" in groups.first.inner_text() and "Mona Lisa" in groups.first.inner_text()
    assert not serious_violations(page)
    groups.first.get_by_role("button", name="Mark resolved").click()
    page.get_by_text("Marked resolved").wait_for()
    assert groups.count() == 1
    tab(page, "Material")
    tab(page, "What students miss")
    page.locator("article.gap").first.wait_for()
    assert page.locator("article.gap").count() == 1  # the resolved group stays hidden


def test_a_dataset_is_generated_and_an_adapter_trained_and_evaluated_live(page: Any) -> None:
    tab(page, "Datasets and training")
    page.get_by_role("button", name="Generate a new dataset version").click()
    page.locator(".job-state[data-kind=dataset][data-state=succeeded]").wait_for(timeout=300_000)
    assert page.get_by_role("button", name="Export v1").is_visible()
    page.get_by_label("Training steps").fill("1")
    page.get_by_role("button", name="Train an adapter on the latest dataset").click()
    page.locator(".job-state[data-kind=train][data-state=succeeded]").wait_for(timeout=600_000)
    assert "total steps 1" in page.locator(".job .figures").inner_text()
    trained = page.locator(f"tr[data-name='{COURSE}-v1']")
    trained.wait_for()
    assert "→" in trained.inner_text() and "not evaluated" not in trained.inner_text()


def test_an_adapter_is_compared_with_the_base_model_and_promoted(
    page: Any, stack: Stack, byosc_home: Path, tmp_path: Path
) -> None:
    settings = Settings(home=byosc_home, data_dir=stack.data_dir)
    files = make_lora_adapter(bundled_models(settings).llm_dir, tmp_path / "adapter", seed=1)
    registry = SqlAdapterRegistry(open_metadata_db(settings))
    name = f"{COURSE}-v9"
    report = EvalReport(
        pairs=4,
        base=ModelScores(perplexity=9.0, rouge_l=0.10),
        adapter=ModelScores(perplexity=6.0, rouge_l=0.25),
        rule="lower perplexity",
        passed=True,
        reasons=["perplexity 9.0 -> 6.0"],
    )
    record = AdapterRecord(
        name=name, course_id=COURSE, version=9, dataset_version=1,
        base_model=BASE_MODEL_NAME, base_model_sha256="0" * 64,
        hyperparameters=Hyperparameters(rank=4), evaluation=report,
        uri=open_artifact_store(settings).put_dir(f"{COURSE}/{name}", files),
    )  # fmt: skip
    registry.add(record)
    tab(page, "Datasets and training")
    row = page.locator(f"tr[data-name='{name}']")
    row.wait_for()
    assert "9.000 → 6.000" in row.inner_text() and "candidate" in row.inner_text()
    page.get_by_role("button", name=f"Promote {name}").click()
    page.get_by_text(f"{name} is now active.").wait_for(timeout=120_000)
    assert "active" in page.locator(f"tr[data-name='{name}'] .state").inner_text()


def test_a_client_key_for_the_course_is_issued_once(page: Any, api: httpx.Client) -> None:
    tab(page, "Keys")
    page.get_by_role("button", name="Issue a client key for this course").click()
    token = page.locator("code.token").inner_text()
    me = httpx.get(str(api.base_url) + "/me", headers={"authorization": f"Bearer {token}"}).json()
    assert me["role"] == "client" and me["courses"] == [COURSE]
    assert not serious_violations(page)


def test_the_console_fits_a_phone(browser: Any, stack: Stack, admin_token: str) -> None:
    context = browser.new_context(viewport=PHONE)
    phone = context.new_page()
    sign_in_page(phone, stack.url("gateway"), admin_token)
    phone.get_by_role("link", name="Course admin").click()
    phone.get_by_role("button", name=f"Web course <b>two</b> ({COURSE})").click()
    phone.locator(".documents tbody tr").first.wait_for()
    assert fits_width(phone)
    screenshot(phone, "instructor-phone")
    context.close()
