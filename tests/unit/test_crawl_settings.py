"""What every crawl sends and obeys by default, and how a source overrides it."""

from __future__ import annotations

import subprocess
import sys
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


def test_discovery_and_extraction_stay_pure():
    code = ("import sys, scraper.extraction.listings, scraper.extraction, scraper.extraction.urls;"
            "print(','.join(m for m in sys.modules if m.split('.')[0] in "
            "('scrapy', 'psycopg2', 'apscheduler', 'twisted')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
