"""The daemon and signals, for real: `scraper run` crawls overdue sources at start and stops cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2

from tests.e2e.conftest import sources_file


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
                      "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nCONCURRENT_REQUESTS = 2\n")
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
