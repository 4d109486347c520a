"""Logging for every process: one JSON object per line (or plain text), each line carrying
the ID of the request or job it belongs to.

Everything goes through the root logger's one handler: uvicorn's loggers and Celery's are
left without handlers of their own, so their lines come out in the same shape.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from byosc.request_ids import current_request_id
from byosc.settings import LogSettings

# Their own handlers, where a server configured some, would print each line twice.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "celery")


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request ID while it is still current: a handler
    runs in the thread and context that logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonLinesFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__(
            f"%(asctime)s {service} %(levelname)s [%(request_id)s] %(name)s: %(message)s"
        )

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


def log_handler(
    service: str, settings: LogSettings, stream: IO[str] | None = None
) -> logging.Handler:
    """Writes to `stream`, by default standard error."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    formatter = JsonLinesFormatter(service) if settings.json_lines else TextFormatter(service)
    handler.setFormatter(formatter)
    return handler


def configure_logging(service: str, settings: LogSettings) -> None:
    """Replaces the root logger's handlers with one in the chosen format, at the chosen level."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(log_handler(service, settings))
    root.setLevel(settings.level.upper())
    logging.captureWarnings(True)  # warnings become records too, not bare stderr text
    # httpx logs every request at INFO: the gateway would write a second line per request
    # beside uvicorn's access line, and spend measurable time on it.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
        # Undo what a server's or library's own logging set-up may have done before: a
        # level of its own, or disabled by a logging.config.dictConfig call.
        server_logger.setLevel(logging.NOTSET)
        server_logger.disabled = False
