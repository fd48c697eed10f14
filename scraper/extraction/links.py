"""Story links: which URLs are on the page's own site and look like one story (not a section)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

_NOT_STORY_SEGMENTS = frozenset({
    "tag", "tags", "topic", "topics", "category", "categories", "author", "authors", "people", "person",
    "profile", "profiles", "section", "sections", "search", "login", "signin", "sign-in", "register",
    "subscribe", "subscription", "subscriptions", "newsletter", "newsletters", "about", "about-us",
    "contact", "contact-us", "privacy", "privacy-policy", "terms", "terms-of-service", "help", "faq",
    "account", "cart", "shop", "store", "feed", "rss", "careers", "jobs", "advertise", "sitemap",
    "forum", "forums", "threads", "discussion", "user", "users", "members", "staff", "contributors",
    "cookie-policy", "cookies", "legal", "wiki", "wikis", "maps", "map", "cheats", "classifieds",
})
# Section index names: not a story when the path ends there (/weather/), fine above a story slug.
_SECTION_ONLY = frozenset({"live-tv", "livestream", "watch-live", "podcasts", "weather", "games", "shows",
                           "schedule", "tv-schedule"})
_STORY_SEGMENTS = frozenset({"story", "stories", "article", "articles", "news", "post", "posts", "blog",
                             "video", "videos", "gallery", "galleries", "opinion", "review", "reviews"})
_SLUG_WORDS = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+){2,}", re.IGNORECASE)
_SECTION_SLUG = re.compile(r"[a-z]+[-_](?:and|und|et|y|e|n)[-_][a-z]+", re.IGNORECASE)
_ID = re.compile(r"\d{5,}")
_DATE_PATH = re.compile(r"/(?:19|20)\d\d/[01]?\d/")
_EXTENSION = re.compile(r"\.(?:html?|shtml|php|aspx?|cms)$", re.IGNORECASE)
_QUERY_ID = re.compile(r"(?:^|&)(?:p|id|story|article|vid|video|v)=\d+")


def registrable_host(url: str) -> str:
    """Return the last two labels of the URL's host (three under two-letter country suffixes like co.uk)."""
    return _registrable(_host(url))


def _host(url: str) -> str:
    """Return the lower-case host of an absolute or protocol-relative URL (a cheap urlsplit().hostname)."""
    start = url.find("//")
    if start < 0:
        return ""
    rest = url[start + 2:]
    for stop in "/?#":
        cut = rest.find(stop)
        if cut >= 0:
            rest = rest[:cut]
    rest = rest.rpartition("@")[2]
    if rest.startswith("["):
        return rest[1:rest.find("]")].lower() if "]" in rest else ""
    return rest.partition(":")[0].lower().rstrip(".")


@lru_cache(maxsize=1024)
def _registrable(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in ("co", "com", "org", "net", "ac", "gov", "or", "ne"):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def site_name(url: str) -> str:
    """Return the site's name without its public suffix ("bbc" for www.bbc.com and www.bbc.co.uk)."""
    return registrable_host(url).split(".")[0]


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


def is_story_url(url: str) -> bool:
    """Return True when a URL's path looks like one story (slug, numeric id or dated path)."""
    path, query = _path_and_query(url)
    segments = [s for s in path.split("/") if s]
    if not segments and not _QUERY_ID.search(query):
        return False
    if any(s.lower() in _NOT_STORY_SEGMENTS for s in segments) or (
            segments and segments[-1].lower() in _SECTION_ONLY):
        return False
    last = _EXTENSION.sub("", segments[-1]) if segments else ""
    if len(segments) == 1 and _SECTION_SLUG.fullmatch(last):
        return False  # "/science-and-health", "/arts-and-culture": a section, not a story
    return bool(_SLUG_WORDS.search(last) or _ID.search(path) or _DATE_PATH.search(path)
                or _QUERY_ID.search(query)
                or (len(segments) >= 2 and _SLUG_WORDS.search(segments[-2]))
                or (len(segments) >= 2 and segments[-2].lower() in _STORY_SEGMENTS and "-" in last))


@lru_cache(maxsize=64)
def _origin(url: str) -> str:
    """Return "scheme://host[:port]" of an http(s) URL, or "" (relative links are joined to it cheaply)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def story_link(href: str | None, base_url: str, site: str | None) -> str | None:
    """Return the absolute URL of `href` when it points at a story on `site` (any site: None), else None."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "whatsapp:", "sms:")):
        return None
    try:
        same_host = False
        if href.startswith(("http://", "https://")):
            link = href
        elif href.startswith("//"):
            link = base_url.split(":", 1)[0] + ":" + href
        elif href.startswith("/") and _origin(base_url):
            link, same_host = _origin(base_url) + href, True
        else:
            link = urljoin(base_url, href)
        if (site is not None and not same_host and site_name(link) != site) or not is_story_url(link):
            return None
    except ValueError:
        return None
    return link
