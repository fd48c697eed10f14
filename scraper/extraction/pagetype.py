"""Page type: is this an article page, or an index/section/tag/home page or an empty shell?"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scraper.extraction.links import is_story_url
from scraper.extraction.metadata import ARTICLE_TYPES, Metadata

MIN_BODY_CHARS = 250  # below this there is no article to store, whatever the markup claims
_INDEX_SEGMENTS = frozenset({
    "tag", "tags", "topic", "topics", "category", "categories", "section", "sections", "author",
    "authors", "search", "archive", "archives", "page", "latest", "index",
})
_INDEX_LD_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "profilepage"})
# Reasons that name a listing page (home, tag, section index) rather than a broken or empty one.
LISTING_REASONS = ("home page", "index page")


def is_listing(reason: str) -> bool:
    """Return True when a not-an-article `reason` says the page is a listing, not a broken page."""
    return reason.startswith(LISTING_REASONS)


# Characters of readable text in any script: word characters, spaces, common punctuation.
_UNREADABLE = re.compile(r"[^\w\s.,;:!?'\"()\[\]\-–—‘’“”«»…/%$€£&#@*+=。、！？「」『』（）・：；，]")


def readable_share(text: str) -> float:
    """Return the share of characters that are letters, digits, spaces or common punctuation."""
    sample = text[:20_000]
    if not sample:
        return 1.0
    return 1 - len(_UNREADABLE.findall(sample)) / len(sample)


def classify_page(md: Metadata, url: str, body: str, paragraphs: int, headlines: int = 0) -> tuple[bool, str]:
    """Return (is_article, reason): reason says why a page is not an article ("" when it is)."""
    path = urlsplit(url).path
    segments = [s.lower() for s in path.split("/") if s]
    claims_article = bool(md.ld_types() & ARTICLE_TYPES) or md.meta.get("og:type", "").lower() == "article"
    if len(body) < MIN_BODY_CHARS:
        return False, f"no article text ({len(body)} characters)"
    if readable_share(body) < 0.85:
        return False, "binary or undecodable content"
    if not segments and not urlsplit(url).query:
        return False, "home page"
    if md.ld_types() & _INDEX_LD_TYPES and not claims_article:
        return False, "index page (JSON-LD " + ", ".join(sorted(md.ld_types() & _INDEX_LD_TYPES)) + ")"
    if segments and segments[0] in _INDEX_SEGMENTS and not claims_article:
        return False, f"index page (/{segments[0]}/ URL)"
    if claims_article or is_story_url(url):
        return True, ""
    if paragraphs >= 3 and len(body) >= 1000 and headlines < paragraphs:
        return True, ""  # no markup, no story URL: running text has to outweigh the story links
    return False, "section or index page (no article markup, little running text)"
