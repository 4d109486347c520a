"""Decompression-bomb check for ZIP-based documents (DOCX, PPTX), done before parsing.

It reads only the central directory: the sizes every member declares. Honest bombs (the
usual kind) declare their real sizes and are refused here without inflating a byte. A member
that lies about its size can still make zipfile inflate more than it declares before the CRC
check fails; the memory cap of `extract_bounded` is the bound for that case.
"""

from __future__ import annotations

import io
import zipfile

from byosc.errors import BadFile

_MB = 1024 * 1024
# Office XML compresses about 5-20:1 and embedded media about 1:1; deflate peaks near
# 1000:1, which only generated filler reaches. Small files are exempt: a short, very
# repetitive document can exceed the ratio and is harmless at that size.
_MAX_RATIO = 200
_RATIO_FLOOR_BYTES = 16 * _MB
_MAX_MEMBERS = 20_000


def check_archive(data: bytes, filename: str, max_uncompressed_bytes: int, label: str) -> None:
    """BadFile when the archive would inflate past the bound, or is not a readable ZIP."""
    members = _members(data, filename, label)
    if len(members) > _MAX_MEMBERS:
        raise BadFile(filename, f"{len(members)} parts in one {label}; at most {_MAX_MEMBERS}")
    declared = sum(member.file_size for member in members)
    compressed = max(sum(member.compress_size for member in members), 1)
    if declared > max_uncompressed_bytes:
        raise BadFile(
            filename,
            f"inflates to {_megabytes(declared)} MB, more than the "
            f"{_megabytes(max_uncompressed_bytes)} MB allowed (a decompression bomb?)",
        )
    if declared > _RATIO_FLOOR_BYTES and declared > _MAX_RATIO * compressed:
        raise BadFile(
            filename,
            f"compressed {declared // compressed}:1, far beyond real documents "
            "(a decompression bomb?)",
        )


def _members(data: bytes, filename: str, label: str) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise BadFile(filename, f"unreadable or corrupt {label} ({exc})") from exc


def _megabytes(size: int) -> str:
    return f"{size / _MB:,.0f}" if size >= _MB else f"{size / _MB:.2f}"
