"""What the store takes: one article page as fetched and extracted (plain data, no database here).

Apart from store.py so that the spool, which writes these to disk before
PostgreSQL sees them, imports no database driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scraper.extraction.model import Article


@dataclass(frozen=True)
class FetchedPage:
    """One article page as fetched and extracted."""

    source: str
    requested_url: str  # the address the crawler asked for (raw)
    final_url: str  # after redirects (raw)
    article: Article  # extraction result; article.url is the canonical URL
    fetched_at: datetime  # tz-aware
    aliases: tuple[str, ...] = ()  # other addresses the page was listed under (raw), e.g. with ?utm_
