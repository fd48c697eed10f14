"""The test site's HTTP side: fixed responses served from a dict, with conditional GET."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Resource:
    """One prepared response."""

    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None
    headers: tuple[tuple[str, str], ...] = ()
    etag: str = field(default="", init=False)

    def __post_init__(self) -> None:
        # Strong validator over the exact bytes, so a revised article gets a new one.
        object.__setattr__(self, "etag", '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"')


NOT_FOUND = Resource(404, "text/html; charset=utf-8", b"<html><body><h1>Not found</h1></body></html>")


class SiteServer(ThreadingHTTPServer):
    """A threading HTTP server that asks `resolve(path)` for each response."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs under a concurrent crawler,
    # costing a 1 s retransmit each: the benchmark would measure that, not us.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], resolve: Callable[[str], Resource | None],
                 record: Callable[[str], None]) -> None:
        super().__init__(address, SiteHandler)
        self.resolve = resolve
        self.record = record


class SiteHandler(BaseHTTPRequestHandler):
    """Serves GET and HEAD from the server's resources; everything else is 405."""

    server: SiteServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stalls

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet: tests assert on `requests`, not on stderr."""

    def _respond(self, send_body: bool) -> None:
        """Write the resource for the request path, or 304 when the client's copy is current."""
        self.server.record(self.path)
        res = self.server.resolve(urlsplit(self.path).path) or NOT_FOUND
        status, body = res.status, res.body
        if status == 200 and self._not_modified(res):
            status, body = 304, b""
        self.send_response(status)
        self.send_header("Content-Type", res.content_type)
        self.send_header("Content-Length", str(len(body)))
        if res.status == 200:
            self.send_header("ETag", res.etag)
            if res.last_modified:
                self.send_header("Last-Modified", format_datetime(res.last_modified.astimezone(UTC), usegmt=True))
        for name, value in res.headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def _not_modified(self, res: Resource) -> bool:
        """Return True when If-None-Match or If-Modified-Since says the client has this version."""
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return res.etag in [t.strip().removeprefix("W/") for t in tags.split(",")] or tags.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since and res.last_modified:
            try:
                return res.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False


def start(server: SiteServer) -> threading.Thread:
    """Return the daemon thread now serving `server`."""
    thread = threading.Thread(target=server.serve_forever, name="newssite", daemon=True)
    thread.start()
    return thread


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that does not log each request to stderr."""

    def log_message(self, *args: object) -> None:
        pass


class LocalServer:
    """Serves a handler class on 127.0.0.1 (a free port) in a daemon thread, until close()."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Start serving `handler`; `self.url` is then the server's address."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
