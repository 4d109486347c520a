"""extract_bounded: extraction in a child process, under a memory cap and a time limit.

A parser that loops, blows up in memory or crashes takes only its child with it; the caller
gets BadFile with a reason a person understands, and the worker carries on.

The child is a fresh interpreter (`python -m byosc.extract.sandbox`), not a multiprocessing
child: it needs no fork of a worker that holds models and threads, inherits no daemon flag
from a Celery pool process, and does not re-import the worker's main module. It costs
about 0.2 s per file (interpreter start and parser imports).

Markdown and plain text are parsed in the calling process too: our own linear-time code over
input already bounded by the upload size limit, where the child's 0.2 s would dominate.

Recordings are transcribed in the calling process: the Whisper model is loaded once per
worker (hundreds of MB to GBs, on a GPU in production), which neither a per-file child nor
an address-space cap can accommodate.
"""

from __future__ import annotations

import logging
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from byosc.errors import BadFile
from byosc.extract import extract_file
from byosc.extract.detect import detect, detect_media
from byosc.ports import Extracted, Transcriber
from byosc.settings import ExtractLimits

log = logging.getLogger(__name__)

Parse = Callable[[bytes, str, ExtractLimits], Extracted]
SANDBOX = [sys.executable, "-m", "byosc.extract.sandbox"]
IN_PROCESS_KINDS = frozenset({"markdown", "text"})


def extract_bounded(
    data: bytes,
    filename: str,
    limits: ExtractLimits,
    transcriber: Transcriber | None = None,
    *,
    parse: Parse | None = None,
) -> Extracted:
    """`extract_file` within `limits`; `parse` (a module-level function) replaces the
    extraction run in the child."""
    if parse is None and (
        detect_media(data) is not None or detect(data, filename).kind in IN_PROCESS_KINDS
    ):
        return extract_file(data, filename, transcriber=transcriber, limits=limits)
    return _run_child(parse or _extract, data, filename, limits)


def _extract(data: bytes, filename: str, limits: ExtractLimits) -> Extracted:
    return extract_file(data, filename, limits=limits)


def _run_child(parse: Parse, data: bytes, filename: str, limits: ExtractLimits) -> Extracted:
    request = pickle.dumps(sys.path) + pickle.dumps((parse, data, filename, limits))
    child = subprocess.Popen(
        SANDBOX, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        output, errors = child.communicate(request, timeout=limits.max_seconds)
    except subprocess.TimeoutExpired:
        reason = f"took longer than {limits.max_seconds:g} s to parse"
        raise BadFile(filename, reason, lasting=False) from None
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    if child.returncode != 0 or not output:
        log.warning("%s: parser exited with %s: %s", filename, child.returncode, errors[-2000:])
        raise BadFile(filename, _death_reason(child.returncode, limits), lasting=False)
    return _unpack(pickle.loads(output), filename, limits)


def _unpack(outcome: tuple[str, Any], filename: str, limits: ExtractLimits) -> Extracted:
    kind, payload = outcome
    if kind == "ok":
        return Extracted.model_validate(payload)
    if kind == "memory":
        raise BadFile(filename, _memory_reason(limits), lasting=False)
    raise BadFile(filename, str(payload))


def _death_reason(returncode: int, limits: ExtractLimits) -> str:
    if returncode == -signal.SIGKILL:
        # The kernel's OOM killer sends SIGKILL; little else kills a parser that way.
        return _memory_reason(limits)
    if returncode < 0:
        return f"the parser crashed ({signal.Signals(-returncode).name})"
    return f"the parser stopped unexpectedly (exit status {returncode})"


def _memory_reason(limits: ExtractLimits) -> str:
    return f"needed more than {limits.max_memory_mb} MB to parse"
