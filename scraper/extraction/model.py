"""What extraction returns: small frozen dataclasses, no parser objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Headline:
    """One story link of a page's headline sidebar ("Latest", "Most read", "Related")."""

    title: str
    url: str  # absolute and canonical (see scraper.extraction.urls.canonical_url)
    block: str = ""  # the label text of the rail it was in ("Most read", "Related"), "" when the rail has none


@dataclass(frozen=True)
class Article:
    """Everything extraction finds on one page.

    `is_article` is False for index/section/tag pages and for pages with no
    article text; `reason` then says why, for the crawl log.
    """

    url: str  # canonical URL: rel=canonical on the same site, else the fetched URL, canonicalised
    title: str = ""
    body: str = ""  # paragraphs separated by blank lines
    published_at: datetime | None = None  # timezone-aware
    authors: tuple[str, ...] = ()
    language: str | None = None
    image_url: str | None = None
    paywalled: bool = False
    headlines: tuple[Headline, ...] = field(default_factory=tuple)
    is_article: bool = True
    reason: str = ""
