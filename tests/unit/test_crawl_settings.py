"""What every crawl sends and obeys by default, and how a source overrides it."""

from __future__ import annotations

from types import MappingProxyType

from scraper.crawling.runner import scrapy_settings
from scraper.settings import load_settings
from scraper.sources import Source


def test_crawls_are_polite_by_default_and_sources_may_override():
    settings = load_settings({"user_agent": None}, env_file=None)
    plain = Source("a", ("https://example.com/rss",), ("example.com",), interval_minutes=5)
    values = scrapy_settings(settings, plain, "postgresql://db", run_id=7)
    assert values["ROBOTSTXT_OBEY"] is True and values["AUTOTHROTTLE_ENABLED"] is True
    assert values["USER_AGENT"] == settings.user_agent and "bot" in values["USER_AGENT"]
    assert values["SCRAPER_RUN_ID"] == 7 and values["SCRAPER_REFUSE_PRIVATE"] is False
    tuned = Source("b", ("https://example.com/rss",), ("example.com",), interval_minutes=5,
                   settings=MappingProxyType({"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 2.0}))
    values = scrapy_settings(settings, tuned, "postgresql://db", run_id=7, refuse_private=True)
    assert values["AUTOTHROTTLE_ENABLED"] is False and values["DOWNLOAD_DELAY"] == 2.0
    assert values["SCRAPER_REFUSE_PRIVATE"] is True


def test_crawl_knobs_come_from_the_environment_and_a_source_may_set_its_own(monkeypatch, tmp_path):
    """SCRAPER_BATCH_SIZE in .env reaches every crawl (it used to be ignored); [sources.settings] wins."""
    env_file = tmp_path / ".env"
    env_file.write_text("SCRAPER_BATCH_SIZE=100\nSCRAPER_SPOOL_WAIT=7\n")
    for name in ("SCRAPER_BATCH_SIZE", "SCRAPER_SPOOL_WAIT"):
        monkeypatch.setenv(name, "")  # so that monkeypatch also undoes what load_dotenv() writes
        monkeypatch.delenv(name)
    settings = load_settings(env_file=env_file)
    plain = Source("a", ("https://example.com/rss",), ("example.com",), interval_minutes=5)
    values = scrapy_settings(settings, plain, "postgresql://db", run_id=1)
    assert (values["SCRAPER_BATCH_SIZE"], values["SCRAPER_SPOOL_WAIT"]) == (100, 7.0)
    assert values["SCRAPER_EXTRACT_WORKERS"] == 2 and values["SCRAPER_RETRY_AFTER_MAX"] == 60.0  # defaults
    own = Source("b", ("https://example.com/rss",), ("example.com",), interval_minutes=5,
                 settings=MappingProxyType({"SCRAPER_BATCH_SIZE": 3}))
    assert scrapy_settings(settings, own, "postgresql://db", run_id=1)["SCRAPER_BATCH_SIZE"] == 3
