"""A loopback HTTP server that answers form-encoded POSTs with JSON, for the OAuth tests: a token endpoint
(refresh token → access token) and the RFC 7662 introspection Dovecot asks."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import urllib.parse
from collections.abc import Iterator

from tests.helpers.loopback import LOOPBACK


class FormPostHandler(http.server.BaseHTTPRequestHandler):
    """Reads each POST's form and writes back the JSON that `answer` gives, with its status; logs nothing."""

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        raise NotImplementedError

    def do_POST(self) -> None:
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        status, body = self.answer(form)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args: object) -> None:
        return None


@contextlib.contextmanager
def serving(handler: type[FormPostHandler]) -> Iterator[str]:
    """`handler` served from a thread on a free loopback port; yields the base URL, without a slash."""
    server = http.server.HTTPServer((LOOPBACK, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{LOOPBACK}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
