"""A hostile news site on 127.0.0.1: a feed of good articles and of every fault a crawler meets.

    with FaultSite() as site:
        crawl(site.url + "/rss.xml") ...
        assert stored == site.expected_stored()

Each path of FAULTS is one fault; `Fault.stored` says whether a crawl should
end up storing an article from it (after a retry, or despite a bad charset)
and `Fault.error` whether it should be recorded in crawl_errors. The server
counts requests per path, so tests can check what was retried.
"""

from __future__ import annotations

import gzip
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from tests.newssite.content import Story, headline, paragraphs
from tests.newssite.pages import article_html

BIG_PAGE = 50 * 1024 * 1024
BOMB_INFLATED = 2 * 1024**3  # the gzip bomb inflates to 2 GiB from about 2 MB
DRIP_SECONDS = 60  # a slow drip sends one byte per 0.2 s for this long, unless the client gives up


@dataclass(frozen=True)
class Fault:
    """One hostile path: what it does and what a crawl should make of it."""

    path: str
    does: str
    stored: bool  # an article from it ends up stored
    error: bool  # it is recorded against the run in crawl_errors


FAULTS = (
    Fault("/fault/500.html", "HTTP 500 every time", False, True),
    Fault("/fault/503-retry-after.html", "HTTP 503 with Retry-After: 1, then the article", True, False),
    Fault("/fault/503-always.html", "HTTP 503 with Retry-After: 1 every time", False, True),
    Fault("/fault/503-come-back-later.html", "HTTP 503 with Retry-After: 3600", False, True),
    Fault("/fault/429.html", "HTTP 429 with Retry-After: 1, then the article", True, False),
    Fault("/fault/reset-once.html", "connection reset (RST) once, then the article", True, False),
    Fault("/fault/reset.html", "connection reset (RST) every time", False, True),
    Fault("/fault/timeout.html", "accepts, then sends nothing for a minute", False, True),
    Fault("/fault/drip.html", "headers, then one byte per 0.2 s for a minute", False, True),
    Fault("/fault/truncated.html", "Content-Length 200000, sends 2000 bytes, closes", False, True),
    Fault("/fault/loop-a.html", "redirect loop a -> b -> a ...", False, True),
    Fault("/fault/big.html", "a 50 MB page with its Content-Length", False, True),
    Fault("/fault/big-stream.html", "a 50 MB page without Content-Length", False, True),
    Fault("/fault/bomb.html", "gzip bomb: 2 MB that inflate to 2 GiB", False, True),
    Fault("/fault/binary.html", "random binary bytes as text/html", False, True),
    Fault("/fault/no-charset.html", "UTF-8 article, no charset anywhere", True, False),
    Fault("/fault/unknown-charset.html", "UTF-8 article, charset=x-no-such-charset", True, False),
    Fault("/fault/wrong-charset.html", "Windows-1252 article declared as UTF-8", True, False),
)
# Start URLs besides the feed: malformed listings that still name good articles, and garbage.
BROKEN_LISTINGS = {
    "/broken-feed.xml": "RSS cut off in the middle of an item",
    "/broken-sitemap.xml": "sitemap with an unclosed tag and a bad date",
    "/garbage-feed.xml": "binary bytes as application/rss+xml",
}
# Hostile content, served as escaped HTML text: what extraction finds must be stored verbatim (NUL removed).
SQL_TITLE = "Robert'); DROP TABLE articles;-- \"q\" \\ %s %(x)s $1 $$ E'\\x00' /* */"
HOSTILE = {
    "/hostile/sql.html": (SQL_TITLE, ("1' OR '1'='1'; DELETE FROM crawl_runs; --", "%s %% %(body)s ${x} \\N")),
    "/hostile/nul.html": ("Nul\x00 in the\x00 title", ("Body with a NUL\x00 byte and an end\x00.", "Second.")),
    "/hostile/long-line.html": ("One megabyte on one line", ("word " * 200_000 + "end.",)),
    "/hostile/script.html": ("<script>alert('title')</script> & <img src=x onerror=alert(1)>",
                             ("<script>alert(document.cookie)</script> is text here.",
                              "</textarea><svg onload=alert(1)> and &lt;b&gt;")),
    "/hostile/control.html": ("Bell\x07 escape\x1b[31m red\x1b[0m tab\tend",
                              ("Control\x01\x02\x03 characters\x7f and \u202e right-to-left \u200b zero-width.",
                               "Line\u2028separator and \ufeff BOM.")),
}
LONG_URLS = "/hostile/long-urls.html"  # rel=canonical and a sidebar link of 10 KB; in /hostile.xml too
LONG_HEADLINE = "A headline whose link is ten kilobytes long"
NON_ASCII_TITLE = "Zürich café: naïve façade €5 — “quoted”"


@cache
def gzip_bomb() -> bytes:
    """Return gzip members of 16 MiB of zeros, repeated until they inflate to BOMB_INFLATED bytes."""
    member = gzip.compress(bytes(16 * 1024 * 1024), compresslevel=9)
    return member * (BOMB_INFLATED // (16 * 1024 * 1024))


class FaultSite:
    """The hostile site (a context manager): good articles and FAULTS, listed in /rss.xml."""

    def __init__(self, n_good: int = 6, seed: int = 5) -> None:
        rng = random.Random(seed)
        now = datetime.now(UTC).replace(microsecond=0)
        self.good = [f"/good/story-{i}.html" for i in range(n_good)]
        self.stories = {p: Story(p, headline(rng), "Ann Lee", now - timedelta(minutes=i), paragraphs(rng))
                        for i, p in enumerate(self.good + [f.path for f in FAULTS if f.stored])}
        for path in ("/fault/no-charset.html", "/fault/wrong-charset.html"):
            self.stories[path] = Story(path, NON_ASCII_TITLE, "Ann Lee", now, paragraphs(rng))
        self.listed_in_broken = {"/broken-feed.xml": "/good/from-broken-feed.html",
                                 "/broken-sitemap.xml": "/good/from-broken-sitemap.html"}
        for path in self.listed_in_broken.values():
            self.stories[path] = Story(path, headline(rng), "Ann Lee", now, paragraphs(rng))
        for i, (path, (title, body)) in enumerate(HOSTILE.items()):
            filler = paragraphs(rng)  # enough ordinary text around it to be an article
            self.stories[path] = Story(path, title, "Ann Lee", now - timedelta(minutes=i), body + filler)
        self.sidebar_paths = [f"/2026/11/26/sidebar-story-number-{i}.html" for i in range(3)]
        long_href = "/2026/11/26/sidebar-story-long.html?" + "q" * 10_000
        links = ((LONG_HEADLINE, long_href), *((headline(rng), p) for p in self.sidebar_paths))
        self.stories[LONG_URLS] = Story(LONG_URLS, "Ten kilobyte addresses", "Ann Lee", now, paragraphs(rng),
                                        sidebar=(("Latest", links),))
        self.requests: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}  # path -> monotonic time of each request
        self._lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", 0), _Handler)
        self.server.site = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start_urls(self) -> list[str]:
        return [self.url + "/rss.xml", *(self.url + p for p in BROKEN_LISTINGS)]

    def expected_stored(self) -> set[str]:
        """Return the paths whose article a crawl of start_urls() must store."""
        return set(self.good) | {f.path for f in FAULTS if f.stored} | set(self.listed_in_broken.values())

    def expected_errors(self) -> set[str]:
        """Return the paths a crawl must record in crawl_errors."""
        # the broken sitemap is cut inside a <loc>: lxml recovers the partial address, which is a 404
        return {f.path for f in FAULTS if f.error} | {"/garbage-feed.xml", "/good/unclosed"}

    def record(self, path: str) -> int:
        """Count a request of `path`; return how many there were, this one included."""
        with self._lock:
            self.requests[path] += 1
            self.times.setdefault(path, []).append(time.monotonic())
            return self.requests[path]

    def __enter__(self) -> FaultSite:
        gzip_bomb()  # build it before the clock of any timeout starts
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()


def rss(site: FaultSite) -> bytes:
    items = "".join(f"<item><title>{p}</title><link>{site.url}{p}</link></item>"
                    for p in site.good + [f.path for f in FAULTS])
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode()


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up (a killed crawl) are expected here: no tracebacks on stderr."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        site: FaultSite = self.server.site  # type: ignore[attr-defined]
        path = self.path.split("?")[0]
        n = site.record(path)
        try:
            self._serve(site, path, n)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on this response, as it should

    def _serve(self, site: FaultSite, path: str, n: int) -> None:  # noqa: C901 - one branch per fault
        if path == "/robots.txt":
            return self._send(200, "text/plain", b"User-agent: *\nDisallow:\n")
        if path == "/rss.xml":
            return self._send(200, "application/rss+xml", rss(site))
        if path in ("/good.xml", "/heavy.xml"):  # for scripts/faults_memory.py: good pages, with or without the heavy ones
            heavy = ["/fault/big.html", "/fault/big-stream.html", "/fault/bomb.html"] if path == "/heavy.xml" else []
            items = "".join(f"<item><title>x</title><link>{site.url}{p}</link></item>" for p in site.good + heavy)
            body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>G</title>{items}</channel></rss>'
            return self._send(200, "application/rss+xml", body.encode())
        if path == "/hostile.xml":
            items = "".join(f"<item><title>x</title><link>{site.url}{p}</link></item>"
                            for p in [*HOSTILE, LONG_URLS])
            body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>H</title>{items}</channel></rss>'
            return self._send(200, "application/rss+xml", body.encode())
        if path == "/broken-feed.xml":
            good = site.listed_in_broken[path]
            body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>'
                    f"<item><title>ok</title><link>{site.url}{good}</link></item>"
                    f"<item><title>cut <b>off").encode()
            return self._send(200, "application/rss+xml", body)
        if path == "/broken-sitemap.xml":
            good = site.listed_in_broken[path]
            body = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{site.url}{good}</loc><lastmod>not a date</lastmod></url>"
                    f"<url><loc>{site.url}/good/unclosed").encode()
            return self._send(200, "application/xml", body)
        if path == "/garbage-feed.xml":
            return self._send(200, "application/rss+xml", random.Random(1).randbytes(3000))
        if path == "/fault/500.html":
            return self._send(500, "text/html", b"<h1>Internal Server Error</h1>")
        if path == "/fault/503-come-back-later.html":
            return self._send(503, "text/html", b"<h1>maintenance</h1>", ("Retry-After", "3600"))
        if path in ("/fault/503-retry-after.html", "/fault/429.html") and n == 1 or path == "/fault/503-always.html":
            status = 429 if "429" in path else 503
            return self._send(status, "text/html", b"<h1>slow down</h1>", ("Retry-After", "1"))
        if path == "/fault/reset.html" or path == "/fault/reset-once.html" and n == 1:
            return self._reset()
        if path == "/fault/timeout.html":
            time.sleep(DRIP_SECONDS)
            return None
        if path == "/fault/drip.html":
            return self._drip()
        if path == "/fault/truncated.html":
            self._head(200, "text/html; charset=utf-8", 200_000)
            self.wfile.write(b"<html><body><p>" + b"x" * 2000)
            self.close_connection = True
            return None
        if path.startswith("/fault/loop-"):
            other = "b" if path.endswith("a.html") else "a"
            return self._send(302, "text/html", b"", ("Location", f"/fault/loop-{other}.html"))
        if path == "/fault/big.html":
            return self._big(with_length=True)
        if path == "/fault/big-stream.html":
            return self._big(with_length=False)
        if path == "/fault/bomb.html":
            return self._send(200, "text/html; charset=utf-8", gzip_bomb(), ("Content-Encoding", "gzip"))
        if path == "/fault/binary.html":
            return self._send(200, "text/html", random.Random(2).randbytes(20_000))
        if path in site.stories:
            return self._article(site, path)
        return self._send(404, "text/html", b"<h1>Not found</h1>")

    def _article(self, site: FaultSite, path: str) -> None:
        html = article_html(site.stories[path], site.url + path)
        if path == LONG_URLS:
            canonical = f'<link rel="canonical" href="{site.url}{path}?{"c" * 10_000}">'.encode()
            html = html.replace(f'<link rel="canonical" href="{site.url}{path}">'.encode(), canonical)
        if path == "/fault/no-charset.html":
            html = html.replace(b'<meta charset="utf-8">', b"")
            return self._send(200, "text/html", html)
        if path == "/fault/unknown-charset.html":
            return self._send(200, "text/html; charset=x-no-such-charset", html)
        if path == "/fault/wrong-charset.html":
            return self._send(200, "text/html; charset=utf-8", html.decode().encode("cp1252", "replace"))
        return self._send(200, "text/html; charset=utf-8", html)

    def _head(self, status: int, ctype: str, length: int | None, *headers: tuple[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, ctype: str, body: bytes, *headers: tuple[str, str]) -> None:
        self._head(status, ctype, len(body), *headers)
        self.wfile.write(body)

    def _reset(self) -> None:
        """Close with SO_LINGER 0: the client gets a TCP RST, not a clean end."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _drip(self) -> None:
        self._head(200, "text/html; charset=utf-8", DRIP_SECONDS * 5)
        for _ in range(DRIP_SECONDS * 5):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.2)

    def _big(self, with_length: bool) -> None:
        chunk = b"<p>" + b"filler text " * 85_000 + b"</p>\n"  # about 1 MB
        self._head(200, "text/html; charset=utf-8", BIG_PAGE if with_length else None)
        if not with_length:
            self.close_connection = True  # the end of the body is the end of the connection
        sent = 0
        self.wfile.write(b"<html><body>")
        sent += 12
        while sent < BIG_PAGE:
            piece = chunk[:BIG_PAGE - sent]
            self.wfile.write(piece)
            sent += len(piece)
