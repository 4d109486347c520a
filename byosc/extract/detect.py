"""What a file is, judged from its bytes; the name only breaks ties between text formats."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

PDF_MAGIC = b"%PDF-"
# Viewers accept a PDF header anywhere in the first kilobyte; away from the start it must
# come with an end-of-file marker, so notes that merely mention "%PDF-" stay text.
_PDF_HEADER_WINDOW = 1024
_PDF_TRAILER_WINDOW = 2048
_MARKDOWN_SUFFIXES = (".md", ".markdown")
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_HTML_TAG = re.compile(r"<(p|div|h[1-6]|body|head|title|ul|ol|table|section|article)[\s>]", re.I)
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
_HTML_START = re.compile(rb"^\s*<(!doctype\s+html|html[\s>])", re.IGNORECASE)
_MAX_CONTROL_RATIO = 0.01
_TEXT_SAMPLE_CHARS = 100_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Office encrypts a .docx/.pptx by wrapping it in an OLE container with this stream.
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (OLE_MAGIC, "a legacy Microsoft Office file (.doc/.ppt/.xls)"),
    (b"\x7fELF", "an executable program"),
    (b"MZ", "a Windows executable"),
)

# Recordings go to transcription: (pattern at the start, kind, label, media type).
_MEDIA_SIGNATURES: tuple[tuple[re.Pattern[bytes], str, str, str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), kind, label, media_type)
    for pattern, kind, label, media_type in (
        (rb"RIFF.{4}WAVE", "audio", "a WAV audio file", "audio/wav"),
        (rb"RIFF.{4}AVI ", "video", "an AVI video", "video/x-msvideo"),
        (rb".{4}ftypM4A", "audio", "an M4A audio file", "audio/mp4"),
        (rb".{4}ftyp", "video", "an MP4 media file", "video/mp4"),
        (rb"ID3", "audio", "an MP3 audio file", "audio/mpeg"),
        # An MP3 without an ID3 tag starts with a layer III frame header.
        (rb"\xff[\xe2\xe3\xf2\xf3\xfa\xfb]", "audio", "an MP3 audio file", "audio/mpeg"),
        (rb"OggS", "audio", "an Ogg audio file", "audio/ogg"),
        (rb"fLaC", "audio", "a FLAC audio file", "audio/flac"),
        (rb"\x1aE\xdf\xa3", "video", "a WebM/Matroska video", "video/webm"),
    )
)
MEDIA_KINDS = frozenset({"audio", "video"})

_OOXML_PARTS: tuple[tuple[str, str, str], ...] = (
    ("word/document.xml", "docx", "a Word document (.docx)"),
    ("ppt/presentation.xml", "pptx", "a PowerPoint deck (.pptx)"),
    ("xl/workbook.xml", "xlsx", "an Excel workbook (.xlsx)"),
)


@dataclass(frozen=True)
class Detected:
    """kind picks the extractor; label says in words what the content looks like."""

    kind: str
    label: str
    media_type: str = "application/octet-stream"


def detect(data: bytes, filename: str) -> Detected:
    if _is_pdf(data):
        return Detected("pdf", "a PDF document")
    if data.startswith(b"{\\rtf"):
        return Detected("rtf", "an RTF document")
    if _HTML_START.match(data[:512]):
        return Detected("html", "an HTML page")
    decoded = decode_text(data)
    if decoded is None:
        return _detect_binary(data)
    if filename.lower().endswith(_HTML_SUFFIXES) and _HTML_TAG.search(decoded[0]):
        return Detected("html", "an HTML page")
    if _is_markdown(decoded[0], filename):
        return Detected("markdown", "Markdown text")
    return Detected("text", "plain text")


def _is_pdf(data: bytes) -> bool:
    if data.lstrip()[: len(PDF_MAGIC)] == PDF_MAGIC:
        return True
    return PDF_MAGIC in data[:_PDF_HEADER_WINDOW] and b"%%EOF" in data[-_PDF_TRAILER_WINDOW:]


def detect_media(data: bytes) -> Detected | None:
    """Audio or video, judged from the first bytes alone (cheap: nothing is parsed)."""
    for pattern, kind, label, media_type in _MEDIA_SIGNATURES:
        if pattern.match(data, 0, 16):
            return Detected(kind, label, media_type)
    return None


def _detect_binary(data: bytes) -> Detected:
    """Names the format of content that is not text, so the user learns what was sent."""
    if data.startswith(b"PK\x03\x04"):
        return _detect_zip(data)
    if (media := detect_media(data)) is not None:
        return media
    if data.startswith(OLE_MAGIC) and _ENCRYPTION_INFO in data:
        return Detected("encrypted-office", "a password-protected Office document")
    for magic, label in _SIGNATURES:
        if data.startswith(magic):
            return Detected("binary", label)
    return Detected("binary", "binary data, not text")


def _detect_zip(data: bytes) -> Detected:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return Detected("zip", "a damaged ZIP archive")
    for part, kind, label in _OOXML_PARTS:
        if part in names:
            return Detected(kind, label)
    return Detected("zip", "a ZIP archive")


def decode_text(data: bytes) -> tuple[str, str] | None:
    """The text and the encoding it was read with, or None when the bytes are not text."""
    for encoding in _candidate_encodings(data):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return (text, encoding) if _looks_like_text(text) else None
    return None


def _candidate_encodings(data: bytes) -> list[str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ["utf-16"]
    # cp1252 is what legacy Windows editors write; latin-1 accepts any byte as a last resort.
    return ["utf-8-sig", "cp1252", "latin-1"]


def _looks_like_text(text: str) -> bool:
    if "\x00" in text:
        return False
    sample = text[:_TEXT_SAMPLE_CHARS]
    controls = sum(
        1 for ch in sample if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc"
    )
    return controls <= _MAX_CONTROL_RATIO * max(len(sample), 1)


def _is_markdown(text: str, filename: str) -> bool:
    if filename.lower().endswith(_MARKDOWN_SUFFIXES):
        return True
    headings = _ATX_HEADING.findall(text)
    first_line = text.lstrip().split("\n", 1)[0]
    return len(headings) >= 2 or bool(_ATX_HEADING.match(first_line))
