"""Log lines: one JSON object per line with the fields a log pipeline indexes, or plain text;
both show the request ID; the servers' own loggers come out in the same shape."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from byosc.request_ids import reset_request_id, set_request_id
from byosc.settings import LogSettings
from services.common.logs import configure_logging, log_handler

log = logging.getLogger("tests.logs")


@contextmanager
def _captured(settings: LogSettings) -> Iterator[io.StringIO]:
    """What the service's log handler writes for records of `log` inside the block."""
    written = io.StringIO()
    handler = log_handler("ingest", settings, written)
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        yield written
    finally:
        log.removeHandler(handler)


@contextmanager
def _serving(request_id: str) -> Iterator[None]:
    token = set_request_id(request_id)
    try:
        yield
    finally:
        reset_request_id(token)


def test_each_record_is_one_json_object_per_line_with_its_fields() -> None:
    before = datetime.now(UTC)
    with _captured(LogSettings(json_lines=True)) as written:
        log.warning("two\nlines of %s", "text")
        with _serving("req-7"):
            log.info("inside")
    lines = written.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "two\nlines of text"
    assert (first["level"], first["service"], first["logger"]) == ("WARNING", "ingest", log.name)
    assert "request_id" not in first
    assert second["request_id"] == "req-7" and second["level"] == "INFO"
    stamped = datetime.fromisoformat(first["ts"])
    assert stamped.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= stamped <= datetime.now(UTC)


def test_an_exception_goes_into_the_line_as_its_traceback() -> None:
    with _captured(LogSettings(json_lines=True)) as written:
        try:
            {"present": 1}["missing"]
        except KeyError:
            log.exception("lookup failed")
    (line,) = written.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "lookup failed" and entry["level"] == "ERROR"
    assert entry["exc"].startswith("Traceback") and "KeyError: 'missing'" in entry["exc"]


def test_plain_text_shows_the_request_id_or_a_dash() -> None:
    with _captured(LogSettings(json_lines=False)) as written:
        log.info("outside")
        with _serving("req-9"):
            log.info("inside")
    outside, inside = written.getvalue().splitlines()
    assert " ingest INFO [-] tests.logs: outside" in outside
    assert " ingest INFO [req-9] tests.logs: inside" in inside


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes process-wide loggers; the other tests need them back."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access", "celery", "py.warnings"]
    saved = {
        n: (
            list(logging.getLogger(n).handlers),
            logging.getLogger(n).level,
            logging.getLogger(n).propagate,
        )
        for n in names
    }
    try:
        yield
    finally:
        logging.captureWarnings(False)
        for n, (handlers, level, propagate) in saved.items():
            logger = logging.getLogger(n)
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate


def test_configured_logging_sends_the_servers_lines_through_one_json_handler(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    access = logging.getLogger("uvicorn.access")
    access.addHandler(logging.StreamHandler())  # what uvicorn's own config would add
    access.propagate = False
    configure_logging("gateway", LogSettings(json_lines=True, level="INFO"))
    with _serving("req-1"):
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/x", "1.1", 200)
    logging.getLogger("byosc.something").debug("below the level")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["logger"] == "uvicorn.access" and entry["service"] == "gateway"
    assert entry["request_id"] == "req-1"
    assert entry["message"] == '127.0.0.1:5 - "GET /x HTTP/1.1" 200'
