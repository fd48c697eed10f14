"""A crawl of a hostile site: every fault retried where that helps, bounded, recorded; good articles stored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import rows
from tests.faults.server import FAULTS, NON_ASCII_TITLE, FaultSite

# Low limits so the test is fast; the service's defaults are in scraper.crawling.runner.scrapy_settings.
FAST = ("AUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\nDOWNLOAD_TIMEOUT = 2\nRETRY_TIMES = 1\n"
        "CONCURRENT_REQUESTS_PER_DOMAIN = 16\n")


def fault_sources(path: Path, site: FaultSite, name: str = "hostile", extra: str = "") -> Path:
    urls = ", ".join(f'"{u}"' for u in site.start_urls())
    path.write_text(f'[[sources]]\nname = "{name}"\nstart_urls = [{urls}]\nallowed_domains = ["127.0.0.1"]\n'
                    f"interval_minutes = 60\n[sources.settings]\n{FAST}{extra}")
    return path



@pytest.fixture
def fault_site() -> Iterator[FaultSite]:
    with FaultSite() as site:
        yield site


def test_a_hostile_site_is_crawled_to_the_end_with_every_fault_bounded_and_recorded(
        scraper, fault_site, db_url, tmp_path):
    config = fault_sources(tmp_path / "s.toml", fault_site)
    started = time.monotonic()
    result = scraper("--config", str(config), "crawl", "hostile", timeout=120)
    took = time.monotonic() - started
    assert result.code == 0, result.err
    site = fault_site.url
    stored = {url[len(site):] for (url,) in rows(db_url, "SELECT url FROM articles")}
    assert stored == fault_site.expected_stored()
    errors = {url[len(site):] if url else None: message
              for url, message in rows(db_url, "SELECT url, message FROM crawl_errors")}
    assert set(errors) == fault_site.expected_errors(), errors
    [(status, new, n_errors, error)] = rows(db_url, "SELECT status, articles_new, errors, error FROM crawl_runs")
    assert status == "succeeded" and new == len(stored) and n_errors == len(errors) and error
    # retried where that makes sense: HTTP 500/503/429, resets, timeouts, truncation; not the rest
    requests = fault_site.requests
    for path in ("/fault/500.html", "/fault/503-always.html", "/fault/reset.html", "/fault/timeout.html",
                 "/fault/truncated.html", "/fault/503-retry-after.html", "/fault/429.html"):
        # (Twisted may resend once more on a reused keep-alive connection that was reset)
        assert 2 <= requests[path] <= 3, (path, requests[path])
    # Retry-After: 1 was waited for; Retry-After: 3600 is beyond SCRAPER_RETRY_AFTER_MAX, so no retry this crawl
    for path in ("/fault/503-retry-after.html", "/fault/429.html", "/fault/503-always.html"):
        first, second = fault_site.times[path][:2]
        assert second - first >= 0.9, (path, second - first)
    for path in ("/fault/big.html", "/fault/bomb.html", "/fault/binary.html", "/fault/503-come-back-later.html"):
        assert requests[path] == 1, (path, requests[path])
    assert "exceeded DOWNLOAD_MAXSIZE" in errors["/fault/bomb.html"]
    assert "max redirections" in errors["/fault/loop-a.html"]
    assert "DOWNLOAD_MAXSIZE" in errors["/fault/big.html"] or "max size" in errors["/fault/big.html"]
    assert "DOWNLOAD_MAXSIZE" in errors["/fault/big-stream.html"]
    assert "Content-Length" in errors["/fault/truncated.html"]
    # bounded in time: the minute-long timeout and drip pages were cut at DOWNLOAD_TIMEOUT
    assert took < 60, took
    for path in ("/fault/no-charset.html", "/fault/wrong-charset.html"):  # Windows-1252 labelled UTF-8 too
        [(title,)] = rows(db_url, f"SELECT title FROM articles WHERE url = '{site}{path}'")
        assert title == NON_ASCII_TITLE, path
    assert len(FAULTS) >= 17
