"""Links: the one story-URL predicate, and one classification of every link of a page.

`is_story_url` is the single owner of "does this address look like one story?": the crawler's
listings (listings.py) and extraction both call it. Its words live in vocabulary.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urljoin, urlsplit

from scraper.extraction.dates import url_date_match
from scraper.extraction.urls import registrable_host, same_registrable
from scraper.extraction.vocabulary import (
    INDEX_PAGE_NAMES,
    MEDIA_EXTENSIONS,
    NON_PAGE_PREFIXES,
    NOT_STORY_SEGMENTS,
    PAGE_EXTENSIONS,
    PAGINATION_PARAMETERS,
    SECTION_CONJUNCTIONS,
    SECTION_ONLY_SEGMENTS,
    SOCIAL_URL_MARKERS,
    STORY_ID_PARAMETERS,
    STORY_SEGMENTS,
)

_SLUG_WORDS = re.compile(r"[a-z0-9]+(?:[-_+][a-z0-9]+){2,}", re.IGNORECASE)
_SECTION_SLUG = re.compile(r"[a-z]+[-_](?:" + "|".join(sorted(SECTION_CONJUNCTIONS)) + r")[-_][a-z]+", re.IGNORECASE)
_ID = re.compile(r"\d{5,}")
_EXTENSION = re.compile(r"\.([a-z0-9]{2,5})$", re.IGNORECASE)
_QUERY_ID = re.compile(r"(?:^|&)(?:" + "|".join(sorted(STORY_ID_PARAMETERS)) + r")=\d+")
_PAGINATION = re.compile(r"/page/\d+/?$|(?:^|&)(?:" + "|".join(sorted(PAGINATION_PARAMETERS)) + r")=\d+", re.IGNORECASE)

# The kinds every link of a page is given once.
STORY = "story"  # a story on the page's own site
PARTNER = "partner story"  # a story-shaped address on another site
NAVIGATION = "navigation"  # a non-story page of the own site: sections, tags, profiles
SOCIAL = "social"  # follow, subscribe, app and messenger endpoints
EXTERNAL = "external"  # any other address on another site
NOT_A_PAGE = "not a page"  # fragments, javascript:, mailto:, broken addresses


def _path_and_query(url: str) -> tuple[str, str]:
    """Return the path and query of a URL (a cheap urlsplit for the many links of a page)."""
    url = url.partition("#")[0]
    start = url.find("//")
    if start >= 0:
        slash = url.find("/", start + 2)
        question = url.find("?", start + 2)
        if slash < 0 or 0 <= question < slash:
            return "", url[question + 1:] if question >= 0 else ""
        url = url[slash:]
    path, _, query = url.partition("?")
    return path, query


@lru_cache(maxsize=8192)
def is_story_url(url: str) -> bool:
    """Return True when an http(s) URL is shaped like one story's page (slug, id, dated path), not an index."""
    if not url.startswith(("http://", "https://")):
        return False
    path, query = _path_and_query(url)
    path = unquote(path)
    segments = [s.lower() for s in path.split("/") if s]
    if not segments:
        return bool(_QUERY_ID.search(query))
    last = segments[-1]
    extension = _EXTENSION.search(last)
    if last in INDEX_PAGE_NAMES or (extension and extension[1].lower() in MEDIA_EXTENSIONS):
        return False
    stem = _EXTENSION.sub("", last) if extension and extension[1].lower() in PAGE_EXTENSIONS else last
    if any(s in NOT_STORY_SEGMENTS for s in segments[:-1]) or stem in NOT_STORY_SEGMENTS or last in SECTION_ONLY_SEGMENTS:
        return False
    if _PAGINATION.search(path) or _PAGINATION.search(query):
        return False
    if len(segments) == 1 and _SECTION_SLUG.fullmatch(stem):
        return False  # "/science-and-health", "/arts-and-culture": a section, not a story
    return _story_shaped(segments, stem, path, query, bool(extension and stem != last))


def _story_shaped(segments: list[str], stem: str, path: str, query: str, page_extension: bool) -> bool:
    dated = url_date_match(path) is not None and not (stem.isdigit() and len(stem) <= 4)
    return bool(_SLUG_WORDS.search(stem) or _ID.search(path) or dated or _QUERY_ID.search(query)
                or (page_extension and len(segments) >= 2)
                or (len(segments) >= 2 and _SLUG_WORDS.search(segments[-2]))
                or (len(segments) >= 2 and segments[-2] in STORY_SEGMENTS and "-" in stem))


def is_social(url: str) -> bool:
    """Return True for follow, subscribe, app-store and messenger addresses."""
    lowered = url.lower()
    return any(marker in lowered for marker in SOCIAL_URL_MARKERS)


@dataclass(frozen=True)
class Link:
    """One link of a page, classified once."""

    kind: str  # STORY, PARTNER, NAVIGATION, SOCIAL, EXTERNAL or NOT_A_PAGE
    url: str  # absolute ("" for NOT_A_PAGE)

    @property
    def internal(self) -> bool:
        """Return True for links that keep the reader on the site (or push them to follow it)."""
        return self.kind in (STORY, NAVIGATION, SOCIAL)


_NOTHING = Link(NOT_A_PAGE, "")


class LinkClassifier:
    """Classifies the links of one page, each distinct href once."""

    def __init__(self, base_url: str, page_url: str | None = None) -> None:
        self.base = base_url if base_url.startswith(("http://", "https://")) else ""
        page = self.base if page_url is None else page_url
        self.site = registrable_host(page) if page.startswith(("http://", "https://")) else ""
        parts = urlsplit(self.base) if self.base else None
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else ""
        self.memo: dict[str, Link] = {}
        self.stays: dict[str, bool] = {}

    def classify(self, href: str | None) -> Link:
        """Return the kind and absolute address of `href` on this page."""
        href = (href or "").strip()
        found = self.memo.get(href)
        if found is None:
            found = self.memo[href] = self._classify(href)
        return found

    def stays_on_site(self, href: str | None) -> bool:
        """Return True when the text of a link with `href` is the site's own link text, not prose citing another site.

        Links on the site, follow/subscribe endpoints, and links that go nowhere (a missing href,
        "#", javascript:, mailto: buttons) count; only addresses on other sites do not. The cheap
        question the segmenter asks of every link: no story-URL test is needed for it.
        """
        href = (href or "").strip()
        found = self.stays.get(href)
        if found is None:
            found = self.stays[href] = self._stays(href)
        return found

    def _stays(self, href: str) -> bool:
        if not href.lower().startswith(("http://", "https://", "//")):
            return True  # relative, fragment, javascript:, mailto:, none: page furniture or the site itself
        try:
            link, same_host = self._absolute(href)
        except ValueError:
            return True
        return same_host or same_registrable(registrable_host(link), self.site) or is_social(link)

    def _classify(self, href: str) -> Link:
        if not href or href.lower().startswith(NON_PAGE_PREFIXES):
            return _NOTHING
        try:
            link, same_host = self._absolute(href)
        except ValueError:
            return _NOTHING
        if not link.startswith(("http://", "https://")):
            return _NOTHING
        own = same_host or same_registrable(registrable_host(link), self.site)
        if own:
            return Link(STORY if is_story_url(link) else SOCIAL if is_social(link) else NAVIGATION, link)
        if is_social(link):
            return Link(SOCIAL, link)
        return Link(PARTNER if is_story_url(link) else EXTERNAL, link)

    def _absolute(self, href: str) -> tuple[str, bool]:
        if href.startswith(("http://", "https://")):
            return href, False
        if href.startswith("//"):
            return (self.base.split(":", 1)[0] or "https") + ":" + href, False
        if not self.base:
            return href, False
        if href.startswith("/") and self.origin:
            return self.origin + href, True
        return urljoin(self.base, href), True
