"""The daemon and signals, for real: `scraper run` crawls overdue sources at start and stops cleanly."""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import pytest

from tests.e2e.conftest import sources_file
from tests.newssite.content import Story, headline, paragraphs
from tests.newssite.pages import article_html


def runs(db_url: str, *more: str) -> list[tuple]:
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            columns = ", ".join(("status", "trigger", "error", "articles_new", *more))
            cur.execute(f"SELECT {columns} FROM crawl_runs ORDER BY id")
            return cur.fetchall()
    finally:
        conn.close()


@contextmanager
def daemon_running(scraper, config) -> Iterator[subprocess.Popen]:
    """Run `scraper run` for the block; the block ends it with SIGTERM (it is killed if still there)."""
    daemon = scraper.popen("--config", str(config), "run", "--port", str(free_port()))
    try:
        yield daemon
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def stop(daemon: subprocess.Popen) -> int:
    """SIGTERM the daemon and return its exit code."""
    daemon.send_signal(signal.SIGTERM)
    return daemon.wait(60)


def count_articles(db_url: str) -> int:
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM articles")
            return cur.fetchone()[0]
    finally:
        conn.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlowSite:
    """A feed of 30 articles, each served after a delay, so a crawl is still running when signalled."""

    def __init__(self, n: int = 30, delay: float = 0.5) -> None:
        rng = random.Random(7)
        now = datetime.now(UTC).replace(microsecond=0)
        self.stories = {f"/2026/11/26/slow-story-number-{i}.html": Story(
            f"/2026/11/26/slow-story-number-{i}.html", headline(rng), "Ann Lee", now, paragraphs(rng))
            for i in range(n)}
        self.served: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
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

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_site() -> Iterator[SlowSite]:
    site = SlowSite()
    yield site
    site.close()


def test_daemon_crawls_an_overdue_source_at_start_and_stops_on_sigterm(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "s.toml", site, max_age_days=7)
    with daemon_running(scraper, config) as daemon:
        wait_for(lambda: [r for r in runs(db_url) if r[0] == "succeeded"], 90, "the first scheduled crawl")
        assert stop(daemon) == 0
    [(status, trigger, error, new)] = runs(db_url)
    assert (status, trigger) == ("succeeded", "schedule")
    assert new == len(site.expected.stored(max_age_days=7))


def test_sigterm_during_a_crawl_leaves_no_run_marked_running_and_loses_no_fetched_article(
        scraper, slow_site, db_url, tmp_path):
    config = tmp_path / "s.toml"
    config.write_text(f'[[sources]]\nname = "slow"\nstart_urls = ["{slow_site.url}/rss.xml"]\n'
                      'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\n'
                      "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nCONCURRENT_REQUESTS_PER_DOMAIN = 2\n")
    with daemon_running(scraper, config) as daemon:
        wait_for(lambda: len(slow_site.served) >= 3, 60, "the crawl to fetch a few articles")
        assert stop(daemon) == 0
    [(status, trigger, error, new, pages)] = runs(db_url, "pages_fetched")
    assert status == "failed" and "stopped before finishing" in error
    assert 3 <= new < len(slow_site.stories)
    # every article page the crawl received before the stop (all pages but the feed) was stored
    assert count_articles(db_url) == new == pages - 1


def test_crawl_command_killed_hard_is_marked_failed_by_the_next_daemon_start(scraper, slow_site, db_url, tmp_path):
    config = tmp_path / "s.toml"
    config.write_text(f'[[sources]]\nname = "slow"\nstart_urls = ["{slow_site.url}/rss.xml"]\n'
                      'allowed_domains = ["127.0.0.1"]\nschedule = "0 0 1 1 *"\n'
                      "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\n")
    crawl = scraper.popen("--config", str(config), "crawl", "slow")
    wait_for(lambda: slow_site.served, 60, "the crawl to start fetching")
    crawl.kill()  # SIGKILL: no handler runs, the row stays 'running'
    crawl.wait(30)
    assert [r[0] for r in runs(db_url)] == ["running"]
    status = scraper("--config", str(config), "status")
    assert status.code == 0
    with daemon_running(scraper, config) as daemon:
        wait_for(lambda: runs(db_url)[0][0] == "failed", 60, "the stale run to be marked failed")
        assert stop(daemon) == 0
    assert "interrupted" in runs(db_url)[0][2]


def test_a_crawl_stopped_by_its_time_limit_succeeds_with_what_it_stored(scraper, slow_site, db_url, tmp_path):
    config = tmp_path / "s.toml"
    config.write_text(f'[[sources]]\nname = "slow"\nstart_urls = ["{slow_site.url}/rss.xml"]\n'
                      'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\n'
                      "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nCONCURRENT_REQUESTS = 1\n"
                      "CLOSESPIDER_TIMEOUT = 3\n")
    result = scraper("--config", str(config), "crawl", "slow")
    assert result.code == 0, result.err
    [(status, trigger, error, new, pages)] = runs(db_url, "pages_fetched")
    assert status == "succeeded" and "closespider_timeout" in error
    assert 0 < new == pages - 1 < len(slow_site.stories)
