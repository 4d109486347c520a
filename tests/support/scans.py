"""Scanned handouts for tests: known text rendered to a picture, put on a PDF page or slide
with no text layer, as a photocopier or a screenshot would."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

# Sentences a lecture handout might hold; short lines, as on a slide.
HANDOUT = [
    "Round robin scheduling gives each",
    "process a fixed time quantum.",
    "A context switch saves the registers",
    "of the running process.",
    "Shortest job first minimises the",
    "average waiting time.",
]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def handout_image(lines: list[str], size: int = 36) -> Image.Image:
    """Black text on white at a size a 150 dpi scan of 12 pt print has."""
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(FONT, size)
    except OSError:
        font = ImageFont.load_default(size=size)
    image = Image.new("RGB", (1240, 120 + len(lines) * int(size * 1.6)), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((60, 60 + n * int(size * 1.6)), line, fill="black", font=font)
    return image


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def scanned_pdf(pages: list[str | Image.Image]) -> bytes:
    """One page per item: a string is a page of text, an image a page that is only that image."""
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.set_font("Helvetica", size=12)
    for page in pages:
        pdf.add_page()
        if isinstance(page, str):
            pdf.multi_cell(0, 8, page)
        else:
            pdf.image(page, x=10, y=10, w=190)
    return bytes(pdf.output())


def char_error_rate(reference: str, read: str) -> float:
    """Levenshtein distance over characters / reference length, whitespace normalised."""
    ref, hyp = " ".join(reference.split()), " ".join(read.split())
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(len(ref), 1)
