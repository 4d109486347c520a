"""`python -m tests.support.standin_service PORT`: a service in name only, for the stack's
signal tests. It answers 200 on every path and does nothing else, so it stops only when
something stops it: SIGINT from the stack, or the kernel's SIGTERM when its parent dies."""

from __future__ import annotations

import contextlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the stack's probes would fill the log."""


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), _Ok).serve_forever()
