"""Headless Chromium for the web app's tests: Debian's `chromium` driven by Playwright, axe-core
from npm run in the page, and screenshots for the README when asked for."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "e2e" / "web" / "node_modules" / "axe-core" / "axe.min.js"
# `make screenshots` sets it: the walks then save their pictures for the README.
SCREENSHOTS = os.environ.get("BYOSC_SCREENSHOTS_DIR")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str:
    """Debian's Chromium (Playwright's own browser download cannot work offline)."""
    path = os.environ.get("BYOSC_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.skip(
            "BROWSER TESTS SKIPPED: Chromium is missing; install Debian's package `chromium` "
            "(apt-get install chromium) or set BYOSC_CHROMIUM to a Chromium binary"
        )
    return path


def axe_source() -> str:
    if not AXE.is_file():
        pytest.skip(
            "BROWSER TESTS SKIPPED: npm package axe-core is missing; run "
            "`npm ci --prefix tests/e2e/web` (make test does)"
        )
    return AXE.read_text()


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, in words.

    Evaluated through the DevTools protocol, which the page's Content-Security-Policy does
    not govern, so the policy stays as strict in the tests as in use."""
    page.evaluate(axe_source() + "\n;0")
    results = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def sign_in(page: Any, base_url: str, token: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("API key or token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#who").filter(has_text="(").wait_for()


def fits_width(page: Any) -> bool:
    """Nothing makes the page scroll sideways (readable on a phone)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
