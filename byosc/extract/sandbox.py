"""The child side of `extract_bounded`: `python -m byosc.extract.sandbox`.

Reads one pickled request on stdin (the parent's sys.path, then the parse function, the
file and the limits), caps its own address space, parses, and writes one pickled outcome
to stdout: ("ok", Extracted), ("bad", reason) or ("memory", None).
"""

from __future__ import annotations

import os
import pickle
import resource
import sys
from pathlib import Path
from typing import Any, BinaryIO

_MB = 1024 * 1024
_STATM = Path("/proc/self/statm")


def main() -> None:
    results = _private_stdout()
    sys.path[:] = pickle.load(sys.stdin.buffer)
    parse, data, filename, limits = pickle.load(sys.stdin.buffer)
    cap = _address_space() + limits.max_memory_mb * _MB
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    pickle.dump(_outcome(parse, data, filename, limits), results)
    results.flush()


def _outcome(parse: Any, data: bytes, filename: str, limits: Any) -> tuple[str, Any]:
    from byosc.errors import BadFile

    try:
        return ("ok", parse(data, filename, limits))
    except BadFile as exc:
        return ("bad", exc.reason)
    except MemoryError:
        return ("memory", None)
    except Exception as exc:  # any other parser failure is this file's fault, not the worker's
        return ("bad", f"could not be parsed ({type(exc).__name__}: {exc})")


def _private_stdout() -> BinaryIO:
    """The outcome's channel; stray prints of parser libraries go to stderr instead."""
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return channel


def _address_space() -> int:
    """Bytes of address space already mapped (Linux), so the cap counts only what parsing
    adds; 0 where unknown."""
    try:
        pages = int(_STATM.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * resource.getpagesize()


if __name__ == "__main__":
    main()
