"""Secrets (the database password, the API token) never reach logs, crawl output or `scraper status`."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from tests.e2e.conftest import sources_file

PASSWORD = "pw-s3cret-7f3a"
TOKEN = "tok-s3cret-91bc"


def with_password(url: str) -> str:
    """Return `url` carrying PASSWORD (the test servers trust local connections, so it is not checked)."""
    parts = urlsplit(url)
    user = parts.username or "postgres"
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{PASSWORD}@{host}"))


def test_no_secret_in_debug_logs_crawl_output_or_status(scraper, site, db_url, tmp_path):
    scraper.env["DATABASE_URL"] = with_password(db_url)
    scraper.env["SCRAPER_API_TOKEN"] = TOKEN
    scraper.env["SCRAPER_LOG_LEVEL"] = "DEBUG"
    config = sources_file(tmp_path / "s.toml", site, extra="max_pages = 3\n")
    crawl = scraper("--config", str(config), "crawl", "gazette")
    assert crawl.code == 0, crawl.err
    assert "Overridden settings" in crawl.err or "Enabled item pipelines" in crawl.err  # the logs are there
    status = scraper("--config", str(config), "status")
    assert status.code == 0, status.err
    scraper.env["DATABASE_URL"] = with_password(db_url).replace(urlsplit(db_url).path, "/no_such_database")
    failed = scraper("--config", str(config), "crawl", "gazette")
    assert failed.code != 0 and "***" in failed.err
    for result in (crawl, status, failed):
        for secret in (PASSWORD, TOKEN):
            assert secret not in result.out and secret not in result.err
