"""A slow news site: a feed of articles, each served after a delay, so a crawl is still running when a test acts."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from tests.newssite.content import Story, headline, paragraphs
from tests.newssite.pages import article_html
from tests.newssite.server import LocalServer, QuietHandler


class SlowSite(LocalServer):
    """A feed of 30 articles, each served after a delay, so a crawl is still running when signalled."""

    def __init__(self, n: int = 30, delay: float = 0.5) -> None:
        rng = random.Random(7)
        now = datetime.now(UTC).replace(microsecond=0)
        self.stories = {f"/2026/11/26/slow-story-number-{i}.html": Story(
            f"/2026/11/26/slow-story-number-{i}.html", headline(rng), "Ann Lee", now, paragraphs(rng))
            for i in range(n)}
        self.served: list[str] = []
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/rss.xml":
                    items = "".join(f"<item><title>{s.title}</title><link>{site.url}{p}</link></item>"
                                    for p, s in site.stories.items())
                    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
                    self._send(200, "application/rss+xml", body)
                elif self.path in site.stories:
                    time.sleep(delay)
                    self._send(200, "text/html; charset=utf-8", article_html(site.stories[self.path], site.url + self.path))
                    site.served.append(self.path)
                else:
                    self._send(404, "text/plain", b"not found")

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.serve(Handler)
