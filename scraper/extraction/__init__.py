"""Article extraction: pure functions from a page's HTML and URL to an `Article`.

Nothing here imports scrapy, psycopg2 or apscheduler; spiders and the CLI call in.
"""

from __future__ import annotations

from scraper.extraction.model import Article, Headline
from scraper.extraction.page import Analysis, analyse_page, extract_article
from scraper.extraction.rules import SiteRules
from scraper.extraction.urls import canonical_url

__all__ = ["Analysis", "Article", "Headline", "SiteRules", "analyse_page", "canonical_url", "extract_article"]
