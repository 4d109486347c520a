"""PageOcr: text of pages and slides that are pictures (scans, diagrams, screenshots).

Only a page whose own text is shorter than `ocr_min_chars` and that holds images is read,
with RapidOCR (the `ocr` extra: ONNX models inside the wheel, no downloads). It runs where
the extractor runs, inside the bounded parser child, and is bounded again per file: at most
`ocr_max_pages` pages, `ocr_page_seconds` each and `ocr_max_seconds` in all, so a file of
scans keeps what was read instead of being killed whole at the file's time limit. The child's
address space grows by about 1.4 GB with the models loaded (measured on a 3-page scan), so a
`max_memory_mb` under about 2048 makes OCR fail, and each page records that. Every page
that was read, skipped or failed is recorded in the file's warnings, which the job reports.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from byosc.domain import Section
from byosc.settings import ExtractLimits

log = logging.getLogger(__name__)

NOT_INSTALLED = "OCR is not installed (the ocr extra)"
OCR_OFF = "OCR is turned off (limits.ocr_min_chars is 0)"
# Larger scans are shrunk first: beyond this RapidOCR shrinks them anyway, after decoding.
MAX_SIDE = 2000
MIN_SIDE = 32  # icons and bullets hold no text worth reading
THREADS = 4

Images = Callable[[], list[Any]]  # PIL images, decoded only when the page is OCR'd


class PageTimeout(Exception):
    pass


class PageOcr:
    """One file's OCR: decides which pages to read, reads them, and records what it did."""

    def __init__(self, limits: ExtractLimits, word: str = "page") -> None:
        self.limits = limits
        self.word = word
        self.read_pages: list[int] = []
        self.skipped: dict[str, list[int]] = {}
        self._engine: Any = None
        self._unusable: str | None = None
        self._spent = 0.0

    def wanted(self, text: str) -> bool:
        """Too little text of its own to stand for the page."""
        return len(text.strip()) < max(self.limits.ocr_min_chars, 1)

    def section(self, number: int, text: str, images: Images, **place: Any) -> Section | None:
        """The page's text with its images' text after it, marked OCR; None when OCR did not
        run or found nothing (the reason is recorded)."""
        reason = self._refusal()
        if reason is not None:
            self._skip(number, reason)
            return None
        started = time.monotonic()
        try:
            with _time_limit(self.limits.ocr_page_seconds):
                lines = self._read(images())
        except PageTimeout:
            self._skip(number, f"OCR took longer than {self.limits.ocr_page_seconds:g} s")
            return None
        except Exception as exc:  # one unreadable image loses its page, not the file
            log.warning("%s %d: OCR failed: %r", self.word, number, exc)
            self._skip(number, f"OCR failed ({type(exc).__name__})")
            return None
        finally:
            self._spent += time.monotonic() - started
        if not lines:
            self._skip(number, "OCR found no text")
            return None
        self.read_pages.append(number)
        body = "\n".join([text.strip(), *lines] if text.strip() else lines)
        return Section(text=body, page=number, ocr=True, **place)

    def notes(self) -> list[str]:
        """What OCR did to this file, for its warnings (and so the job's report)."""
        notes = []
        if self.read_pages:
            notes.append(f"OCR read {self._pages(self.read_pages)}")
        for reason, numbers in self.skipped.items():
            notes.append(f"images on {self._pages(numbers)} were not read: {reason}")
        return notes

    def _refusal(self) -> str | None:
        if self.limits.ocr_min_chars == 0:
            return OCR_OFF
        if len(self.read_pages) >= self.limits.ocr_max_pages:
            return f"at most {self.limits.ocr_max_pages} {self.word}s are OCR'd per file"
        if self._spent >= self.limits.ocr_max_seconds:
            return f"OCR time for the file ({self.limits.ocr_max_seconds:g} s) was spent"
        if self._engine is None and self._unusable is None:
            try:
                self._engine = _engine()
            except ImportError as exc:
                # Installed but unloadable (a missing system library of OpenCV) is not the
                # same fix as not installed.
                missing = exc.name == "rapidocr_onnxruntime"
                self._unusable = NOT_INSTALLED if missing else f"OCR could not load ({exc})"
            except Exception as exc:  # tried once per file: every page would fail the same way
                self._unusable = f"OCR could not load ({type(exc).__name__}: {exc})"
        return self._unusable

    def _read(self, images: list[Any]) -> list[str]:
        import numpy as np

        lines: list[str] = []
        for image in images:
            if min(image.size) < MIN_SIDE:
                continue
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            found, _ = self._engine(np.asarray(image))
            lines.extend(str(box[1]).strip() for box in found or [] if str(box[1]).strip())
        return lines

    def _skip(self, number: int, reason: str) -> None:
        self.skipped.setdefault(reason, []).append(number)

    def _pages(self, numbers: list[int]) -> str:
        word = self.word if len(numbers) == 1 else f"{self.word}s"
        return f"{word} {', '.join(map(str, numbers))}"


@cache
def _engine() -> Any:
    """Loaded once per process (about 4 s); the parser child reads one file and exits.
    Few threads: each reserves address space under the child's cap, and a worker's parser
    shares the machine with the other files being ingested."""
    from rapidocr_onnxruntime import RapidOCR

    threads = min(THREADS, os.cpu_count() or 1)
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """SIGALRM interrupts the page between ONNX calls (one per detected line). Only the main
    thread receives signals; elsewhere the file's own limits still hold."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
